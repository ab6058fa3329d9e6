"""Certificates: issued once per completed cycle, revoked with a reason.

`issue_certificate` runs inside the completion transaction and is idempotent:
the enrolment is unique on the certificate, so running it again — or after an
upgrade — returns the same record, never a new, re-dated or re-sent one. The
PDF is rendered by the worker after commit.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue_on_commit

from .. import emails
from .. import xapi_events as xapi
from ..models import Certificate, Enrolment

# Crockford's base32 alphabet: no I, L, O or U to misread. 20 characters are
# 100 bits: unguessable.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20


def new_code():
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 5] for i in range(0, CODE_LENGTH, 5))


def normalise_code(text):
    """The canonical form of a code as a person might type it."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    raw = raw.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 5] for i in range(0, CODE_LENGTH, 5))


def issue_certificate(enrolment: Enrolment) -> Certificate:
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing:
        return existing
    if enrolment.completed_at is None:
        raise ValidationError(_("Only a completed course gives a certificate."))
    learner = enrolment.learner
    completed_on = timezone.localdate(enrolment.completed_at)
    validity = enrolment.course.validity if enrolment.course else None
    with transaction.atomic():
        certificate = Certificate.objects.create(
            enrolment=enrolment,
            learner=learner,
            holder_name=learner.get_full_name() or learner.get_username(),
            course=enrolment.course,
            course_title=enrolment.course_title,
            code=new_code(),
            completed_at=enrolment.completed_at,
            valid_from=completed_on,
            valid_until=validity.valid_until(completed_on) if validity else None,
            language=(enrolment.course.language if enrolment.course else "sv"),
        )
        xapi.certificate_earned(certificate)
        enqueue_on_commit("learners.render_certificate_pdf", certificate.pk)
    return certificate


def revoke_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke, keeping who, when and why, and tell the holder (an email
    through the delivery log, in the same transaction). Revoking twice
    changes nothing and sends nothing more."""
    if not actor.has_perm("learners.revoke_certificate"):
        raise PermissionDenied(_("You may not revoke certificates."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking.")})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_reason = reason
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
            emails.record_certificate_revoked(locked)
    return locked
