"""Helpers of the delivery log's tests (fixtures are in conftest.py)."""

from datetime import UTC, datetime

from notifications import sender
from notifications.models import Notification
from organisation.invitations import invitation_key

# A Monday, 10:00 in Stockholm: inside the reminders' sending window.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def invitation(person):
    """An invitation in the log (composed from the recipient only), as
    `organisation.invitations.invite` writes it."""
    return sender.record(
        key=invitation_key(person.pk),
        kind=Notification.Kind.INVITATION,
        recipient=person,
    )


def message_ids(server):
    return [received.parsed()["Message-ID"] for received in server.messages]
