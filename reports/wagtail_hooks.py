from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from core.admin import CityPermissionPolicy

from .admin_views import ReportGoalViewSet
from .models import ReportSettings
from .team import has_team

# What managers may see is one setting for the whole city: central HR's (a
# local coordinator's permission does not reach the city).
register_permission_policy(ReportSettings, CityPermissionPolicy(ReportSettings))


@hooks.register("register_admin_viewset")
def register_goals():
    return ReportGoalViewSet("report_goals")


class ReportsMenuItem(MenuItem):
    """The reports are on the site, not in the admin: HR and coordinators
    following up from the admin had no way there but typing the address."""

    def is_shown(self, request):
        return has_team(request.user, timezone.localdate())


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    return ReportsMenuItem(
        _("Reports"), reverse("reports:reports"), icon_name="table", order=285
    )
