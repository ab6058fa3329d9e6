from wagtail import hooks
from wagtail.permissions import register_permission_policy

from core.admin import CityPermissionPolicy

from .admin_views import ReportGoalViewSet
from .models import ReportSettings

# What managers may see is one setting for the whole city: central HR's (a
# local coordinator's permission does not reach the city).
register_permission_policy(ReportSettings, CityPermissionPolicy(ReportSettings))


@hooks.register("register_admin_viewset")
def register_goals():
    return ReportGoalViewSet("report_goals")
