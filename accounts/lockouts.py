"""The lockouts in force now, as HR administrators see them (reads only).

An account is locked while its failures of the last LOGIN_COOLOFF_MINUTES
reach LOGIN_FAILURE_LIMIT, an address while its reach
LOGIN_FAILURE_LIMIT_PER_ADDRESS (accounts.throttling). A lock ends at the
latest a cool-off after its last counted failure. Central HR and superusers
see every lockout; a local coordinator only the accounts of the people of
their administration (an address, or a username nobody has, is nobody's).
"""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone

from .throttling import cool_off

# At most this many lockouts of each kind are listed, the latest first.
LOCKOUTS_SHOWN = 200


@dataclass(frozen=True)
class Lockout:
    kind: str  # accounts.actions.LockoutKind
    value: str  # the username, or the address
    failures: int
    last_failure: datetime
    ends_at: datetime
    # For an account: the addresses its failures came from; for an address:
    # how many usernames were tried from it.
    addresses: tuple[str, ...] = ()
    usernames: int = 0


def _recent(now):
    return AccessAttempt.objects.filter(attempt_time__gte=now - cool_off())


def locked_accounts(scope, now=None):
    now = now or timezone.now()
    rows = list(
        _recent(now)
        .exclude(username=None)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_FAILURE_LIMIT)
        .order_by("-last", "username")[:LOCKOUTS_SHOWN]
    )
    usernames = [row["username"] for row in rows]
    if not scope.is_city:
        seen = set(
            scope.people()
            .filter(user__username__in=usernames)
            .values_list("user__username", flat=True)
        )
        rows = [row for row in rows if row["username"] in seen]
        usernames = [row["username"] for row in rows]
    addresses = {}
    for username, address in (
        _recent(now)
        .filter(username__in=usernames)
        .exclude(ip_address=None)
        .values_list("username", "ip_address")
        .distinct()
        .order_by("username", "ip_address")
    ):
        addresses.setdefault(username, []).append(address)
    return [
        Lockout(
            kind="account",
            value=row["username"],
            failures=row["failures"],
            last_failure=row["last"],
            ends_at=row["last"] + cool_off(),
            addresses=tuple(addresses.get(row["username"], ())),
        )
        for row in rows
    ]


def locked_addresses(scope, now=None):
    if not scope.is_city:
        return []
    now = now or timezone.now()
    rows = (
        _recent(now)
        .exclude(ip_address=None)
        .values("ip_address")
        .annotate(
            failures=Sum("failures_since_start"),
            last=Max("attempt_time"),
            usernames=Count("username", distinct=True),
        )
        .filter(failures__gte=settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)
        .order_by("-last", "ip_address")[:LOCKOUTS_SHOWN]
    )
    return [
        Lockout(
            kind="address",
            value=row["ip_address"],
            failures=row["failures"],
            last_failure=row["last"],
            ends_at=row["last"] + cool_off(),
            usernames=row["usernames"],
        )
        for row in rows
    ]


def may_lift(scope, kind, value):
    """Whether a person of `scope` may lift this lockout (it must be one they
    are shown)."""
    if kind == "address":
        return scope.is_city
    if scope.is_city:
        return True
    return scope.people().filter(user__username=value).exists()
