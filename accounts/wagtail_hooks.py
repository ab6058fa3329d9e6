from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_lockout_urls():
    return [
        path("lockouts/", admin_views.lockout_index, name="sign_in_lockouts"),
        path("lockouts/lift/", admin_views.lockout_lift, name="sign_in_lockout_lift"),
    ]


class LockoutsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_lockouts(request.user)


@hooks.register("register_admin_menu_item")
def register_lockouts_menu_item():
    return LockoutsMenuItem(
        _("Sign-in lockouts"), reverse("sign_in_lockouts"), icon_name="lock", order=335
    )
