"""Reminders end to end: planned and stored by the sweep, sent by real Celery
workers on the real Redis to a real SMTP server, and read back from what
arrived there — once, also when a worker dies mid-send, the mail relay is
down for a while, or two sweeps run at the same time.

The sending window is the whole day and weekends are allowed, so nothing here
depends on the clock; the day planned is given to the sweep explicitly.
"""

import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assignments.models import Assignment
from notifications.models import Notification
from reminders.models import NotificationItem, ReminderPolicy
from reminders.planning import plan_day, store_plan
from reminders.tasks import send_reminders, sweep_reminders
from tests.factories import make_course, make_staff
from tests.integration import short_visibility_timeout

pytestmark = pytest.mark.integration

SENT = Notification.Status.SENT
SWEEP = sweep_reminders.name
SEND = send_reminders.name


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def rules(transactional_db, today):
    policy = ReminderPolicy.load()
    policy.window_start = time(0, 0)
    policy.window_end = time(23, 59, 59, 999999)
    policy.send_on_weekends = True
    policy.before_days = "14, 3"
    policy.on_due_date = True
    # No weekly digest today: plain reminders, whatever weekday this runs on.
    policy.digest_weekday = policy.manager_digest_weekday = (today.weekday() + 3) % 7
    policy.rate_per_minute = 10_000
    policy.save()
    return policy


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
    assert worker.task_results(SEND) == ["'done'"]
    assert len(smtp_server.messages) == 3
    assert NotificationItem.objects.count() == 4
    assert "Traceback" not in worker.log, worker.log


# Redelivery of the killed worker's task after 3 s; a claim older than 1 s
# counts as abandoned (in production: one hour, and ten minutes).
VISIBILITY_TIMEOUT = 3
CLAIM_LEASE_SECONDS = 1


@pytest.mark.parametrize(
    "crash_at", ["before_claim", "after_claim", "after_accept", "after_mark"]
)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_an_unmarked_send(
    reminded, celery_workers, smtp_server, today, tmp_path, crash_at
):
    marker = tmp_path / "killed-once"
    worker = celery_workers.start(
        env={"KOMPETENS_CRASH_AT": crash_at, "KOMPETENS_CRASH_MARKER": str(marker)},
        transport_options=short_visibility_timeout(VISIBILITY_TIMEOUT),
        module_attributes={"notifications.sender.CLAIM_LEASE": CLAIM_LEASE_SECONDS},
    )

    sweep_reminders.delay(today.isoformat())
    assert worker.wait_for_exit(timeout=30) == -signal.SIGKILL, worker.log
    assert marker.exists()

    # Killed at the first message of the batch (lowest id), at the named point.
    notifications = list(Notification.objects.order_by("pk"))
    assert len(notifications) == 3
    first, *rest = notifications
    at_kill = {
        "before_claim": (Notification.Status.PENDING, 0, 0),
        "after_claim": (Notification.Status.SENDING, 1, 0),
        "after_accept": (Notification.Status.SENDING, 1, 1),
        "after_mark": (SENT, 1, 1),
    }[crash_at]
    assert (first.status, first.attempts, len(smtp_server.messages)) == at_kill
    assert {(n.status, n.attempts) for n in rest} == {(Notification.Status.PENDING, 0)}
    assert worker.task_results(SWEEP) == ["3"]
    assert worker.task_results(SEND) == []

    # Nothing but the broker's redelivery of the unacknowledged batch (no
    # further sweep) finishes the work in the restarted worker.
    restarted = celery_workers.restart(worker)
    duplicated = crash_at == "after_accept"
    smtp_server.wait_for(3 + duplicated, timeout=30)
    restarted.wait_until_idle(timeout=30)
    # The batch ran to its end (a second redelivery, had the run outlasted
    # the 3 s visibility timeout, would find everything claimed or sent).
    assert restarted.task_results(SEND)[:1] == ["'done'"]

    messages = smtp_server.messages
    counts = message_ids(messages)
    if duplicated:
        # Accepted by the relay but not marked sent: that one message, and
        # only it, went twice — with the same Message-ID, so the receiving
        # side can tell it is the same message.
        assert len(messages) == 4
        assert counts == {first.message_id: 2, **{n.message_id: 1 for n in rest}}
        copies = [e for e in messages if e.parsed()["Message-ID"] == first.message_id]
        assert copies[0].rcpt_tos == copies[1].rcpt_tos
        assert copies[0].parsed()["Subject"] == copies[1].parsed()["Subject"]
        assert body(copies[0]) == body(copies[1])
        # messages[0] is the copy accepted before the kill.
        assert_each_sent_once(messages[1:], reminded)
    else:
        assert len(messages) == 3
        assert counts == {n.message_id: 1 for n in notifications}
        assert_each_sent_once(messages, reminded)

    attempts = {n.pk: n.attempts for n in Notification.objects.all()}
    assert set(Notification.objects.values_list("status", flat=True)) == {SENT}
    # A claim taken before the kill counts as an attempt; a repeat claim too.
    reclaimed = crash_at in ("after_claim", "after_accept")
    assert attempts == {first.pk: 1 + reclaimed, **{n.pk: 1 for n in rest}}


def test_mail_relay_down_during_the_sweep_then_up_delivers_everything_once(
    reminded, celery_workers, smtp_server, today
):
    # The backoff is 30 s, 60 s, … capped at MAX_BACKOFF_SECONDS: capped at
    # 1 s here, so the relay can stay down for more tries than MAX_ATTEMPTS.
    worker = celery_workers.start(
        module_attributes={"reminders.sending.MAX_BACKOFF_SECONDS": 1}
    )
    smtp_server.stop()  # nothing listens on the port the worker sends to

    sweep_reminders.delay(today.isoformat())
    retries = 7  # more than MAX_ATTEMPTS (5): a relay outage is not an attempt
    worker.wait_for_task_results(SEND, retries, timeout=30)
    assert len(smtp_server.messages) == 0
    assert set(worker.task_results(SEND)) == {"'mail relay unavailable'"}
    # Not given up, and the failed tries not counted (a retry may be in
    # flight right now, holding its claim: one attempt at most).
    statuses = Notification.objects.values_list("status", "attempts")
    assert len(statuses) == 3
    assert {status for status, _attempts in statuses} <= {
        Notification.Status.PENDING,
        Notification.Status.SENDING,
        Notification.Status.FAILED,
    }
    assert max(attempts for _status, attempts in statuses) <= 1

    smtp_server.start_again()
    smtp_server.wait_for(3, timeout=30)
    worker.wait_until_idle()

    messages = smtp_server.messages
    assert len(messages) == 3
    assert_each_sent_once(messages, reminded)
    assert worker.task_results(SEND)[-1] == "'done'"
    assert set(Notification.objects.values_list("status", "attempts")) == {(SENT, 1)}
    # Only the one batch was ever handed out: the retries are its re-enqueues.
    assert worker.task_results(SWEEP) == ["3"]


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

    send_reminders.delay(ids)
    send_reminders.delay(ids)
    smtp_server.wait_for(8, timeout=30)
    workers[0].wait_until_idle(timeout=30)

    # Each worker went through the whole batch (a solo worker runs one task
    # at a time, so the two copies went to the two workers).
    for worker in workers:
        assert worker.task_results(SEND) == ["'done'"], worker.log
    messages = smtp_server.messages
    assert len(messages) == 8
    assert_each_sent_once(messages, eight_reminded)
    assert set(Notification.objects.values_list("status", "attempts")) == {(SENT, 1)}
