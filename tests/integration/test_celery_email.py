"""Course completion → the delivery log's row, written with it → on-commit
enqueue → real worker on Redis → real SMTP."""

import pytest
from django.conf import settings
from django.db import connection

from learners import actions
from learners.models import Enrolment
from notifications.models import Notification
from notifications.tasks import hand_out, send_messages

pytestmark = pytest.mark.integration


def test_course_completion_email_is_sent_once_through_a_real_worker_and_smtp(
    celery_worker_process, smtp_server, learner, course, lessons
):
    # Each action commits for real, so the on-commit enqueue reaches Redis.
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert learner.email

    for lesson in lessons:
        actions.record_lesson_progress(learner, lesson, completed=True)

    received = smtp_server.wait_for(1, timeout=30)
    celery_worker_process.wait_until_idle()  # the row is marked sent after SMTP
    assert len(smtp_server.messages) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == (learner.email,)
    message = envelope.parsed()
    assert message["To"] == learner.email
    assert course.title in message["Subject"]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    course_link = settings.SITE_URL + course.url
    assert course_link in text.get_content()
    assert f'href="{course_link}"' in html.get_content()

    enrolment = Enrolment.objects.get(learner=learner, course=course)
    assert enrolment.completed_at is not None
    notification = Notification.objects.get(recipient=learner)
    assert notification.kind == Notification.Kind.COURSE_COMPLETED
    assert message["Message-ID"] == notification.message_id
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert notification.subject == message["Subject"]

    # Everything that could send it again: the action repeated, an explicit
    # second enqueue and the hand-out sweep — all through the real worker.
    actions.record_lesson_progress(learner, lessons[-1], completed=True)
    send_messages.delay([notification.pk])
    hand_out.delay()
    celery_worker_process.wait_until_idle()

    assert len(smtp_server.messages) == 1
    send_results = celery_worker_process.task_results(send_messages.name)
    # The first send, then the explicit repeat; the sweep finds nothing unsent.
    assert send_results == ["{'sent': 1}", "{'nothing to do': 1}"]
    assert celery_worker_process.task_results(hand_out.name) == ["0"]
    assert "Traceback" not in celery_worker_process.log, celery_worker_process.log
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert Notification.objects.filter(recipient=learner).count() == 1
