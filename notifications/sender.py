"""Sending every email once, through the delivery log.

A message is a `Notification` row first, written in the transaction that
causes it (`record`): a completion, an import, a plan of reminders. Then:

- **hand-out** (`hand_out`, beat every minute): rows that may go now are
  given to the workers in small chunks, and marked so (`enqueued_at`). A row
  handed out that is neither sent nor being sent `ENQUEUE_LEASE` later was
  lost with its task (a broker restarted empty, a worker killed) and is
  handed out again: a lost queue is noticed within four minutes.
- **send** (`send_messages` → `send_one`): claim (one atomic UPDATE: one
  sender at a time), compose in the recipient's language, send with a
  Message-ID derived from the key, note the relay's acceptance in Redis,
  mark sent. Marking sent survives a dropped database connection (it
  reconnects and tries again for `MARK_RETRY_FOR`), and a message whose
  acceptance was noted is never sent again, whatever happened to the
  database meanwhile: only a crash between the relay's "250" and that note
  can repeat a message, with the same Message-ID.
- **retry** like a mail server: a failure the relay may get over (it is
  down, it answers 4xx) is tried again after 1, 2, 4 … minutes, then hourly,
  for `EMAIL_RETRY_HOURS` (72); while it is down one message probes every
  `PROBE_EVERY`, and the first that gets through hands out everything
  waiting. A permanent refusal (5xx), or the end of the retry period, gives
  the message up; the HR administrators get one alert for all the messages
  given up together (`alert_given_up`) and can send them again from the
  admin (`send_again`).
"""

import logging
import os
import signal
import smtplib
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import ratelimit
from core.admin import rows_of_people_in_scope
from core.tasks import enqueue, enqueue_on_commit

from . import kinds
from .models import Notification

logger = logging.getLogger(__name__)

Status = Notification.Status

# A claim older than this is from a sender that died mid-send. A send is
# bounded well below it: six SMTP commands of EMAIL_TIMEOUT (20 s) each and
# MARK_RETRY_FOR; a reclaim after it finds the relay's acceptance noted.
CLAIM_LEASE = timedelta(minutes=4)
# A row handed out and not claimed within this was lost with its task.
ENQUEUE_LEASE = timedelta(minutes=3)
SEND_CHUNK = 50
# Per hand-out (every minute) and kind without a rate of its own: what the
# workers send in well under ENQUEUE_LEASE, so a backlog waits in the
# database, not in the queue.
HAND_OUT_AT_MOST = 1000
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
PROBE_EVERY = timedelta(minutes=5)
# Messages given up within this of the first are told about in one alert.
ALERT_GATHER = timedelta(minutes=10)
MARK_RETRY_FOR = timedelta(seconds=60)
# How long the relay's acceptance of a message is remembered in Redis.
ACCEPTED_MEMORY = 24 * 3600

RELAY_FAILING = "kompetens:mail:relay-failing"
RELAY_RECOVERED = "kompetens:mail:relay-recovered"
PROBE = "kompetens:mail:probe"

DONE = (Status.SENT, Status.NOT_SENT, Status.FAILED)
# Alerts about given-up mail: never given up for time themselves (they wait
# for the relay), and never alerted about.
ALERT_KINDS = (Notification.Kind.DELIVERY_ALERT,)


def retry_period():
    return timedelta(hours=settings.EMAIL_RETRY_HOURS)


def backoff(failures):
    """How long to wait after the `failures`-th failed try: 1, 2, 4, 8, 16,
    32 minutes, then hourly. The doublings stop long before BACKOFF_MAX
    would: a message tried for days (probes count too) would otherwise
    overflow timedelta."""
    doublings = min(max(failures - 1, 0), 16)
    return min(BACKOFF_FIRST * 2**doublings, BACKOFF_MAX)


# --- Writing messages to the log ---------------------------------------------


def record(*, key, kind, recipient, data=None):
    """Write the message to the log in the caller's transaction, to be sent
    when it commits (by the hand-out sweep if that enqueue is lost). Safe to
    call twice: the key decides. Returns the row."""
    notification, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "recipient": recipient,
            "data": data or {},
            "enqueued_at": timezone.now(),
        },
    )
    if created:
        enqueue_on_commit("notifications.send_messages", [notification.pk])
    return notification


