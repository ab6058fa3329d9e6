from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from core.admin import ReadOnlyPermissionPolicy

from . import resend_views
from .admin_views import NotificationViewSet
from .models import Notification

register_permission_policy(Notification, ReadOnlyPermissionPolicy(Notification))


@hooks.register("register_admin_viewset")
def register_notifications():
    return NotificationViewSet("sent_messages")


@hooks.register("register_admin_urls")
def register_given_up_urls():
    return [
        path(
            "messages-given-up/",
            resend_views.given_up_index,
            name="messages_given_up",
        ),
        path(
            "messages-given-up/send-again/",
            resend_views.send_again,
            name="messages_send_again",
        ),
    ]


class GivenUpMenuItem(MenuItem):
    def is_shown(self, request):
        return resend_views.can_send_again(request.user)


@hooks.register("register_admin_menu_item")
def register_given_up_menu_item():
    return GivenUpMenuItem(
        _("Messages given up"),
        reverse("messages_given_up"),
        icon_name="warning",
        order=336,
    )
