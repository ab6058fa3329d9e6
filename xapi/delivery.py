"""Sending the outbox to a Learning Record Store, and what each answer means.

A flush claims a batch of pending deliveries with
``select_for_update(skip_locked=True)`` — several workers can flush at once
without sending a statement twice — posts them as one request, and records the
outcome in the same transaction:

- 2xx: sent.
- 400, 409, 413, 422 for a batch: split in halves and retry each, down to
  the statement at fault, so one bad or duplicate statement never holds up
  or drops the others (within the flush's time budget).
- 409 for a single statement: a *conflict* (the LRS holds a different
  statement under that id), kept for inspection and re-queueable.
- 400, 413, 422 for a single statement: *refused*, a dead letter with the
  LRS's reason, re-queueable from the admin. If every statement of a batch
  is refused one by one, the LRS refuses everything (a proxy, a profile it
  enforces): they stay waiting and the destination is paused instead.
- Any other 4xx or a 3xx (401, 403, a redirect from http to https or to a
  trailing slash, 404, 405 …): the destination's settings are wrong; it is
  paused and the administrators alerted; nothing more is sent until it is
  saved again.
- 408, 429, 5xx, timeouts and refused connections: the LRS is unwell; the
  destination backs off exponentially with jitter, honouring Retry-After, and
  the statements stay pending. An outage never makes a dead letter.
"""

import email.utils
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .alerts import record_pause_alert
from .models import LrsDestination, LrsRequest, StatementDelivery

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
HEADERS = {
    "X-Experience-API-Version": XAPI_VERSION,
    "Content-Type": "application/json; charset=utf-8",
}
TIMEOUT = httpx.Timeout(
    connect=5.0, read=30.0, write=30.0, pool=5.0
)  # seconds per phase

# Backoff after a failure: 5 s, 10 s, 20 s … up to 15 minutes, each drawn
# between half and all of that ("equal jitter"), so that many workers and
# destinations do not retry in step. Retry-After, when given, is a floor.
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 15 * 60
RETRY_AFTER_MAX_SECONDS = 60 * 60

# Answers that blame the batch: it is split to find the statement at fault.
# Any other 4xx or 3xx blames the destination's settings: it is paused.
SPLITTABLE_STATUSES = {400, 409, 413, 422}
REASON_LENGTH = 1000


def make_client(transport=None):
    return httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=False)


def backoff_seconds(failures, retry_after=None, rng=random):
    """The wait after `failures` failures in a row (1 for the first)."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (failures - 1))
    wait = rng.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        wait = max(wait, min(retry_after, RETRY_AFTER_MAX_SECONDS))
    return wait


def parse_retry_after(value, now=None):
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0, (moment - (now or timezone.now())).total_seconds())


@dataclass
class Outcome:
    """What one batch came to; applied to the rows in the claim's transaction."""

    sent: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # (row, reason)
    refused: list = field(default_factory=list)  # (row, reason)
    retry: list = field(default_factory=list)
    retry_reason: str = ""
    retry_after: float | None = None
    pause_reason: str = ""
    requests: list = field(default_factory=list)
    # How many requests carried each row (by pk) in this batch: 1, or more
    # where a refused batch was split.
    carried: dict = field(default_factory=dict)

    @property
    def stop(self):
        return bool(self.retry or self.pause_reason)


def _reason(response):
    text = " ".join((response.text or "").split())
    return f"{response.status_code} {response.reason_phrase}: {text}"[:REASON_LENGTH]


def _post(client, destination, rows, outcome):
    body = ("[" + ",".join(row.statement.payload for row in rows) + "]").encode()
    auth = (
        (destination.username, destination.password) if destination.username else None
    )
    for row in rows:
        row.attempts += 1
        outcome.carried[row.pk] = outcome.carried.get(row.pk, 0) + 1
    started_at = timezone.now()
    started = time.monotonic()
    log = LrsRequest(
        destination=destination, started_at=started_at, statements=len(rows)
    )
    outcome.requests.append(log)
    try:
        response = client.post(
            destination.statements_url, content=body, headers=HEADERS, auth=auth
        )
    except httpx.TimeoutException as error:
        log.error = f"timeout: {type(error).__name__}"
        return None, log.error
    except httpx.HTTPError as error:  # refused, reset, DNS, protocol
        log.error = f"{type(error).__name__}: {error}"[:500]
        return None, log.error
    finally:
        log.duration_ms = int((time.monotonic() - started) * 1000)
    log.status = response.status_code
    return response, None


def _deliver(client, destination, rows, outcome, deadline=None):
    """Send `rows`; False when the destination must not be tried again now."""
    response, error = _post(client, destination, rows, outcome)
    if response is None:
        outcome.retry, outcome.retry_reason = list(rows), error
        return False
    status = response.status_code
    if 200 <= status < 300:
        outcome.sent.extend(rows)
        return True
    if status in (408, 429) or status >= 500:
        outcome.retry, outcome.retry_reason = list(rows), _reason(response)
        outcome.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return False
    if status not in SPLITTABLE_STATUSES:
        # 401, 403, a redirect (http for https, a missing slash), 404, 405,
        # 406, 415 …: the address or the credentials are wrong, not a
        # statement. Stop and tell someone; never dead-letter for this.
        outcome.pause_reason = _reason(response)
        return False
    # 400, 409, 413, 422: something in the batch is at fault.
    if len(rows) > 1:
        if deadline is not None and time.monotonic() >= deadline:
            return False  # the rest stay waiting, for the next flush
        middle = len(rows) // 2
        return _deliver(
            client, destination, rows[:middle], outcome, deadline
        ) and _deliver(client, destination, rows[middle:], outcome, deadline)
    if status == 409:
        outcome.conflicts.append((rows[0], _reason(response)))
    else:
        outcome.refused.append((rows[0], _reason(response)))
    return True


