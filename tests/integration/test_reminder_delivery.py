"""Reminders end to end: planned and stored by the sweep, sent by real Celery
workers on the real Redis to a real SMTP server, and read back from what
arrived there — once, also when two sweeps run at the same time or one batch
is handed to two workers. (Workers killed, the relay, the database or the
broker lost: test_faults.py.)

The sending window is the whole day and weekends are allowed, so nothing here
depends on the clock; the day planned is given to the sweep explicitly.
"""

import ast
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assignments.models import Assignment
from notifications.models import Notification
from notifications.tasks import send_messages
from reminders.models import NotificationItem
from reminders.planning import plan_day, store_plan
from reminders.tasks import sweep_reminders
from tests.factories import make_course, make_staff
from tests.helpers import whole_day_reminder_policy

pytestmark = pytest.mark.integration

SENT = Notification.Status.SENT
SWEEP = sweep_reminders.name
SEND = send_messages.name


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def rules(transactional_db, today):
    return whole_day_reminder_policy()


def assign(course, person, due):
    return Assignment.objects.create(
        person=person,
        course=course,
        course_title=course.title,
        assigned_on=due - timedelta(days=30),
        due_date=due,
        reasons=[],
    )


@pytest.fixture
def courses(catalogue):
    return (
        make_course(catalogue, lessons=1, title="Brandskydd"),
        make_course(catalogue, lessons=1, title="Dataskydd"),
    )


@pytest.fixture
def reminded(rules, courses, today):
    """Three people with something due (one with two courses) and one with
    nothing due yet: {email: course titles the message must list}."""
    fire, data = courses
    anna = make_staff("anna", preferred_language="en")
    bo = make_staff("bo", preferred_language="sv")
    cecilia = make_staff("cecilia", preferred_language="en")
    david = make_staff("david", preferred_language="en")
    assign(fire, anna, today + timedelta(days=3))  # before: 3 days
    assign(data, anna, today)  # due today
    assign(fire, bo, today + timedelta(days=14))  # before: 14 days
    assign(data, cecilia, today + timedelta(days=10))  # before: 14 days
    assign(fire, david, today + timedelta(days=40))  # nothing yet
    return {
        anna.email: {fire.title, data.title},
        bo.email: {fire.title},
        cecilia.email: {data.title},
    }


def body(envelope):
    return envelope.parsed().get_body(preferencelist=("plain",)).get_content()


def message_ids(messages):
    return Counter(envelope.parsed()["Message-ID"] for envelope in messages)


def assert_each_sent_once(messages, expected):
    """Exactly one message per expected recipient, listing exactly the courses
    expected, with the Message-ID and subject of its Notification."""
    by_recipient = Counter(envelope.rcpt_tos for envelope in messages)
    assert by_recipient == Counter((email,) for email in expected)
    all_titles = set().union(*expected.values())
    notifications = {
        n.recipient.email: n
        for n in Notification.objects.select_related("recipient").filter(
            kind=Notification.Kind.REMINDERS
        )
    }
    assert set(notifications) == set(expected)
    for envelope in messages:
        (email,) = envelope.rcpt_tos
        text = body(envelope)
        listed = {title for title in all_titles if title in text}
        assert listed == expected[email], (email, text)
        parsed = envelope.parsed()
        notification = notifications[email]
        assert parsed["Message-ID"] == notification.message_id
        # Django folds a non-ASCII subject onto a continuation line; the parser
        # keeps the folding whitespace, a mail client drops it.
        assert parsed["Subject"].strip() == notification.subject != ""


