"""The reminders sent, in the Wagtail admin, read only, scoped like the
reports: a person sees the reminders about the training of the people in
their scope (central HR the city's)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet, person_column

from .models import NotificationItem

# The message's status, as a column and a filter: django-filter names a
# related field "<relation> <field>" ("Meddelande status"), not Swedish.
MESSAGE_STATUS = _("Message status")


class NotificationItemFilterSet(WagtailFilterSet):
    class Meta:
        model = NotificationItem
        fields = ["trigger", "notification__status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["notification__status"].label = MESSAGE_STATUS


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
        Column(
            "message_status",
            label=MESSAGE_STATUS,
            accessor="notification.get_status_display",
            sort_key="notification__status",
        ),
    ]
    filterset_class = NotificationItemFilterSet
    search_fields = [
        "person__first_name",
        "person__last_name",
        "person__staff_profile__employee_number",
        "course_title",
    ]
    inspect_view_enabled = True
    # Not the keys, nor the assignment (named by its person's username).
    inspect_view_fields = [
        "person",
        "course_title",
        "trigger",
        "due_date",
        "notification",
    ]
    copy_view_enabled = False
    form_fields = ["course_title"]
