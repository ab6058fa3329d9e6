"""The reminders sent, in the Wagtail admin, read only, scoped like the
reports: a person sees the reminders about the training of the people in
their scope (central HR the city's)."""

from django.utils.translation import gettext_lazy as _

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet, person_column

from .models import NotificationItem


class NotificationItemViewSet(ScopedModelViewSet):
    """Was this person told about this course, and when? One row per reminder."""

    pk_path_converter = "id"  # core.converters: no id beyond 64 bits

    model = NotificationItem
    person_path = "person"
    list_select_related = ["person", "notification"]
    icon = "list-ul"
    menu_label = _("Reminders sent")
    add_to_admin_menu = True
    menu_order = 336
    list_display = [
        person_column("person", _("person")),
        "course_title",
        "trigger",
        "due_date",
        "notification",
    ]
    list_filter = ["trigger", "notification__status"]
    search_fields = [
        "person__first_name",
        "person__last_name",
        "person__staff_profile__employee_number",
        "course_title",
    ]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["course_title"]
