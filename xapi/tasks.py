"""Celery tasks of the xAPI outbox. Each takes ids, reloads, and is safe to
run twice."""

from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from . import delivery
from .models import LrsRequest
from .outbox import FLUSH_FLAG

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