def _every_statement_refused(rows, outcome):
    """A whole batch of several statements refused one by one: the LRS (a
    proxy, a profile it enforces) refuses everything, not these statements.
    Keep them waiting and pause, rather than dead-letter the outbox."""
    refused = outcome.refused + outcome.conflicts
    if len(rows) < 2 or outcome.sent or len(refused) != len(rows):
        return False
    reason = refused[0][1]
    outcome.refused, outcome.conflicts = [], []
    outcome.pause_reason = _(
        "Every statement of a batch was refused, one by one: %(reason)s"
    ) % {"reason": reason}
    return True


def _apply(destination, rows, outcome, now):
    State = StatementDelivery.State
    for row in outcome.sent:
        row.state, row.sent_at, row.last_error = State.SENT, now, ""
    for row, reason in outcome.conflicts:
        row.state, row.last_error = State.CONFLICT, reason
    for row, reason in outcome.refused:
        row.state, row.last_error = State.DEAD, reason
    answered = bool(outcome.sent or outcome.conflicts or outcome.refused)
    changes = {}
    if answered:
        changes.update(failures=0, backoff_until=None, last_success_at=now)
    if outcome.retry:
        failures = (0 if answered else destination.failures) + 1
        wait = backoff_seconds(failures, outcome.retry_after)
        until = now + timedelta(seconds=wait)
        # For the admin's eyes: the destination's backoff is what holds them.
        for row in outcome.retry:
            row.next_attempt_at, row.last_error = until, outcome.retry_reason
        changes.update(
            failures=F("failures") + 1 if not answered else 1,
            backoff_until=until,
            last_error=outcome.retry_reason,
        )
        logger.warning(
            "LRS %s: %s; next try in %.0f s", destination, outcome.retry_reason, wait
        )
    elif answered:
        changes["last_error"] = ""
    if outcome.pause_reason:
        changes.update(
            paused_at=now,
            paused_reason=outcome.pause_reason,
            last_error=outcome.pause_reason,
        )
        logger.error("LRS %s paused: %s", destination, outcome.pause_reason)
        record_pause_alert(destination, now)
    _save_rows(rows, outcome)
    if changes:
        LrsDestination.objects.filter(pk=destination.pk).update(**changes)
    LrsRequest.objects.bulk_create(outcome.requests)


def _save_rows(rows, outcome):
    """One UPDATE per group of rows with the same new values (most batches:
    one for the sent rows). Django's bulk_update writes a CASE per row and
    field: 40 times slower for a batch of 500 (bench/xapi.py)."""
    groups = {}
    for row in rows:
        carried = outcome.carried.get(row.pk)
        if not carried:
            continue  # not attempted: the batch stopped before it
        # Only a row left waiting gets a new next attempt (the backoff's end).
        next_at = (
            row.next_attempt_at
            if row.state == StatementDelivery.State.PENDING
            else None
        )
        key = (row.state, carried, row.last_error, row.sent_at, next_at)
        groups.setdefault(key, []).append(row.pk)
    for (state, carried, error, sent_at, next_at), pks in groups.items():
        values = {
            "state": state,
            "attempts": F("attempts") + carried,
            "last_error": error,
            "sent_at": sent_at,
        }
        if next_at is not None:
            values["next_attempt_at"] = next_at
        StatementDelivery.objects.filter(pk__in=pks).update(**values)


def flush_destination(destination_id, *, client=None, time_budget=None):
    """Send what is pending for one destination, batch after batch, until
    nothing is left, the destination must wait, or the time budget is spent.
    Returns counts: sent, conflicts, refused, retried, requests, and
    `more` (True if pending statements were left for lack of time)."""
    budget = time_budget or settings.XAPI_FLUSH_SECONDS
    deadline = time.monotonic() + budget
    counts = {
        "sent": 0,
        "conflicts": 0,
        "refused": 0,
        "retried": 0,
        "requests": 0,
        "more": False,
    }
    own_client = client is None
    client = client or make_client()
    try:
        while True:
            if time.monotonic() >= deadline:
                counts["more"] = True
                break
            now = timezone.now()
            with transaction.atomic():
                destination = LrsDestination.objects.filter(pk=destination_id).first()
                if destination is None or not destination.may_send(now):
                    break
                rows = list(
                    StatementDelivery.objects.select_for_update(
                        skip_locked=True, of=("self",)
                    )
                    .select_related("statement")
                    .filter(
                        destination_id=destination_id,
                        state=StatementDelivery.State.PENDING,
                    )
                    .order_by("created_at", "pk")[: destination.batch_size]
                )
                if not rows:
                    break
                outcome = Outcome()
                _deliver(client, destination, rows, outcome, deadline)
                _every_statement_refused(rows, outcome)
                _apply(destination, rows, outcome, timezone.now())
            counts["sent"] += len(outcome.sent)
            counts["conflicts"] += len(outcome.conflicts)
            counts["refused"] += len(outcome.refused)
            counts["retried"] += len(outcome.retry)
            counts["requests"] += len(outcome.requests)
            if outcome.stop:
                break
    finally:
        if own_client:
            client.close()
    return counts


def destinations_to_flush(now=None):
    now = now or timezone.now()
    return [
        destination.pk
        for destination in LrsDestination.objects.filter(
            enabled=True, paused_at__isnull=True
        )
        if destination.may_send(now)
    ]
