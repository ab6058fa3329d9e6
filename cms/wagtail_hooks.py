from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import AccessibilityReport


class AccessibilityReportViewSet(SnippetViewSet):
    model = AccessibilityReport
    icon = "help"
    menu_label = _("Accessibility reports")
    list_display = ["created_at", "page_url", "description", "resolved"]
    list_filter = ["resolved"]
    add_to_admin_menu = True


register_snippet(AccessibilityReportViewSet)
