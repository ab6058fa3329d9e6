from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import SnippetViewSet

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin_labels import NewItemLabelViewSetMixin, SnippetBreadcrumbsMixin
from learners.actions.history import HR_RECORDS_COLLECTION
from learners.models import Enrolment
from organisation.scope import scope_of

from .models import AccessibilityReport


class _ReadersOnly:
    """Wagtail's snippet chooser asks for no permission on the model: its
    views would list every report (with the reporter's page and text) to
    anyone with admin access. These ask for one, as the listing does."""

    def dispatch(self, request, *args, **kwargs):
        policy = ModelPermissionPolicy(AccessibilityReport)
        if not policy.user_has_any_permission(request.user, ["view", "change"]):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class AccessibilityReportChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = type("ChooseView", (_ReadersOnly, chooser.ChooseView), {})
    choose_results_view_class = type(
        "ChooseResultsView", (_ReadersOnly, chooser.ChooseResultsView), {}
    )
    chosen_view_class = type(
        "ChosenView", (_ReadersOnly, chooser.SnippetChosenView), {}
    )
    chosen_multiple_view_class = type(
        "ChosenMultipleView", (_ReadersOnly, chooser.SnippetChosenMultipleView), {}
    )


class AccessibilityReportViewSet(
    SnippetBreadcrumbsMixin, NewItemLabelViewSetMixin, SnippetViewSet
):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = AccessibilityReport
    chooser_viewset_class = AccessibilityReportChooserViewSet
    icon = "help"
    menu_label = _("Accessibility reports")
    new_item_label = _("New accessibility report")
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


@hooks.register("before_serve_document")
def records_are_for_those_who_see_the_person(document, request):
    """A document in a collection with a view restriction (the HR records,
    "HR-handlingar") is refused with a 403 to a signed-in person outside its
    groups (Wagtail itself would send them to sign in again). An attachment
    of a person's record is served only to those whose scope holds that
    person (organisation.scope, as every people list): for anyone else it
    does not exist."""
    if not request.user.is_authenticated:
        return None  # the hook above sends them to sign in
    restrictions = document.collection.get_view_restrictions()
    if not all(restriction.accept_request(request) for restriction in restrictions):
        raise PermissionDenied
    if document.collection.name != HR_RECORDS_COLLECTION:
        return None
    scope = scope_of(request.user)
    people = list(
        Enrolment.objects.filter(attachment=document).values_list(
            "learner_id", flat=True
        )
    )
    # A record's attachment: for those who see its person. One that no record
    # names any more (the record was removed) is nobody's to judge but the
    # city's.
    if people:
        allowed = scope.users().filter(pk__in=people).exists()
    else:
        allowed = scope.is_city
    if not allowed:
        raise Http404
    return None


@hooks.register("insert_editor_js")
def rich_text_areas_are_named():
    """Names Wagtail's rich text areas by their fields' labels
    (cms/static/js/admin-rich-text-labels.js): axe's aria-input-field-name."""
    return format_html(
        '<script src="{}" defer></script>',
        static("js/admin-rich-text-labels.js"),
    )


@hooks.register("insert_global_admin_css")
def admin_fits_a_phone():
    """Our corrections to the admin's layout on a phone
    (cms/static/css/admin.css)."""
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


@hooks.register("construct_help_menu")
def no_wagtail_release_notes_in_the_help_menu(request, menu_items):
    """Wagtail's "What's new in Wagtail" links to wagtail.org's release notes:
    nothing an HR author needs, off-site, and its label is translated once,
    in the language of the first person who opens the menu."""
    menu_items[:] = [
        item
        for item in menu_items
        if not getattr(item, "name", "").startswith("whats-new-in-wagtail")
    ]
