"""The mail sender in-process: claim → send → mark sent, and SMTP failures.

The task bodies run in this process (no worker). The SMTP tests talk to a real
aiosmtpd server; the claim tests use Django's locmem outbox.
"""

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from learners import actions
from learners.emails import completion_key
from learners.models import Enrolment
from learners.tasks import send_course_completed_email
from notifications.models import Notification
from notifications.sender import CLAIM_LEASE, MAX_ATTEMPTS
from tests.integration import running_smtp_server

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class WorkerDied(BaseException):
    """Stands in for a worker killed mid-task: not an Exception, so the task's
    own error handling never sees it."""


@pytest.fixture
def completed_enrolment(learner, course, lessons):
    # A non-transactional test: the on-commit enqueue never fires, so nothing
    # has been sent and each test calls the task itself.
    for lesson in lessons:
        actions.record_lesson_progress(learner, lesson, completed=True)
    enrolment = Enrolment.objects.get(learner=learner, course=course)
    assert enrolment.completed_at is not None
    assert not Notification.objects.exists()
    return enrolment


@pytest.fixture
def smtp(settings):
    with running_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


def _notification(enrolment):
    return Notification.objects.get(
        key=completion_key(enrolment.learner_id, enrolment.pk)
    )


@pytest.mark.integration
def test_permanent_smtp_refusal_is_recorded_as_failed_and_a_later_attempt_sends(
    smtp, completed_enrolment, learner
):
    smtp.rcpt_reply = "550 5.1.1 <anna@example.se>: Recipient address rejected"

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_course_completed_email.delay(completed_enrolment.pk)

    notification = _notification(completed_enrolment)
    assert notification.status == Notification.Status.FAILED
    assert "550" in notification.last_error
    assert notification.attempts == 1
    assert notification.sent_at is None
    assert smtp.messages == []

    smtp.rcpt_reply = None
    assert send_course_completed_email(completed_enrolment.pk) == "sent"

    [received] = smtp.wait_for(1, timeout=5)
    assert received.rcpt_tos == (learner.email,)
    assert received.parsed()["Message-ID"] == notification.message_id
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.last_error == ""
    assert notification.attempts == 2


@pytest.mark.integration
def test_sent_completion_email_is_never_sent_again(smtp, completed_enrolment):
    assert send_course_completed_email(completed_enrolment.pk) == "sent"
    assert send_course_completed_email(completed_enrolment.pk) == "already sent"
    smtp.wait_for(1, timeout=5)
    assert len(smtp.messages) == 1
    assert _notification(completed_enrolment).attempts == 1


def test_fresh_claim_is_not_sent_by_a_second_task(completed_enrolment):
    with time_machine.travel(T0, tick=False):
        notification = Notification.objects.create(
            key=completion_key(completed_enrolment.learner_id, completed_enrolment.pk),
            kind=Notification.Kind.COURSE_COMPLETED,
            recipient=completed_enrolment.learner,
            status=Notification.Status.SENDING,
            claimed_at=T0,
            attempts=1,
        )
    with time_machine.travel(T0 + CLAIM_LEASE - timedelta(seconds=1), tick=False):
        assert (
            send_course_completed_email(completed_enrolment.pk) == "claimed elsewhere"
        )

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENDING
    assert notification.claimed_at == T0
    assert notification.attempts == 1


def test_claim_older_than_the_lease_is_taken_over_and_sent_with_the_same_message_id(
    completed_enrolment, monkeypatch
):
    send = EmailMultiAlternatives.send

    def send_then_die(message, *args, **kwargs):
        send(message, *args, **kwargs)
        raise WorkerDied

    # The first worker sends, then dies before it can mark the row sent.
    with time_machine.travel(T0, tick=False), monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", send_then_die)
        with pytest.raises(WorkerDied):
            send_course_completed_email(completed_enrolment.pk)
    notification = _notification(completed_enrolment)
    assert notification.status == Notification.Status.SENDING
    assert notification.claimed_at == T0
    assert len(mail.outbox) == 1

    # Within the lease the claim stands; after it, another task takes over.
    with time_machine.travel(T0 + CLAIM_LEASE / 2, tick=False):
        assert (
            send_course_completed_email(completed_enrolment.pk) == "claimed elsewhere"
        )
    assert len(mail.outbox) == 1
    retaken_at = T0 + CLAIM_LEASE + timedelta(seconds=1)
    with time_machine.travel(retaken_at, tick=False):
        assert send_course_completed_email(completed_enrolment.pk) == "sent"

    assert len(mail.outbox) == 2
    first, resent = (message.message() for message in mail.outbox)
    assert first["Message-ID"] == resent["Message-ID"] == notification.message_id
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.claimed_at == notification.sent_at == retaken_at
    assert notification.attempts == 2


def test_notification_is_given_up_after_max_attempts(completed_enrolment):
    notification = Notification.objects.create(
        key=completion_key(completed_enrolment.learner_id, completed_enrolment.pk),
        kind=Notification.Kind.COURSE_COMPLETED,
        recipient=completed_enrolment.learner,
        status=Notification.Status.FAILED,
        attempts=MAX_ATTEMPTS,
        last_error="SMTPRecipientsRefused(...)",
    )
    assert send_course_completed_email(completed_enrolment.pk) == "claimed elsewhere"
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == MAX_ATTEMPTS


@pytest.mark.django_db
def test_sweep_requeues_unsent_but_not_sent_or_given_up(
    learner, course, lessons, settings
):
    from learners import actions
    from learners.emails import completion_key
    from learners.models import Enrolment
    from learners.tasks import sweep_completion_emails
    from notifications.models import Notification
    from notifications.sender import MAX_ATTEMPTS

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for lesson in lessons:  # no on-commit callbacks run: the email is "lost"
        actions.record_lesson_progress(learner, lesson, completed=True)
    enrolment = Enrolment.objects.get(learner=learner)
    assert sweep_completion_emails() == 1  # enqueued (eager: and sent)
    assert Notification.objects.get().status == Notification.Status.SENT
    assert sweep_completion_emails() == 0
    Notification.objects.update(
        status=Notification.Status.FAILED, attempts=MAX_ATTEMPTS
    )
    assert sweep_completion_emails() == 0
    assert Notification.objects.get().key == completion_key(learner.pk, enrolment.pk)
