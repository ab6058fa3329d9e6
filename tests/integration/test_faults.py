"""Every kind of background work, under every fault we can produce for real.

The work: reminders planned by beat, completion emails, an invitation, a
report export built and mailed, certificate PDFs and xAPI statements to a
real Ralph LRS — run by real Celery workers (prefork, as in production) on
Redis, driven by real beat processes, sending to a real SMTP server. The
faults: a pool process and the whole worker killed with SIGKILL mid-send,
the relay down beyond the first retries (and beyond the retry period), the
worker's PostgreSQL backend terminated at each step of a send and again and
again during the whole run, the broker killed and restarted empty, two
beats at once.

Counted where it arrives — at the SMTP server (Message-IDs) and in the LRS
(statement ids): nothing lost, nothing twice except the one message in
flight at a kill between the relay's "250" and its note, which comes again
with the same Message-ID; drained within the leases (seconds here, minutes
in production: the README's reliability section).
"""

import threading
import time
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assignments.models import Assignment
from cms.roles import ensure_hr_admin_group
from core.tasks import enqueue
from learners import actions
from learners.models import Certificate
from notifications.models import Notification
from organisation.invitations import invite
from reminders import sending
from reports.models import ReportExport
from tests.factories import make_course, make_staff, make_unit
from tests.helpers import whole_day_reminder_policy
from xapi.models import LrsDestination, Statement, StatementDelivery

pytestmark = pytest.mark.integration

SENT = Notification.Status.SENT
FAILED = Notification.Status.FAILED

# The leases and backoffs of production in seconds instead of minutes, so a
# fault drains within a test. BEAT is every beat entry's period here.
BEAT = 1.0
LEASES = {
    "notifications.sender.CLAIM_LEASE": 5,
    "notifications.sender.ENQUEUE_LEASE": 2,
    "notifications.sender.BACKOFF_FIRST": 0.5,
    "notifications.sender.BACKOFF_MAX": 1,
    "notifications.sender.PROBE_EVERY": 1,
    "notifications.sender.ALERT_GATHER": 1,
    "learners.certificates.PDF_AFTER": 1,
    "learners.certificates.PDF_LEASE": 2,
    "reports.exports.QUEUED_RESEND_AFTER": 2,
    "reports.exports.BUILD_LEASE": 3,
    "xapi.delivery.BACKOFF_BASE_SECONDS": 1,
    "xapi.delivery.BACKOFF_MAX_SECONDS": 2,
}
# Everything handed out again, a dead claim taken over, the next beat: the
# longest way back for lost work, with room for a busy machine.
DRAIN_SECONDS = 5 + 2 + 3 * BEAT + 20
EXPECTED_MAIL = {
    Notification.Kind.REMINDERS: 3,
    Notification.Kind.COURSE_COMPLETED: 2,
    Notification.Kind.INVITATION: 1,
    Notification.Kind.REPORT_EXPORT: 1,
}


# --- The work -----------------------------------------------------------------


@pytest.fixture
def workload(transactional_db, catalogue, fresh_ralph_lrs):
    """What a morning brings, as committed rows (the worker reads them): the
    policy and people for three reminders, an LRS, and `start()` to do the
    rest — two completions (emails, certificates, statements), an
    invitation and a report export — while the workers run."""
    return Workload(catalogue, fresh_ralph_lrs)


