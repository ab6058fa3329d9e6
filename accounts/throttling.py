"""Throttling of wrong local passwords, with django-axes.

Two limits on the failures of the last LOGIN_COOLOFF_MINUTES (stored by axes'
database handler, one row per username, address and browser):

- per account: LOGIN_FAILURE_LIMIT wrong passwords for a username lock it;
  a username that does not exist is counted and locked exactly alike, so the
  answer says nothing about who has an account;
- per address: LOGIN_FAILURE_LIMIT_PER_ADDRESS (higher: the city's 40,000
  staff come from a few NAT addresses) lock the address, whatever usernames
  are tried from it (password spraying).

A locked attempt is refused before the password is checked, so the right
password gets the same refusal. The lock ends LOGIN_COOLOFF_MINUTES after
the last counted failure (attempts during it do not prolong it), or when HR
lifts it (accounts.actions.lift_lockout). A right password clears its own
account's failures, not the address's.

Only password attempts are throttled: a sign-in with the city's account
(OpenID Connect) is neither counted nor refused here, so a password-spraying
attack on an office's address does not keep that office out of single
sign-on.
"""

from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db.models import Q, Sum

# Set on the request by the handler: what the lock is on ("account" or
# "address"), and whether it was on before this attempt (the lockout signal
# comes again for every refused attempt; only the first one is a new lockout).
LOCKED_BY = "kompetens_locked_by"
WAS_LOCKED = "kompetens_was_locked"
# (failures of the account, failures from the address) as last counted.
FAILURES = "kompetens_failures"
# Set when the throttle refused the attempt before its password was checked.
REFUSED = "kompetens_refused"

SSO_BACKEND = "accounts.oidc.CityOIDCBackend"


def failure_limit(request=None, credentials=None):
    """AXES_FAILURE_LIMIT: the per-account limit (the per-address one is
    applied in CityAxesHandler.get_failures)."""
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request=None):
    """AXES_COOLOFF_TIME."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def username_of(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the username as typed, as axes stores it (at
    most its column's 255 characters, no NUL byte: Django's sign-in form
    lets a longer one through to the backends, and either would be a
    database error)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    if username is None:
        return None
    return str(username).replace("\x00", "")[:255]


def is_password_attempt(credentials):
    # Django passes the credentials to the failure signal with the password
    # masked, but under its key; single sign-on has none.
    return bool(credentials) and "password" in credentials


class PasswordAttemptBackend(AxesStandaloneBackend):
    """axes' throttle, first among the backends, for password attempts only."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is None:
            return None
        try:
            return super().authenticate(
                request, username=username, password=password, **kwargs
            )
        except AxesBackendPermissionDenied:
            setattr(request, REFUSED, True)
            raise


class CityAxesHandler(AxesDatabaseHandler):
    """axes' database handler with a per-account and a per-address limit."""

    def failures_by_kind(self, request, credentials=None):
        """(failures of the account, failures from the address) within the
        cool-off, in one query."""
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        by_account = Q(username=username) if username is not None else Q(pk=None)
        by_address = Q(ip_address=address) if address is not None else Q(pk=None)
        totals = AccessAttempt.objects.filter(
            by_account | by_address,
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(
            account=Sum("failures_since_start", filter=by_account),
            address=Sum("failures_since_start", filter=by_address),
        )
        return totals["account"] or 0, totals["address"] or 0

    def get_failures(self, request, credentials=None):
        """The failures axes compares with the (per-account) failure limit: the
        account's, or the limit itself once the address has reached its own."""
        if not is_password_attempt(credentials):
            return 0
        account, address = self.failures_by_kind(request, credentials)
        setattr(request, FAILURES, (account, address))
        if account >= settings.LOGIN_FAILURE_LIMIT:
            setattr(request, LOCKED_BY, "account")
            return account
        if address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            setattr(request, LOCKED_BY, "address")
            return max(account, settings.LOGIN_FAILURE_LIMIT)
        return account

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None or not is_password_attempt(credentials):
            return None
        setattr(request, WAS_LOCKED, bool(getattr(request, "axes_locked_out", False)))
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        if request is not None and (
            request.session.get(BACKEND_SESSION_KEY) != SSO_BACKEND
        ):
            # The right password: this account's earlier typing errors are
            # forgiven. The address's count stays (its other usernames).
            AccessAttempt.objects.filter(username=user.get_username()).delete()
