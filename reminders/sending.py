"""Sending reminders: the sweep that plans the day and hands out what may go
now, and the loop that sends a chunk of messages within the sending window
and the rate limit shared by every worker.

A message is sent by claim → send → mark sent (`notifications.sender`), so a
crash repeats at most the one message in flight, with its Message-ID. Every
function is safe to run twice: the keys and the claim decide.
"""

import smtplib
from datetime import date, timedelta

from django.db.models import F, Q
from django.utils import timezone

from core import ratelimit
from core.tasks import enqueue
from notifications import sender
from notifications.models import Notification
from notifications.sender import claim, crash_point, is_transient, send_claimed

from .messages import compose
from .planning import in_sending_window, is_sending_day, plan_day, policy, store_plan

REMINDER_KINDS = [
    Notification.Kind.REMINDERS,
    Notification.Kind.DIGEST,
    Notification.Kind.MANAGER_DIGEST,
    Notification.Kind.MANUAL,
]
# A backlog waiting for the window or the rate limit is handed out again only
# after this long; the claim makes a second hand-out harmless anyway.
ENQUEUE_LEASE = timedelta(minutes=30)
SEND_CHUNK = 50
SWEEP_MINUTES = 10  # the beat entry's period
MAX_BACKOFF_SECONDS = 600  # well under the broker's visibility timeout


def sweep(day=None):
    """Plan the day's reminders (once: the keys decide) and hand what may be
    sent now to the workers, in small chunks by id. Run by beat every ten
    minutes; `manage.py send_reminders` runs the same by hand."""
    rules = policy()
    today = date.fromisoformat(day) if day else timezone.localdate()
    if is_sending_day(today, rules):
        # Not on days without a window: a weekend's reminders would arrive
        # on Monday beside Monday's. The keys' periods catch them up instead.
        store_plan(plan_day(today, rules))
    return enqueue_pending_reminders(rules)


def enqueue_pending_reminders(rules, now=None):
    now = now or timezone.now()
    if not in_sending_window(now, rules):
        return 0
    # No more than the rate limit lets out before the next sweep: a backlog
    # waits in the database, not as tasks churning against the limiter.
    budget = rules.rate_per_minute * SWEEP_MINUTES
    lease = now - sender.CLAIM_LEASE  # a worker that died mid-send
    ids = list(
        Notification.objects.filter(
            kind__in=REMINDER_KINDS, attempts__lt=sender.MAX_ATTEMPTS
        )
        .filter(
            Q(status__in=[Notification.Status.PENDING, Notification.Status.FAILED])
            | Q(status=Notification.Status.SENDING, claimed_at__lt=lease)
        )
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_LEASE))
        .order_by("pk")
        .values_list("pk", flat=True)[:budget]
    )
    for start in range(0, len(ids), SEND_CHUNK):
        chunk = ids[start : start + SEND_CHUNK]
        Notification.objects.filter(pk__in=chunk).update(enqueued_at=now)
        enqueue("reminders.send_reminders", chunk)
    return len(ids)


def take_send_token(rules, now=None):
    """One message from the per-minute budget shared by every worker (a
    counter per minute in Redis). False when the minute's budget is spent."""
    return ratelimit.take("reminders", rules.rate_per_minute, now=now)


def release(notification_ids):
    """Back to the pile: the next sweep hands them out again."""
    Notification.objects.filter(pk__in=notification_ids).update(enqueued_at=None)


def keep_handed_out(notification_ids):
    """Still handed out (to a retry of the task): the next sweep leaves them."""
    Notification.objects.filter(pk__in=notification_ids).update(
        enqueued_at=timezone.now()
    )


def send_chunk(notification_ids, failures, *, hand_back):
    """Send a chunk of reminder messages, one by one, within the sending
    window and the rate limit. What cannot go now is handed back —
    `hand_back(rest, countdown, failures)` — to be tried after the minute
    (rate limit) or with backoff (mail relay down), never with a countdown
    longer than the broker's visibility timeout."""
    rules = policy()
    for index, notification_id in enumerate(notification_ids):
        rest = notification_ids[index:]
        if not in_sending_window(timezone.now(), rules):
            # Outside the window: back to the pile for the next sweep in it.
            release(rest)
            return "outside the sending window"
        done = Notification.objects.filter(
            pk=notification_id,
            status__in=[Notification.Status.SENT, Notification.Status.NOT_SENT],
        )
        if done.exists():
            continue  # a copy of the task was faster: no token spent on it
        if not take_send_token(rules):
            hand_back(rest, 61 - timezone.now().second, failures)
            return "rate limited"
        try:
            send_reminder_message(notification_id)
        except (smtplib.SMTPException, OSError) as exc:
            if not is_transient(exc):
                continue  # recorded as failed; the next one goes on
            hand_back(rest, min(30 * 2**failures, MAX_BACKOFF_SECONDS), failures + 1)
            return "mail relay unavailable"
    return "done"


def send_reminder_message(notification_id):
    """Claim → send → mark sent, for one reminder message."""
    notification = (
        Notification.objects.select_related("recipient__staff_profile")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status in (
        Notification.Status.SENT,
        Notification.Status.NOT_SENT,
    ):
        return "nothing to do"
    crash_point("before_claim")
    if not claim(notification.pk):
        return "claimed elsewhere"
    crash_point("after_claim")
    recipient = notification.recipient
    composed = compose(notification)
    if composed is None or not recipient.is_active or not recipient.email:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.NOT_SENT,
            last_error="Nothing left to remind of, or no active recipient.",
        )
        return "not sent"
    template, subject, context = composed
    try:
        return send_claimed(notification, recipient, template, context, subject)
    except Exception as exc:
        if is_transient(exc):
            # The relay, not the message: this try does not count.
            Notification.objects.filter(pk=notification.pk).update(
                status=Notification.Status.PENDING, attempts=F("attempts") - 1
            )
        raise
