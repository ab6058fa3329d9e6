"""Sending reminders: the sweep that plans the day, and how the delivery log
sends reminder messages — composed at sending time from their items, within
the sending window and at the rate shared by every worker.

The sending itself (claim → send → mark sent, retries, the hand-out of what
may go now) is the delivery log's (`notifications.sender`), as for every
other email. Every function is safe to run twice: the keys and the claim
decide.
"""

from datetime import date

from django.utils import timezone

from notifications import kinds, sender
from notifications.models import Notification

from .messages import compose
from .planning import in_sending_window, is_sending_day, plan_day, policy, store_plan

REMINDER_KINDS = [
    Notification.Kind.REMINDERS,
    Notification.Kind.DIGEST,
    Notification.Kind.MANAGER_DIGEST,
    Notification.Kind.MANUAL,
]


def sweep(day=None):
    """Plan the day's reminders (once: the keys decide) and hand out what may
    be sent now. Run by beat every ten minutes (the delivery log hands out
    every minute besides); `manage.py send_reminders` runs the same by hand.
    Returns how many messages were handed out."""
    rules = policy()
    today = date.fromisoformat(day) if day else timezone.localdate()
    if is_sending_day(today, rules):
        # Not on days without a window: a weekend's reminders would arrive
        # on Monday beside Monday's. The keys' periods catch them up instead.
        store_plan(plan_day(today, rules))
    return sender.hand_out()


def register_kinds():
    """Reminder messages go in the sending window, at the policy's rate per
    minute shared by every worker and every reminder kind."""
    for kind in REMINDER_KINDS:
        kinds.register(
            kind,
            compose,
            rules=policy,
            window=in_sending_window,
            rate=lambda rules: rules.rate_per_minute,
            rate_name="reminders",
        )
