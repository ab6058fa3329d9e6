from wagtail import hooks

from .admin_views import ReportGoalViewSet


@hooks.register("register_admin_viewset")
def register_goals():
    return ReportGoalViewSet("report_goals")
