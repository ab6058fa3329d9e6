"""PostgreSQL advisory locks, held until the end of the transaction.

They serialise work that no row lock covers: two HR imports, two evaluations
of one course's assignment rules, two refreshes of the report counts, a
destination being attached while the outbox records. On other databases (the
demo's SQLite, which has one writer anyway) they do nothing.
"""

from django.db import connection


def _lock(function, keys):
    if connection.vendor != "postgresql":
        return
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({placeholders})", list(keys))


def advisory_xact_lock(*keys):
    """Wait for the exclusive lock on `keys` (one bigint, or two ints)."""
    _lock("pg_advisory_xact_lock", keys)


def advisory_xact_lock_shared(*keys):
    """Wait for the shared lock on `keys`: many holders, none beside an
    exclusive one."""
    _lock("pg_advisory_xact_lock_shared", keys)
