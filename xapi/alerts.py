"""The alert to the administrators when a destination is paused (401/403, a
wrong address): one message per administrator and pause, through the
delivery log like every other email, so it survives a relay outage."""

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from notifications import sender
from notifications.models import Notification

from .models import LrsDestination


def alert_recipients():
    """The people who can correct a destination."""
    return sender.people_who_may("change_lrsdestination")


def record_pause_alert(destination, paused_at):
    """In the pause's transaction: tell every administrator, once per pause."""
    stamp = paused_at.isoformat()
    for person in alert_recipients():
        sender.record(
            key=f"lrs-alert:{destination.pk}:{paused_at.timestamp():.0f}:{person.pk}",
            kind=Notification.Kind.LRS_ALERT,
            recipient=person,
            data={"destination": destination.pk, "paused_at": stamp},
        )


def compose_pause_alert(notification):
    """The alert, or None if the destination was corrected meanwhile."""
    paused_at = parse_datetime(notification.data.get("paused_at") or "")
    destination = LrsDestination.objects.filter(
        pk=notification.data.get("destination"), paused_at=paused_at
    ).first()
    if destination is None or paused_at is None:
        return None
    subject = format_lazy(
        _("Kompetens: sending to the LRS “{name}” has stopped"), name=destination.name
    )
    context = {
        "recipient": notification.recipient,
        "destination": destination,
        "outbox_url": settings.SITE_URL + reverse("xapi_outbox"),
    }
    return "xapi/emails/lrs_paused", subject, context
