"""The delivery log in the Wagtail admin, read only, scoped like the reports:
a person sees the messages to the people in their scope (central HR the
city's), through the scope `organisation` gives `core.admin`."""

from django.utils.translation import gettext_lazy as _

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet, person_column

from .models import Notification


class NotificationViewSet(ScopedModelViewSet):
    """The delivery log, read only: whether and when a message went out."""

    pk_path_converter = "id"  # core.converters: no id beyond 64 bits

    model = Notification
    person_path = "recipient"
    list_select_related = ["recipient"]
    icon = "mail"
    menu_label = _("Sent messages")
    add_to_admin_menu = True
    menu_order = 335
    list_display = [
        "created_at",
        person_column("recipient", _("recipient")),
        "kind",
        "status",
        "sent_at",
        "attempts",
    ]
    list_filter = ["kind", "status"]
    search_fields = [
        "recipient__first_name",
        "recipient__last_name",
        "recipient__staff_profile__employee_number",
        "key",
    ]
    inspect_view_enabled = True
    # Not the key: it is the log's own (kind, person id, period), no words.
    inspect_view_fields = [
        "kind",
        "recipient",
        "subject",
        "status",
        "created_at",
        "claimed_at",
        "sent_at",
        "attempts",
        "last_error",
    ]
    copy_view_enabled = False
    form_fields = ["subject"]
