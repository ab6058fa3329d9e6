"""What happens when someone signs in: the second factor enrolled and given,
and a lockout lifted by HR. Every decision is written to the audit log.

Enrolling twice is safe (the same pending device is reused until it is
confirmed); a code is checked once (django-otp refuses a code already used,
and counts wrong ones for its back-off); lifting a lockout that has already
ended changes nothing and writes nothing.
"""

import enum

from axes.models import AccessAttempt
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.addresses import client_address
from organisation.models import AuditEvent

from .two_factor import DEVICE_NAME, pending_device


class CodeResult(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    # Too soon after wrong codes (django-otp's exponential back-off).
    THROTTLED = "throttled"


def start_enrolment(user):
    """The device being enrolled: the pending one, or a new secret."""
    device = pending_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _check_code(request, device, code, stage):
    """Check `code` against `device` (locked for the check, so that parallel
    guesses are counted one by one); a refusal is audited."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            result = CodeResult.THROTTLED
        elif device.verify_token(code):
            return CodeResult.ACCEPTED, device
        else:
            result = CodeResult.WRONG
        AuditEvent.objects.record(
            AuditEvent.Action.TWO_FACTOR_FAILED,
            "two_factor_failed",
            {"username": request.user.get_username()},
            actor=request.user,
            details={
                "stage": stage,
                "throttled": result is CodeResult.THROTTLED,
                "failures": device.throttling_failure_count,
                "address": client_address(request),
            },
        )
    return result, device


def confirm_enrolment(request, device, code):
    """The first code from the person's app confirms the device: it becomes
    theirs, and this session counts as verified."""
    result, device = _check_code(request, device, code, stage="enrol")
    if result is CodeResult.ACCEPTED:
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
            AuditEvent.objects.record(
                AuditEvent.Action.TWO_FACTOR_ENROLLED,
                "two_factor_enrolled",
                {"username": request.user.get_username()},
                actor=request.user,
                details={"device": "totp", "address": client_address(request)},
            )
        _verified(request, device)
    return result


def give_second_factor(request, device, code):
    """A code after the password: the session counts as verified."""
    result, device = _check_code(request, device, code, stage="verify")
    if result is CodeResult.ACCEPTED:
        _verified(request, device)
    return result


def _verified(request, device):
    # A new session key for the session that now holds both factors.
    request.session.cycle_key()
    otp_login(request, device)


# --- Lockouts ------------------------------------------------------------------


class LockoutKind(enum.StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


def lift_lockout(actor, kind, value, address=None):
    """Forget the counted failures of an account (a username) or an address,
    so the next attempt is judged afresh. Returns how many rows went; only a
    lift that removed something is audited."""
    field = "username" if kind == LockoutKind.ACCOUNT else "ip_address"
    with transaction.atomic():
        attempts = AccessAttempt.objects.filter(**{field: value})
        failures = sum(attempts.values_list("failures_since_start", flat=True))
        count, _deleted = attempts.delete()
        if count:
            AuditEvent.objects.record(
                AuditEvent.Action.LOCKOUT_LIFTED,
                "lockout_lifted",
                {"what": value},
                actor=actor,
                details={
                    "kind": str(kind),
                    field: value,
                    "failures": failures,
                    "address": address,
                },
            )
    return count
