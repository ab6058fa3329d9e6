"""Background work of the reminders. Each task takes ids (or a day) and calls
one function of `reminders.sending`; each is safe to run twice."""

from celery import shared_task
from django.conf import settings

from . import sending


@shared_task(name="reminders.sweep_reminders", ignore_result=True)
def sweep_reminders(day=None):
    """Beat, every ten minutes: plan the day and hand out what may go now."""
    return sending.sweep(day)


@shared_task(
    name="reminders.send_reminders",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_reminders(self, notification_ids, failures=0):
    """Send a chunk of reminder messages; what cannot go now comes back to
    this task after `countdown` seconds."""

    def hand_back(rest, countdown, failures):
        if self.request.is_eager or settings.CELERY_TASK_ALWAYS_EAGER:
            # In-process (unit tests, no broker): nothing can wait; the next
            # sweep hands them out again.
            sending.release(rest)
        else:
            sending.keep_handed_out(rest)
            send_reminders.apply_async((rest, failures), countdown=countdown)

    return sending.send_chunk(notification_ids, failures, hand_back=hand_back)