class Workload:
    def __init__(self, catalogue, lrs):
        self.lrs = lrs
        whole_day_reminder_policy()
        today = timezone.localdate()
        LrsDestination.objects.create(
            name="Ralph",
            endpoint=lrs.url,
            username=lrs.username,
            password=lrs.password,
            batch_size=5,
        )
        self.course = make_course(catalogue, lessons=1, title="Brandskydd")
        self.unit = make_unit("FX", name="Felenheten")
        self.head = make_staff("chefen", unit=self.unit)
        self.unit.head = self.head
        self.unit.save()
        for name, days in (("anna", 3), ("bo", 14), ("cecilia", 0)):
            person = make_staff(name, unit=self.unit, preferred_language="en")
            Assignment.objects.create(
                person=person,
                course=self.course,
                course_title=self.course.title,
                assigned_on=today - timedelta(days=30),
                due_date=today + timedelta(days=days),
                reasons=[],
                # Kept by the nightly rule sweep (beat runs it every second).
                source=Assignment.Source.RETAKE,
            )
        self.learners = [make_staff(f"elev{n}", unit=self.unit) for n in range(2)]

    def start(self):
        """The work that happens in the web processes: completions, an
        invitation, an export asked for. Reminders come from beat."""
        for person in self.learners:
            actions.launch_course(person, self.course)
            for lesson in self.course.lessons():
                actions.record_lesson_progress(person, lesson, completed=True)
        invite(make_staff("nykomling", unit=self.unit))
        export = ReportExport.objects.create(
            requested_by=self.head,
            unit=self.unit,
            query="",
            format=ReportExport.Format.CSV,
            language="sv",
            day=timezone.localdate(),
            rows=6,
        )
        enqueue("reports.build_report_export", str(export.pk))

    # What must be true when it has drained.

    def mail_rows(self):
        return Notification.objects.filter(kind__in=list(EXPECTED_MAIL))

    def drained(self):
        kinds = Counter(self.mail_rows().values_list("kind", flat=True))
        return (
            kinds == Counter(EXPECTED_MAIL)
            and not self.mail_rows().exclude(status=SENT).exists()
            and Certificate.objects.count() == 2
            and not Certificate.objects.filter(pdf="").exists()
            and ReportExport.objects.filter(state=ReportExport.State.READY).count() == 1
            and StatementDelivery.objects.exists()
            and not StatementDelivery.objects.exclude(
                state=StatementDelivery.State.SENT
            ).exists()
        )

    def wait_until_drained(self, workers, timeout=DRAIN_SECONDS, since=None):
        """Seconds from `since` (default: now) until everything is done."""
        since = since or time.monotonic()
        deadline = since + timeout
        while not self.drained():
            for worker in workers:
                worker.assert_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"not drained within {timeout} s: {self.state()}")
            time.sleep(0.2)
        return time.monotonic() - since

    def state(self):
        return {
            "mail": list(self.mail_rows().values_list("kind", "status", "attempts")),
            "certificates without PDF": Certificate.objects.filter(pdf="").count(),
            "exports": list(ReportExport.objects.values_list("state", "attempts")),
            "statements": Counter(
                StatementDelivery.objects.values_list("state", flat=True)
            ),
        }

    def assert_each_once(self, smtp_server, repeated=0):
        """Every message of the work arrived once with its row's Message-ID,
        but `repeated` of them twice (with the same Message-ID); every
        statement is in the LRS."""
        arrived = Counter(e.parsed()["Message-ID"] for e in smtp_server.messages)
        expected = {n.message_id: n for n in self.mail_rows()}
        assert set(expected) <= set(arrived), self.state()
        copies = sorted(arrived[message_id] for message_id in expected)
        assert copies == [1] * (len(expected) - repeated) + [2] * repeated, arrived
        for envelope in smtp_server.messages:
            notification = expected.get(envelope.parsed()["Message-ID"])
            if notification is not None:
                assert envelope.rcpt_tos == (notification.recipient.email,)
        in_lrs = self.lrs.statement_ids()
        assert sorted(in_lrs) == sorted(
            str(pk) for pk in Statement.objects.values_list("id", flat=True)
        )
        assert len(in_lrs) == len(set(in_lrs))


def start_pool(workers, **options):
    """A prefork worker with two pool processes and the test leases."""
    return workers.start(
        pool="prefork",
        concurrency=2,
        module_attributes={**LEASES, **options.pop("module_attributes", {})},
        **options,
    )


# --- Killed ---------------------------------------------------------------------


def test_a_pool_process_killed_mid_send_repeats_only_that_message(
    celery_workers, smtp_server, workload, tmp_path
):
    marker = tmp_path / "killed"
    # SIGKILL of the pool process, between the relay's "250" and the note of
    # it: the one window in which a message can go twice.
    worker = start_pool(
        celery_workers,
        env={"KOMPETENS_CRASH_AT": "after_smtp", "KOMPETENS_CRASH_MARKER": str(marker)},
    )
    celery_workers.start_beat(tmp_path, every_seconds=BEAT)
    workload.start()

    workload.wait_until_drained([worker])
    assert marker.exists()
    assert "signal 9 (SIGKILL)" in worker.log  # the pool lost a process …
    worker.assert_alive()  # … the worker went on
    workload.assert_each_once(smtp_server, repeated=1)