def record_many(rows):
    """Write many messages at once — (key, kind, recipient_id, data) — and
    hand them out when the transaction commits. Keys already in the log are
    left as they are. Returns how many were new."""
    before = Notification.objects.filter(key__in=[row[0] for row in rows]).count()
    Notification.objects.bulk_create(
        [
            Notification(key=key, kind=kind, recipient_id=recipient_id, data=data)
            for key, kind, recipient_id, data in rows
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    if rows:
        enqueue_on_commit("notifications.hand_out")
    return len(rows) - before


# --- Handing out -------------------------------------------------------------


def _relay_recovered_at():
    try:
        return cache.get(RELAY_RECOVERED)
    except Exception:  # noqa: BLE001 - Redis away: the schedule still holds
        return None


def due(kind_names, now):
    """The rows of these kinds that may be handed out now, oldest first."""
    waiting = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    recovered = _relay_recovered_at()
    if recovered is not None:
        # Tried while the relay was down: it is back, so now.
        waiting |= Q(claimed_at__lt=recovered)
    return (
        Notification.objects.filter(kind__in=kind_names)
        .filter(
            Q(status=Status.PENDING) & waiting
            # Being sent by a sender that died: its outcome is unknown, so it
            # is in flight, sent again (once) unless its acceptance was noted.
            | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_LEASE))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _groups(now):
    """The registered kinds that may go now, by shared rate: [(names, budget)]."""
    groups = {}
    for kind in kinds.registered():
        rules = kind.rules()
        if not kind.may_send(now, rules):
            continue
        names, budget = groups.get(kind.rate_name, ([], None))
        if kind.rate is not None:
            budget = kind.rate(rules)
        groups[kind.rate_name] = ([*names, kind.kind], budget)
    return [
        (names, HAND_OUT_AT_MOST if budget is None else budget)
        for names, budget in groups.values()
    ]


def _send_in_chunks(ids, now):
    for start in range(0, len(ids), SEND_CHUNK):
        chunk = ids[start : start + SEND_CHUNK]
        Notification.objects.filter(pk__in=chunk).update(enqueued_at=now)
        enqueue("notifications.send_messages", chunk)


def hand_out(now=None):
    """Beat, every minute: give up what has waited out the retry period, hand
    out what may go now, probe a relay that is down, alert about what was
    given up. Safe to run twice at once: the claim lets one sender send."""
    now = now or timezone.now()
    give_up_expired(now)
    handed = 0
    for names, budget in _groups(now):
        ids = list(due(names, now)[:budget])
        if not ids:
            ids = _probe(names, now)
        _send_in_chunks(ids, now)
        handed += len(ids)
    alert_given_up(now)
    return handed


def _probe(kind_names, now):
    """While the relay is down, one waiting message every PROBE_EVERY, so
    that its return is noticed in minutes, not at the next hourly retry."""
    try:
        failing = cache.get(RELAY_FAILING)
    except Exception:  # noqa: BLE001
        return []
    if failing is None:
        return []
    waiting = (
        Notification.objects.filter(
            kind__in=kind_names, status=Status.PENDING, next_attempt_at__gt=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:1]
    )
    first = list(waiting)
    if first and cache.add(PROBE, 1, timeout=int(PROBE_EVERY.total_seconds())):
        Notification.objects.filter(pk__in=first).update(next_attempt_at=now)
        return first
    return []


def release(notification_ids):
    """Back to the pile: the next hand-out gives them out again."""
    Notification.objects.filter(pk__in=notification_ids, status=Status.PENDING).update(
        enqueued_at=None
    )


# --- Sending -----------------------------------------------------------------

PAUSE_OUTCOMES = {"outside the sending window", "rate limited", "relay unavailable"}


def send_messages(notification_ids):
    """Send a chunk, one by one. What cannot go now (the sending window has
    closed, the minute's rate is spent, the relay is down) goes back to the
    pile for the next hand-out. Returns the outcomes counted."""
    outcomes = Counter()
    rules = {}  # each kind's rules, read once for the chunk
    for index, notification_id in enumerate(notification_ids):
        outcome = send_one(notification_id, rules)
        outcomes[outcome] += 1
        if outcome in PAUSE_OUTCOMES:
            release(notification_ids[index:])  # this one too: it did not go
            break
    return dict(outcomes)


def claim(notification_id):
    """Atomically take the notification for sending; False if someone else has
    it, or it is sent, given up, or waiting for its next try."""
    now = timezone.now()
    waiting = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    recovered = _relay_recovered_at()
    if recovered is not None:
        waiting |= Q(claimed_at__lt=recovered)
    return bool(
        Notification.objects.filter(pk=notification_id)
        .filter(
            Q(status=Status.PENDING) & waiting
            | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def send_one(notification_id, rules=None):
    """Claim → compose → send → note → mark sent, for one message. `rules`
    holds the kinds' rules already read (a chunk reads them once)."""
    notification = (
        Notification.objects.select_related("recipient__staff_profile")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status in DONE:
        return "nothing to do"
    try:
        kind = kinds.kind_of(notification.kind)
    except KeyError:
        logger.error(
            "No sender for %s messages: %s waits", notification.kind, notification
        )
        return "no sender"
    rules = {} if rules is None else rules
    if kind.kind not in rules:
        rules[kind.kind] = kind.rules()
    if not kind.may_send(timezone.now(), rules[kind.kind]):
        return "outside the sending window"
    accepted = _accepted_subject(notification.pk)
    if accepted is not None:
        # The relay took it before the database heard: mark it, send nothing.
        _retrying(_mark_sent, notification.pk, accepted)
        return "already sent"
    if kind.rate is not None and not ratelimit.take(
        kind.rate_name, kind.rate(rules[kind.kind])
    ):
        return "rate limited"
    crash_point("before_claim")
    if not claim(notification.pk):
        return "claimed elsewhere"
    crash_point("after_claim")
    return _send_claimed(notification, kind)


def _send_claimed(notification, kind):
    recipient = notification.recipient
    try:
        composed = None
        if recipient.is_active and recipient.email:
            # In the recipient's language: what a composer translates at
            # once (a plural's `%`) must not come out in the worker's.
            with translation.override(language_of(recipient)):
                composed = kind.compose(notification)
        if composed is None:
            Notification.objects.filter(pk=notification.pk).update(
                status=Status.NOT_SENT,
                last_error="Nothing left to say, or no active recipient.",
            )
            return "not sent"
    except DatabaseError:
        # The database went away before anything was sent: hand the claim
        # back (on a new connection) rather than leave it to the lease.
        _retrying(_unclaim, notification.pk)
        raise
    template, subject, context = composed
    try:
        message, subject = _message(notification, recipient, template, subject, context)
        message.send()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded
        return _retrying(_failed, notification, exc)
    crash_point("after_smtp")
    _note_accepted(notification.pk, subject)
    crash_point("after_accept")
    _retrying(_mark_sent, notification.pk, subject)
    _relay_works()
    crash_point("after_mark")
    return "sent"


def language_of(user):
    """The recipient's preferred language, else the site's default."""
    profile = getattr(user, "staff_profile", None)
    return getattr(profile, "preferred_language", "") or settings.LANGUAGE_CODE


def _message(notification, recipient, template, subject, context):
    with translation.override(language_of(recipient)):
        subject = str(subject)
        context = {**context, "subject": subject}
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(html, "text/html")
    return message, subject


def _retrying(write, *args):
    """Run a database write after the message went (or could not go), through
    a dropped connection: reconnect and try again for MARK_RETRY_FOR."""
    deadline = time.monotonic() + MARK_RETRY_FOR.total_seconds()
    pause = 0.2
    while True:
        try:
            return write(*args)
        except DatabaseError:
            if time.monotonic() >= deadline or connection.in_atomic_block:
                raise
            logger.warning("Delivery log: database connection lost; reconnecting")
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _mark_sent(notification_id, subject):
    Notification.objects.filter(pk=notification_id).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        subject=(subject or "")[:255],
        last_error="",
        next_attempt_at=None,
    )


def _unclaim(notification_id):
    Notification.objects.filter(pk=notification_id, status=Status.SENDING).update(
        status=Status.PENDING, attempts=F("attempts") - 1, enqueued_at=None
    )


def _accepted_key(notification_id):
    return f"kompetens:mail:accepted:{notification_id}"


def _note_accepted(notification_id, subject):
    """The relay's "250", in Redis: whatever becomes of the database
    connection now, the message is not sent again (`send_one`)."""
    try:
        cache.set(_accepted_key(notification_id), subject, timeout=ACCEPTED_MEMORY)
    except Exception:  # noqa: BLE001 - the database mark follows at once
        logger.warning("Could not note the acceptance of message %s", notification_id)


def _accepted_subject(notification_id):
    """The subject of the message if the relay accepted it, else None."""
    try:
        return cache.get(_accepted_key(notification_id))
    except Exception:  # noqa: BLE001 - unknown: treated as in flight
        return None


def _relay_works():
    try:
        if cache.get(RELAY_FAILING) is not None:
            cache.delete(RELAY_FAILING)
            cache.set(RELAY_RECOVERED, timezone.now(), timeout=7 * 24 * 3600)
    except Exception:  # noqa: BLE001 - only the pull-forward is lost
        logger.warning("Could not note that the mail relay works again")


def _relay_fails():
    try:
        cache.set(RELAY_FAILING, timezone.now(), timeout=7 * 24 * 3600)
    except Exception:  # noqa: BLE001 - only the probe is lost
        logger.warning("Could not note that the mail relay is down")


def is_transient(exc):
    """A failure the relay may get over: it is down or slow, or it answers
    4xx, or it refuses our credentials (a setting to put right, not the
    message's fault). Any other 5xx, a refused recipient or a bug are not."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError | TimeoutError | smtplib.SMTPServerDisconnected)


def relay_unavailable(exc):
    """The relay itself cannot be reached or refuses service (421): the rest
    of a chunk would fail alike, each after a timeout."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # An OSError too (as every SMTPException), but the relay answered:
        # it is this recipient that must wait, not the rest of the chunk.
        return False
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True  # every message would be refused alike
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421
    return isinstance(exc, OSError | TimeoutError | smtplib.SMTPServerDisconnected)


def _failed(notification, exc):
    now = timezone.now()
    error = repr(exc)[:2000]
    row = Notification.objects.filter(pk=notification.pk)
    first = notification.first_failed_at or now
    # An alert is never given up for time: it waits for the relay to return.
    expired = now - first >= retry_period() and notification.kind not in ALERT_KINDS
    if not is_transient(exc) or expired:
        row.update(
            status=Status.FAILED,
            given_up_at=now,
            next_attempt_at=None,
            first_failed_at=first,
            last_error=error,
        )
        logger.warning("Email %s given up: %s", notification.key, error)
        return "given up"
    failures = notification.attempts + 1  # this try's claim counted one
    row.update(
        status=Status.PENDING,
        first_failed_at=first,
        next_attempt_at=now + backoff(failures),
        enqueued_at=None,
        last_error=error,
    )
    logger.info("Email %s deferred: %s", notification.key, error)
    if relay_unavailable(exc):
        _relay_fails()
        return "relay unavailable"
    return "deferred"


# --- Giving up, the alert, sending again --------------------------------------


def give_up_expired(now=None):
    """Messages that have failed for the whole retry period are given up."""
    now = now or timezone.now()
    count = (
        Notification.objects.filter(
            status=Status.PENDING, first_failed_at__lt=now - retry_period()
        )
        .exclude(kind__in=ALERT_KINDS)
        .update(status=Status.FAILED, given_up_at=now, next_attempt_at=None)
    )
    if count:
        logger.error("%s email(s) given up after %s", count, retry_period())
    return count


def people_who_may(codename):
    """Active people with an email address who hold the permission
    `codename` (directly or through a group), and the superusers: whom an
    alert about something they can put right goes to."""
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename=codename)
            | Q(groups__permissions__codename=codename)
        )
        .distinct()
        .order_by("pk")
    )


def alert_recipients():
    """The people who can send a given-up message again: told about it."""
    return people_who_may("resend_notification")


def alert_given_up(now=None):
    """One alert to each HR administrator for the messages given up together
    (within ALERT_GATHER of the first), naming how many of each kind among
    the people in their scope. Each given-up message is in one alert."""
    now = now or timezone.now()
    unalerted = Notification.objects.filter(
        status=Status.FAILED, alerted_at__isnull=True
    ).exclude(kind__in=ALERT_KINDS)
    first = unalerted.aggregate(first=Min("given_up_at"))["first"]
    if first is None or first > now - ALERT_GATHER:
        return 0
    with transaction.atomic():
        ids = list(
            unalerted.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids).update(alerted_at=now)
        told = 0
        for person in alert_recipients():
            given_up = rows_of_people_in_scope(
                Notification.objects.filter(pk__in=ids), person, "recipient"
            )
            counts = Counter(given_up.values_list("kind", flat=True))
            if not counts:
                continue
            record(
                key=f"delivery-alert:{person.pk}:{ids[0]}",
                kind=Notification.Kind.DELIVERY_ALERT,
                recipient=person,
                data={"counts": dict(counts), "first": ids[0]},
            )
            told += 1
    logger.error("%s email(s) given up; %s administrator(s) told", len(ids), told)
    return told


def send_again(queryset):
    """Given-up messages back to the pile, their retry period anew; handed
    out at once. Returns how many."""
    count = queryset.filter(status=Status.FAILED).update(
        status=Status.PENDING,
        next_attempt_at=None,
        first_failed_at=None,
        given_up_at=None,
        alerted_at=None,
        enqueued_at=None,
    )
    if count:
        enqueue_on_commit("notifications.hand_out")
    return count


# --- Fault injection -----------------------------------------------------------


def crash_point(name):
    """Fault injection for the integration tests, and nothing else. When
    KOMPETENS_CRASH_AT names this point, once (a marker file records it):
    the worker process is killed here (SIGKILL, as a power cut would), or,
    with KOMPETENS_CRASH_ACTION=pause, it writes its database backend's pid
    to the marker and waits until `<marker>.go` exists, so that the test can
    do something to it from outside (terminate that backend)."""
    wanted = os.environ.get("KOMPETENS_CRASH_AT")
    if wanted != name:
        return
    marker = os.environ.get("KOMPETENS_CRASH_MARKER", "")
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return  # done once already
        if os.environ.get("KOMPETENS_CRASH_ACTION") == "pause":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            os.write(fd, str(pid).encode())
            os.close(fd)
            deadline = time.monotonic() + 60
            while not os.path.exists(marker + ".go") and time.monotonic() < deadline:
                time.sleep(0.05)
            return
        os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
