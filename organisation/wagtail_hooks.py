from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from core.admin import SCOPE_OF_USER, ReadOnlyPermissionPolicy

from . import hr_import
from .admin_views import AuditEventViewSet, UnitDelegationViewSet
from .choosers import person_chooser_viewset, unit_chooser_viewset
from .import_views import import_apply, import_applying, import_check, import_upload
from .models import AuditEvent
from .scope import scope_of

register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))


@hooks.register("register_admin_viewset")
def register_audit_log():
    return AuditEventViewSet("audit_log")


@hooks.register("register_admin_viewset")
def register_delegations():
    return UnitDelegationViewSet("delegations")


@hooks.register("register_admin_viewset")
def register_person_chooser():
    return person_chooser_viewset


@hooks.register("register_admin_viewset")
def register_unit_chooser():
    return unit_chooser_viewset


@hooks.register("register_admin_urls")
def register_hr_import_urls():
    return [
        path("hr-import/", import_upload, name="hr_import"),
        path("hr-import/apply/", import_apply, name="hr_import_apply"),
        path("hr-import/check/<str:token>/", import_check, name="hr_import_check"),
        path(
            "hr-import/applying/<str:token>/",
            import_applying,
            name="hr_import_applying",
        ),
    ]


class HrImportMenuItem(MenuItem):
    def is_shown(self, request):
        return any(hr_import.can_import(request.user, kind) for kind in hr_import.KINDS)


@hooks.register("register_admin_menu_item")
def register_hr_import_menu_item():
    return HrImportMenuItem(
        _("HR import"), reverse("hr_import"), icon_name="upload", order=320
    )


# The scope every admin tool asks (core.admin), those of the apps below this
# one too: the same answer as the reports get.
hooks.register(SCOPE_OF_USER, scope_of)