@pytest.mark.parametrize(
    ("step", "repeated"),
    [
        ("after_claim", 0),  # claimed, not sent: sent once, after the claim lease
        ("after_smtp", 1),  # the relay said "250", nobody noted it: one repeat
        ("after_accept", 0),  # noted in Redis: marked sent, never sent again
    ],
)
def test_the_whole_worker_killed_mid_send_loses_nothing(
    celery_workers, smtp_server, workload, tmp_path, step, repeated
):
    marker = tmp_path / "paused"
    worker = start_pool(
        celery_workers,
        env={
            "KOMPETENS_CRASH_AT": step,
            "KOMPETENS_CRASH_MARKER": str(marker),
            "KOMPETENS_CRASH_ACTION": "pause",
        },
    )
    celery_workers.start_beat(tmp_path, every_seconds=BEAT)
    workload.start()
    wait_for_pause(marker)
    worker.kill_all()  # master and pool processes at once: a power cut
    killed_at = time.monotonic()
    (tmp_path / "paused.go").touch()

    # A new worker; the broker's copy of the killed worker's tasks stays
    # unacknowledged for its visibility timeout (an hour): the sweeps, not
    # the broker, bring the work back.
    restarted = celery_workers.restart(worker)
    drained_in = workload.wait_until_drained([restarted], since=killed_at)
    assert drained_in < DRAIN_SECONDS
    workload.assert_each_once(smtp_server, repeated=repeated)


def wait_for_pause(marker, timeout=60):
    """The worker's database backend pid, once it paused at the crash point."""
    deadline = time.monotonic() + timeout
    while not (marker.exists() and marker.read_text()):
        assert time.monotonic() < deadline, "the worker never reached the step"
        time.sleep(0.05)
    return int(marker.read_text())


# --- The relay ---------------------------------------------------------------------


def test_the_relay_down_for_a_day_then_back_delivers_everything_once(
    celery_workers, smtp_server, workload, tmp_path
):
    """Simulated time: the retry period of 72 hours is 30 seconds here, so a
    day is 10 seconds (and the backoff's hour one second)."""
    smtp_server.stop()
    worker = start_pool(celery_workers, env={"EMAIL_RETRY_HOURS": str(30 / 3600)})
    celery_workers.start_beat(tmp_path, every_seconds=BEAT)
    workload.start()
    down_since = time.monotonic()

    # Every message tried and deferred, some several times; the rest of the
    # work (PDFs, the export, the LRS) does not wait for the relay.
    deadline = time.monotonic() + 60
    while not (
        workload.mail_rows().count() == sum(EXPECTED_MAIL.values())
        and workload.mail_rows().filter(attempts__gte=3).exists()
        and not workload.mail_rows().filter(attempts=0).exists()
    ):
        assert time.monotonic() < deadline, workload.state()
        time.sleep(0.2)
    time.sleep(max(0, down_since + 10 - time.monotonic()))  # a whole "day"
    assert not workload.mail_rows().filter(status=SENT).exists()
    assert not workload.mail_rows().filter(status=FAILED).exists()

    smtp_server.start_again()
    back_at = time.monotonic()
    drained_in = workload.wait_until_drained([worker], since=back_at)
    # The first message through marks the relay as back: everything waiting
    # goes at the next hand-out, not at each one's next retry.
    assert drained_in < DRAIN_SECONDS
    workload.assert_each_once(smtp_server)
    assert not Notification.objects.filter(status=FAILED).exists()


def test_a_relay_down_for_longer_than_the_retry_period_gives_up_once_with_one_alert(
    celery_workers, smtp_server, workload, tmp_path, client
):
    hr = make_staff("hr-admin", hr_role="central")
    hr.groups.add(ensure_hr_admin_group())
    smtp_server.stop()
    # The retry period (72 hours in production) is 4 seconds here; what is
    # given up within 8 seconds of the first is in one alert (10 minutes).
    worker = start_pool(
        celery_workers,
        env={"EMAIL_RETRY_HOURS": str(4 / 3600)},
        module_attributes={"notifications.sender.ALERT_GATHER": 8},
    )
    celery_workers.start_beat(tmp_path, every_seconds=BEAT)
    workload.start()

    deadline = time.monotonic() + 60
    while not Notification.objects.filter(
        kind=Notification.Kind.DELIVERY_ALERT
    ).exists():
        assert time.monotonic() < deadline, workload.state()
        time.sleep(0.2)
    time.sleep(3 * BEAT)  # more hand-outs: nothing given up twice, no second alert
    given_up = workload.mail_rows()
    assert given_up.count() == sum(EXPECTED_MAIL.values())
    assert set(given_up.values_list("status", flat=True)) == {FAILED}
    assert given_up.filter(alerted_at__isnull=True).count() == 0
    (alert,) = Notification.objects.filter(kind=Notification.Kind.DELIVERY_ALERT)
    assert alert.recipient == hr
    assert alert.data["counts"] == {str(k): v for k, v in EXPECTED_MAIL.items()}
    # The alert is not given up while the relay is down: it waits for it.
    assert alert.status == Notification.Status.PENDING

    smtp_server.start_again()
    smtp_server.wait_for(1, timeout=DRAIN_SECONDS)
    time.sleep(3 * BEAT)
    (message,) = smtp_server.messages  # the alert, and nothing else
    assert message.rcpt_tos == (hr.email,)
    assert message.parsed()["Message-ID"] == alert.message_id
    assert "7" in message.parsed()["Subject"]

    # HR sends them again from the admin: each arrives once.
    client.force_login(hr)
    page = client.get(reverse("messages_given_up"))
    assert page.status_code == 200 and b"data-send-all" in page.content
    response = client.post(reverse("messages_send_again"))
    assert response.status_code == 302
    workload.wait_until_drained([worker])
    smtp_server.wait_for(1 + sum(EXPECTED_MAIL.values()))
    workload.assert_each_once(smtp_server)
    assert (
        Notification.objects.filter(kind=Notification.Kind.DELIVERY_ALERT).count() == 1
    )


