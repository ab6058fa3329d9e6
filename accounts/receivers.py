"""The audit trail of signing in (ASVS V16): every sign-in, failed sign-in,
sign-out and lockout is an AuditEvent, which HR administrators read in the
audit log. What was typed as a username is kept (truncated); a password
never is (Django masks it before the signal, and it is not read here)."""

from axes.signals import user_locked_out
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

from core.addresses import client_address
from organisation.models import AuditEvent

from .throttling import (
    FAILURES,
    LOCKED_BY,
    REFUSED,
    SSO_BACKEND,
    WAS_LOCKED,
    is_password_attempt,
)

# Longer than any username we have (Django's field holds 150), short enough
# that an attacker's megabyte is not stored.
USERNAME_KEPT = 150


def _address(request):
    return client_address(request) if request is not None else None


def _typed(username):
    return str(username or "")[:USERNAME_KEPT]


def record_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None) or {}
    method = "sso" if session.get(BACKEND_SESSION_KEY) == SSO_BACKEND else "password"
    AuditEvent.objects.record(
        AuditEvent.Action.SIGN_IN,
        "signed_in",
        {"username": user.get_username()},
        actor=user,
        details={"method": method, "address": _address(request)},
    )


def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    """A wrong password, an unknown username, or an attempt the throttle
    refused. Single sign-on refusals are audited by accounts.oidc
    (SSO_REFUSED, with the reason)."""
    if not is_password_attempt(credentials):
        return
    username = _typed(credentials.get("username"))
    AuditEvent.objects.record(
        AuditEvent.Action.SIGN_IN_FAILED,
        "sign_in_failed",
        {"username": username},
        details={
            "method": "password",
            "username": username,
            "address": _address(request),
            # Refused before the password was checked: the account or the
            # address was locked.
            "locked_out": bool(getattr(request, REFUSED, False)),
        },
    )


def record_sign_out(sender, request, user, **kwargs):
    if user is None:
        return
    AuditEvent.objects.record(
        AuditEvent.Action.SIGN_OUT,
        "signed_out",
        {"username": user.get_username()},
        actor=user,
        details={"address": _address(request)},
    )


def record_lockout(sender, request, username, ip_address, **kwargs):
    """axes sends this for the failure that reaches a limit, and again for
    every attempt refused while locked: only the first is a new lockout."""
    if request is not None and getattr(request, WAS_LOCKED, False):
        return
    username = _typed(username)
    by = getattr(request, LOCKED_BY, "account")
    account, address = getattr(request, FAILURES, (None, None))
    if by == "account":
        summary_key, values = "locked_account", {"username": username}
    else:
        summary_key, values = "locked_address", {"address": ip_address}
    AuditEvent.objects.record(
        AuditEvent.Action.LOCKOUT,
        summary_key,
        values,
        details={
            "locked": by,
            "username": username,
            "address": ip_address,
            "failures_of_account": account,
            "failures_from_address": address,
        },
    )


def connect():
    user_logged_in.connect(record_sign_in, dispatch_uid="accounts.sign_in")
    user_login_failed.connect(
        record_failed_sign_in, dispatch_uid="accounts.sign_in_failed"
    )
    user_logged_out.connect(record_sign_out, dispatch_uid="accounts.sign_out")
    user_locked_out.connect(record_lockout, dispatch_uid="accounts.lockout")
