from wagtail import hooks
from wagtail.permissions import register_permission_policy

from core.admin import ReadOnlyPermissionPolicy

from .admin_views import NotificationViewSet
from .models import Notification

register_permission_policy(Notification, ReadOnlyPermissionPolicy(Notification))


@hooks.register("register_admin_viewset")
def register_notifications():
    return NotificationViewSet("sent_messages")