# --- The database -----------------------------------------------------------------


def terminate(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        (done,) = cursor.fetchone()
    return done


@pytest.mark.parametrize(
    "step", ["before_claim", "after_claim", "after_smtp", "after_accept", "after_mark"]
)
def test_the_workers_database_connection_dropped_at_each_step_of_a_send(
    celery_workers, smtp_server, workload, tmp_path, step
):
    marker = tmp_path / "paused"
    worker = celery_workers.start(
        env={
            "KOMPETENS_CRASH_AT": step,
            "KOMPETENS_CRASH_MARKER": str(marker),
            "KOMPETENS_CRASH_ACTION": "pause",
        },
        module_attributes=LEASES,
    )
    celery_workers.start_beat(tmp_path, every_seconds=BEAT)
    workload.start()
    pid = wait_for_pause(marker)
    assert terminate(pid)  # as a failover or a restart of PostgreSQL does
    (tmp_path / "paused.go").touch()

    workload.wait_until_drained([worker])
    workload.assert_each_once(smtp_server)
    if step in ("after_smtp", "after_accept"):
        # Marked sent on a new connection, not left for a second copy.
        assert "database connection lost; reconnecting" in worker.log


def test_database_connections_dropped_again_and_again_lose_and_repeat_nothing(
    celery_workers, smtp_server, workload, tmp_path
):
    worker = start_pool(celery_workers)
    celery_workers.start_beat(tmp_path, every_seconds=BEAT)
    stop = threading.Event()
    terminated = []
    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("context", None)
    dsn.pop("prepare_threshold", None)

    def drop_connections():
        with psycopg.connect(**dsn, autocommit=True) as own:
            while not stop.wait(0.4):
                rows = own.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND pid <> %s",
                    [test_backend],
                ).fetchall()
                terminated.append(len(rows))

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (test_backend,) = cursor.fetchone()
    chaos = threading.Thread(target=drop_connections, daemon=True)
    chaos.start()
    try:
        workload.start()
        time.sleep(8)
    finally:
        stop.set()
        chaos.join(10)
    assert sum(terminated) > 5, terminated  # it really happened, often

    workload.wait_until_drained([worker])
    workload.assert_each_once(smtp_server)


# --- The broker -------------------------------------------------------------------


def test_the_broker_killed_and_restarted_empty_loses_nothing(
    broker_celery_workers, smtp_server, workload, tmp_path
):
    workers, broker = broker_celery_workers
    # The morning's work is handed out while no worker runs: every task is
    # waiting in the broker when it dies.
    workload.start()
    handed_out = sending.sweep(timezone.localdate().isoformat())
    assert handed_out >= 3
    assert broker.client().llen(workers.queue) > 0
    broker.kill()
    broker.start()  # empty
    restarted_at = time.monotonic()
    assert broker.client().dbsize() == 0

    worker = start_pool(workers)
    workers.start_beat(tmp_path, every_seconds=BEAT)
    drained_in = workload.wait_until_drained([worker], since=restarted_at)
    assert drained_in < DRAIN_SECONDS
    workload.assert_each_once(smtp_server)


# --- Beat ------------------------------------------------------------------------


def test_two_beats_and_two_workers_do_everything_once(
    celery_workers, smtp_server, workload, tmp_path
):
    workers = [start_pool(celery_workers), start_pool(celery_workers)]
    beats = [
        celery_workers.start_beat(tmp_path, every_seconds=BEAT),
        celery_workers.start_beat(tmp_path, every_seconds=BEAT),
    ]
    workload.start()
    workload.wait_until_drained(workers)
    time.sleep(3 * BEAT)  # more doubled sweeps after the work is done
    for beat in beats:
        assert beat.sent("notifications.hand_out") >= 3, beat.log
        assert beat.sent("reminders.sweep_reminders") >= 3, beat.log
    workload.assert_each_once(smtp_server)
    assert set(workload.mail_rows().values_list("attempts", flat=True)) == {1}
