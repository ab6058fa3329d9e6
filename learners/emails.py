"""The emails the learning record sends: the confirmation of a completed
course, once per enrolment, and the notice that a certificate was revoked,
once per certificate (the Notification keys). It is written to the
delivery log in the completion's own transaction, so it cannot be lost with
an enqueue; the log sends it (`notifications.sender`)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from notifications import sender
from notifications.models import Notification

from .models import Certificate, Enrolment


def completion_key(learner_id, enrolment_id):
    return f"course_completed:{learner_id}:{enrolment_id}"


def record_course_completed(enrolment):
    """In the completion's transaction: the confirmation, to be sent once."""
    if not enrolment.learner.email:
        return None
    return sender.record(
        key=completion_key(enrolment.learner_id, enrolment.pk),
        kind=Notification.Kind.COURSE_COMPLETED,
        recipient=enrolment.learner,
        data={"enrolment": enrolment.pk},
    )


def compose_course_completed(notification):
    """(template, subject, context) of the confirmation, or None if the
    enrolment is gone or no longer complete."""
    enrolment = (
        Enrolment.objects.select_related("learner", "course")
        .filter(pk=notification.data.get("enrolment"), completed_at__isnull=False)
        .first()
    )
    if enrolment is None:
        return None
    course_url = settings.SITE_URL + (enrolment.course.url if enrolment.course else "/")
    subject = format_lazy(
        _("You have completed {course}"), course=enrolment.course_title
    )
    context = {
        "learner": enrolment.learner,
        "enrolment": enrolment,
        "course_url": course_url,
        "my_learning_url": settings.SITE_URL + reverse("learners:my_learning"),
    }
    return "learners/emails/course_completed", subject, context


def revoked_key(learner_id, certificate_id):
    return f"certificate_revoked:{learner_id}:{certificate_id}"


def record_certificate_revoked(certificate):
    """In the revocation's transaction: the holder is told, once."""
    learner = certificate.learner
    if learner is None or not learner.email:
        return None
    return sender.record(
        key=revoked_key(learner.pk, certificate.pk),
        kind=Notification.Kind.CERTIFICATE_REVOKED,
        recipient=learner,
        data={"certificate": certificate.pk},
    )


def compose_certificate_revoked(notification):
    """(template, subject, context) of the notice, or None if the
    certificate is gone or (it cannot be) no longer revoked."""
    certificate = (
        Certificate.objects.select_related("learner")
        .filter(pk=notification.data.get("certificate"), revoked_at__isnull=False)
        .first()
    )
    if certificate is None:
        return None
    subject = format_lazy(
        _("Your certificate for {course} has been revoked"),
        course=certificate.course_title,
    )
    context = {
        "learner": certificate.learner or notification.recipient,
        "certificate": certificate,
        "revoked_on": timezone.localtime(certificate.revoked_at),
        "issuer": settings.ORGANISATION_NAME,
        "verification_url": settings.SITE_URL
        + reverse("verify_certificate", args=[certificate.code]),
        "my_learning_url": settings.SITE_URL + reverse("learners:my_learning"),
    }
    return "learners/emails/certificate_revoked", subject, context
