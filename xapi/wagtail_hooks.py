from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import CityPermissionPolicy

from . import admin_views
from .models import LrsDestination

# The LRSs and their credentials are the city's: permission and city scope.
register_permission_policy(LrsDestination, CityPermissionPolicy(LrsDestination))


@hooks.register("register_admin_viewset")
def register_lrs_destinations():
    return admin_views.LrsDestinationViewSet("lrs_destinations")


@hooks.register("register_admin_urls")
def register_xapi_outbox_urls():
    return [
        path("xapi-outbox/", admin_views.outbox_index, name="xapi_outbox"),
        path("xapi-outbox/problems/", admin_views.problem_index, name="xapi_problems"),
        path(
            "xapi-outbox/problems/requeue/",
            admin_views.problem_requeue,
            name="xapi_requeue",
        ),
        path(
            "xapi-outbox/<id:pk>/requests/",
            admin_views.request_index,
            name="xapi_requests",
        ),
    ]


class XapiOutboxMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_outbox(request.user)


@hooks.register("register_settings_menu_item")
def register_xapi_outbox_menu_item():
    return XapiOutboxMenuItem(
        _("xAPI outbox"), reverse("xapi_outbox"), icon_name="resubmit", order=910
    )
