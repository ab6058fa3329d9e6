from wagtail import hooks
from wagtail.permissions import register_permission_policy

from core.admin import CityPermissionPolicy, ReadOnlyPermissionPolicy

from .admin_views import NotificationItemViewSet
from .models import NotificationItem, ReminderPolicy

register_permission_policy(NotificationItem, ReadOnlyPermissionPolicy(NotificationItem))
# The reminder policy is one for the whole city: central HR's (a local
# coordinator's permission does not reach the city).
register_permission_policy(ReminderPolicy, CityPermissionPolicy(ReminderPolicy))


@hooks.register("register_admin_viewset")
def register_notification_items():
    return NotificationItemViewSet("reminders_sent")
