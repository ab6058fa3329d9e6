"""Background work of the delivery log: handing out what may be sent now,
and sending a chunk. Both are safe to run twice, and at once: the claim lets
one sender send each message."""

from celery import shared_task
from django.db import DatabaseError

from . import sender


@shared_task(name="notifications.hand_out", ignore_result=True)
def hand_out():
    """Beat, every minute (and after a burst is written): give up, hand out,
    probe, alert."""
    return sender.hand_out()


@shared_task(
    name="notifications.send_messages",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # The database went away (a failover, a restart): the chunk again, on a
    # new connection. What was sent is marked (or noted) and not sent twice.
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def send_messages(notification_ids):
    return sender.send_messages(notification_ids)
