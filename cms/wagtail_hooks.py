from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

import core.converters  # noqa: F401  (registers <id:...>)

from .models import AccessibilityReport


class AccessibilityReportViewSet(SnippetViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = AccessibilityReport
    icon = "help"
    menu_label = _("Accessibility reports")
    list_display = ["created_at", "page_url", "description", "resolved"]
    list_filter = ["resolved"]
    add_to_admin_menu = True


register_snippet(AccessibilityReportViewSet)


@hooks.register("before_serve_document")
def documents_are_for_signed_in_staff(document, request):
    """Course documents (checklists, captions, handouts) are the city's
    internal material: served to signed-in people only. (The media route
    never serves them directly; see cms/urls.py.)"""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None