def test_a_sweep_delivers_one_grouped_message_per_person_and_a_second_nothing(
    reminded, celery_workers, smtp_server, today
):
    worker = celery_workers.start()

    sweep_reminders.delay(today.isoformat())
    smtp_server.wait_for(len(reminded), timeout=30)
    worker.wait_until_idle()

    messages = smtp_server.messages
    assert len(messages) == 3
    assert_each_sent_once(messages, reminded)
    assert len(message_ids(messages)) == 3
    # Anna's two courses went in one message, as two reminders.
    assert NotificationItem.objects.count() == 4
    assert set(Notification.objects.values_list("status", "attempts")) == {(SENT, 1)}

    # The next sweep (beat runs it every ten minutes) finds nothing to send.
    sweep_reminders.delay(today.isoformat())
    worker.wait_until_idle()
    assert worker.task_results(SWEEP) == ["3", "0"]
    assert worker.task_results(SEND) == ["{'sent': 3}"]
    assert len(smtp_server.messages) == 3
    assert NotificationItem.objects.count() == 4
    assert "Traceback" not in worker.log, worker.log


@pytest.fixture
def eight_reminded(rules, courses, today):
    """Eight people with something due, every other one with two courses."""
    fire, data = courses
    expected = {}
    for number in range(8):
        person = make_staff(f"p{number}", preferred_language="en")
        assign(fire, person, today + timedelta(days=3))
        expected[person.email] = {fire.title}
        if number % 2:
            assign(data, person, today)
            expected[person.email].add(data.title)
    return expected


def test_concurrent_sweeps_send_each_message_once(
    eight_reminded, celery_workers, smtp_server, today
):
    workers = [celery_workers.start(), celery_workers.start()]
    start = threading.Barrier(3)

    def sweep_by_hand():
        start.wait(10)
        try:
            return sweep_reminders(today.isoformat())
        finally:
            connection.close()

    # Two beat processes: two sweep tasks, taken by the two workers; and two
    # sweeps by hand (`manage.py send_reminders`) here, at the same moment.
    with ThreadPoolExecutor(max_workers=2) as pool:
        by_hand = [pool.submit(sweep_by_hand) for _ in range(2)]
        sweep_reminders.delay(today.isoformat())
        sweep_reminders.delay(today.isoformat())
        start.wait(10)
        by_hand = [future.result(timeout=30) for future in by_hand]

    smtp_server.wait_for(8, timeout=30)
    workers[0].wait_until_idle(timeout=30)
    for worker in workers:
        worker.assert_alive()

    messages = smtp_server.messages
    assert len(messages) == 8
    assert_each_sent_once(messages, eight_reminded)
    assert len(message_ids(messages)) == 8
    assert Notification.objects.count() == 8
    assert NotificationItem.objects.count() == 12
    assert set(Notification.objects.values_list("status", "attempts")) == {(SENT, 1)}
    sweeps = by_hand + [int(r) for w in workers for r in w.task_results(SWEEP)]
    assert len(sweeps) == 4
    # Every message was handed out at least once (more than once only if
    # two sweeps read the pile at the same instant; the claim stops those).
    assert sum(sweeps) >= 8
    for worker in workers:
        assert "Traceback" not in worker.log, worker.log


def test_one_batch_handed_to_two_workers_at_once_is_sent_once(
    eight_reminded, celery_workers, smtp_server, rules, today
):
    """A second hand-out of the same pile (two sweeps reading it at the same
    instant, or one after ENQUEUE_LEASE while the first batch still runs):
    two workers go through the same ids at the same time, and the claim lets
    only one of them send each message."""
    ids = store_plan(plan_day(today, rules))
    assert len(ids) == 8
    workers = [celery_workers.start(), celery_workers.start()]

    send_messages.delay(ids)
    send_messages.delay(ids)
    smtp_server.wait_for(8, timeout=30)
    workers[0].wait_until_idle(timeout=30)

    # Both copies went through the whole batch (usually one on each worker;
    # a fast worker may take both) and between them sent each message once.
    outcomes = [ast.literal_eval(r) for w in workers for r in w.task_results(SEND)]
    assert len(outcomes) == 2, outcomes
    assert sum(o.get("sent", 0) for o in outcomes) == 8, outcomes
    messages = smtp_server.messages
    assert len(messages) == 8
    assert_each_sent_once(messages, eight_reminded)
    assert set(Notification.objects.values_list("status", "attempts")) == {(SENT, 1)}
