"""The reminders sent, in the Wagtail admin, read only."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

import core.converters  # noqa: F401  (registers <id:...>)

from .models import NotificationItem


class NotificationItemViewSet(ModelViewSet):
    """Was this person told about this course, and when? One row per reminder."""

    pk_path_converter = "id"  # core.converters: no id beyond 64 bits

    model = NotificationItem
    icon = "list-ul"
    menu_label = _("Reminders sent")
    add_to_admin_menu = True
    menu_order = 336
    list_display = [
        "person",
        "course_title",
        "trigger",
        "due_date",
        "notification",
    ]
    list_filter = ["trigger", "notification__status"]
    search_fields = [
        "person__username",
        "person__first_name",
        "person__last_name",
        "person__staff_profile__employee_number",
        "course_title",
    ]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["course_title"]
