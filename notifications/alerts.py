"""The alert to HR administrators about messages given up: composed when it
is sent, from the counts written into it when they were given up."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import ngettext_lazy

from .models import Notification


def compose_delivery_alert(notification):
    counts = notification.data.get("counts") or {}
    if not counts:
        return None
    labels = dict(Notification.Kind.choices)
    total = sum(counts.values())
    rows = [
        {"kind": labels.get(kind, kind), "count": count}
        for kind, count in sorted(counts.items(), key=lambda item: -item[1])
    ]
    # Lazy: rendered in the recipient's language by the sender.
    subject = ngettext_lazy(
        "Kompetens: %(count)s message could not be delivered",
        "Kompetens: %(count)s messages could not be delivered",
        "count",
    ) % {"count": total}
    context = {
        "recipient": notification.recipient,
        "rows": rows,
        "total": total,
        "retry_hours": max(1, round(settings.EMAIL_RETRY_HOURS)),
        "log_url": settings.SITE_URL + reverse("messages_given_up"),
    }
    return "notifications/emails/delivery_alert", subject, context
