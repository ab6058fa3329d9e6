"""Celery tasks of the xAPI outbox. Each takes ids, reloads, and is safe to
run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import delivery
from .models import LrsDestination, LrsRequest
from .outbox import FLUSH_FLAG

logger = logging.getLogger(__name__)

# The request log is for following up recent trouble, not an archive.
REQUEST_LOG_DAYS = 30


@shared_task(name="xapi.flush_outbox", acks_late=True, ignore_result=True)
def flush_outbox(destination_id=None):
    """Send what is pending, to one destination or every one that may send
    now. Queued on commit after statements are recorded; queues itself again
    if its time budget ran out with statements left."""
    cache.delete(FLUSH_FLAG)  # later commits may queue the next flush
    ids = [destination_id] if destination_id else delivery.destinations_to_flush()
    results = {}
    for pk in ids:
        counts = delivery.flush_destination(pk)
        results[pk] = counts
        if counts["more"]:
            flush_outbox.delay(pk)
    return results


@shared_task(name="xapi.sweep_outbox", ignore_result=True)
def sweep_outbox():
    """Beat: catch up on every destination that may send (a lost flush, the
    end of a backoff), and prune the request log."""
    cutoff = timezone.now() - timedelta(days=REQUEST_LOG_DAYS)
    LrsRequest.objects.filter(started_at__lt=cutoff).delete()
    for pk in delivery.destinations_to_flush():
        flush_outbox.delay(pk)


def _alert_recipients():
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename="change_lrsdestination")
            | Q(groups__permissions__codename="change_lrsdestination")
        )
        .values_list("email", flat=True)
        .distinct()
    )


@shared_task(name="xapi.send_lrs_alert", acks_late=True, ignore_result=True)
def send_lrs_alert(destination_id):
    """Tell the administrators that a destination was paused (401/403, wrong
    address): statements queue for it until someone fixes and saves it.
    Once per pause."""
    destination = LrsDestination.objects.filter(
        pk=destination_id, paused_at__isnull=False
    ).first()
    if destination is None:
        return "not paused"
    key = f"xapi:alert:{destination.pk}:{destination.paused_at.timestamp()}"
    if not cache.add(key, 1, timeout=7 * 24 * 3600):
        return "already sent"
    recipients = _alert_recipients()
    if not recipients:
        logger.error("LRS %s paused and nobody to alert", destination)
        return "no recipients"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Kompetens: sending to the LRS “%(name)s” has stopped") % {
            "name": destination.name
        }
        body = _(
            "The learning record store “%(name)s” refused our statements:\n\n"
            "%(reason)s\n\n"
            "Nothing more is sent to it until its settings are corrected and "
            "saved again; the statements wait in the outbox meanwhile.\n\n%(url)s\n"
        ) % {
            "name": destination.name,
            "reason": destination.paused_reason,
            "url": settings.SITE_URL + reverse("xapi_outbox"),
        }
    send_mail(subject, body, None, recipients)
    return "sent"
