from wagtail import hooks
from wagtail.permissions import register_permission_policy

from core.admin import ReadOnlyPermissionPolicy

from .admin_views import NotificationItemViewSet
from .models import NotificationItem

register_permission_policy(NotificationItem, ReadOnlyPermissionPolicy(NotificationItem))


@hooks.register("register_admin_viewset")
def register_notification_items():
    return NotificationItemViewSet("reminders_sent")
