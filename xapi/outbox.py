"""The transactional outbox: statements written with the event they record.

`record` runs inside the action's transaction: if the event rolls back, so
does its statement; if it commits, a flush is scheduled on commit (at most one
waiting at a time), and the beat sweep catches up whatever that misses
(a broker that was down, a worker that died mid-flush).
"""

import json
import logging
import uuid

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from core.locks import advisory_xact_lock, advisory_xact_lock_shared
from core.tasks import enqueue

from .models import LrsDestination, Statement, StatementDelivery
from .vocab import VERBS

logger = logging.getLogger(__name__)

# Set while a flush is queued and not yet started: later commits need not
# queue another (the waiting one will see their statements). The flush clears
# it as it starts. The timeout bounds the wait if the flag is ever orphaned.
FLUSH_FLAG = "xapi:flush-queued"
FLUSH_FLAG_SECONDS = 5

_VERB_KEYS = {iri: key for key, (iri, _sv, _en) in VERBS.items()}

# Recording and attaching a new destination exclude each other (PostgreSQL
# advisory lock: shared while recording, exclusive while attaching), so a
# statement recorded while a destination is being added is seen by one side
# or the other: never missed by both.
OUTBOX_LOCK = 0x58415049  # "XAPI"


def serialise(statement: dict) -> str:
    """The JSON stored and sent: compact, UTF-8 as it is (Swedish letters
    unescaped), keys in the builder's order."""
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))


def record(statements, learner_id=None):
    """Write `statements` (dicts from `statements.py`) about one person to the
    outbox, with a pending delivery to every destination. Idempotent: a
    statement id already stored is left as it is (the first payload stands)."""
    record_many((statement, learner_id) for statement in statements)


def record_many(pairs, batch_size=2000):
    """`record` for many people at once: `pairs` of (statement, learner id),
    in a few bulk inserts whatever their number."""
    now = timezone.now()
    rows = [
        Statement(
            id=uuid.UUID(statement["id"]),
            verb=_VERB_KEYS.get(statement["verb"]["id"], "other"),
            payload=serialise(statement),
            learner_id=learner_id,
            created_at=now,
        )
        for statement, learner_id in pairs
        if statement
    ]
    if not rows:
        return
    # No savepoint inside the caller's transaction (it is all or nothing
    # anyway); a transaction of its own when called outside one.
    with transaction.atomic(savepoint=False):
        Statement.objects.bulk_create(
            rows, ignore_conflicts=True, batch_size=batch_size
        )
        advisory_xact_lock_shared(OUTBOX_LOCK)
        queued = 0
        for start in range(0, len(rows), batch_size):
            ids = [row.id for row in rows[start : start + batch_size]]
            queued += _queue_deliveries(ids, now)
        if queued:
            transaction.on_commit(schedule_flush, robust=True)


def _queue_deliveries(statement_ids, now):
    """A pending delivery of each statement to every destination, in one
    INSERT … SELECT (no read of the destinations first). Returns how many
    were queued. (SQLite, the demo's database: through the ORM.)"""
    if connection.vendor != "postgresql":
        return _queue_deliveries_portably(statement_ids, now)
    table = StatementDelivery._meta.db_table
    destinations = LrsDestination._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}
                (statement_id, destination_id, state, attempts, next_attempt_at,
                 last_error, created_at)
            SELECT statement.id, destination.id, %s, 0, %s, '', %s
            FROM unnest(%s::uuid[]) AS statement(id)
            CROSS JOIN {destinations} AS destination
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - table names from the models, values bound
            [StatementDelivery.State.PENDING, now, now, statement_ids],
        )
        return cursor.rowcount


def _queue_deliveries_portably(statement_ids, now):
    destinations = list(LrsDestination.objects.values_list("pk", flat=True))
    StatementDelivery.objects.bulk_create(
        [
            StatementDelivery(
                statement_id=statement_id,
                destination_id=destination,
                created_at=now,
                next_attempt_at=now,
            )
            for statement_id in statement_ids
            for destination in destinations
        ],
        ignore_conflicts=True,
    )
    return len(destinations) * len(statement_ids)


def schedule_flush():
    """Queue one flush unless one is already waiting. Never raises: a broker
    that is down costs a minute's delay (the sweep), not the learner's request."""
    try:
        if cache.add(FLUSH_FLAG, 1, timeout=FLUSH_FLAG_SECONDS):
            enqueue("xapi.flush_outbox")
    except Exception:  # noqa: BLE001 - any broker or cache failure
        logger.warning("Could not queue the xAPI flush; the sweep will send.")
        try:
            cache.delete(FLUSH_FLAG)
        except Exception:  # noqa: BLE001 - the cache itself is down
            logger.warning("The cache is down; the xAPI flush flag expires by itself.")


def attach_destination(destination, include_history=True):
    """Give a new destination a pending delivery for every statement already
    stored (`include_history`), or only for those recorded since it was
    created (while it was being set up), in one INSERT … SELECT. Returns how
    many were queued."""
    since = None if include_history else destination.created_at
    with transaction.atomic(savepoint=False):
        advisory_xact_lock(OUTBOX_LOCK)
        if connection.vendor != "postgresql":  # the demo's SQLite
            count = _attach_portably(destination, since)
        else:
            table = StatementDelivery._meta.db_table
            statements = Statement._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {table}
                        (statement_id, destination_id, state, attempts,
                         next_attempt_at, last_error, created_at)
                    SELECT id, %s, %s, 0, now(), '', created_at FROM {statements}
                    WHERE %s::timestamptz IS NULL OR created_at >= %s
                    ON CONFLICT DO NOTHING
                    """,  # noqa: S608 - table names from the models, values bound
                    [destination.pk, StatementDelivery.State.PENDING, since, since],
                )
                count = cursor.rowcount
        if count:
            transaction.on_commit(schedule_flush, robust=True)
    return count


def _attach_portably(destination, since):
    stored = Statement.objects.all()
    if since is not None:
        stored = stored.filter(created_at__gte=since)
    before = StatementDelivery.objects.filter(destination=destination).count()
    StatementDelivery.objects.bulk_create(
        [
            StatementDelivery(
                statement_id=pk, destination=destination, created_at=created_at
            )
            for pk, created_at in stored.values_list("id", "created_at")
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return StatementDelivery.objects.filter(destination=destination).count() - before


def requeue(deliveries):
    """Send refused or conflicting statements again (after the cause is fixed)."""
    count = deliveries.exclude(state=StatementDelivery.State.PENDING).update(
        state=StatementDelivery.State.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(schedule_flush, robust=True)
    return count
