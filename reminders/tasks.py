"""Background work of the reminders: the sweep that plans the day. The
messages are sent by the delivery log's tasks (`notifications.tasks`)."""

from celery import shared_task

from . import sending


@shared_task(name="reminders.sweep_reminders", ignore_result=True)
def sweep_reminders(day=None):
    """Beat, every ten minutes: plan the day and hand out what may go now."""
    return sending.sweep(day)
