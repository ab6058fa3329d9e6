"""The delivery log in-process: writing messages (`record`), the claim, the
relay's acceptance note, a dropped database connection, the hand-out and
what it costs in queries.

Task bodies run in this process (Celery eager): a hand-out sends what it
hands out at once. Where the relay's behaviour matters the relay is the real
aiosmtpd server (`smtp`); elsewhere Django's locmem outbox. The retry
schedule, outages and the alert are in test_retries.py.
"""

import threading
from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from learners import actions
from learners.emails import completion_key
from learners.models import Enrolment
from notifications import sender
from notifications.models import Notification
from organisation.invitations import invitation_key
from reminders.models import ReminderPolicy
from tests.factories import UserFactory
from tests.notifications.support import T0, invitation, message_ids

pytestmark = pytest.mark.django_db

Status = Notification.Status
SECOND = timedelta(seconds=1)


class WorkerDied(BaseException):
    """A worker killed mid-send: not an Exception, so the sender's own error
    handling never sees it."""


def die_at(point_name):
    def crash_point(name):
        if name == point_name:
            raise WorkerDied(name)

    return crash_point


def task_names(callbacks):
    return [callback.func.__self__.name for callback in callbacks]


def bulk_invitations(person, count, prefix="bulk"):
    """`count` messages of a kind that needs nothing but its recipient."""
    sender.record_many(
        [
            (f"{prefix}:{n}", Notification.Kind.INVITATION, person.pk, {})
            for n in range(count)
        ]
    )
    return list(
        Notification.objects.filter(key__startswith=f"{prefix}:")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- Writing messages to the log ---------------------------------------------


def test_a_message_is_written_in_the_callers_transaction_and_sent_on_commit(
    django_capture_on_commit_callbacks,
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = invitation(person)
            assert Notification.objects.get(pk=row.pk).status == Status.PENDING
            assert row.enqueued_at is not None  # the hand-out leaves it alone
        assert mail.outbox == []  # nothing before the commit
    assert task_names(callbacks) == ["notifications.send_messages"]
    [message] = mail.outbox
    assert message.to == [person.email]
    assert message.extra_headers["Message-ID"] == row.message_id
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.subject == message.subject
    assert row.attempts == 1


def test_nothing_is_written_or_sent_when_the_callers_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    class Rollback(Exception):
        pass

    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            invitation(person)
            raise Rollback
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_second_record_with_the_same_key_changes_nothing(
    django_capture_on_commit_callbacks,
):
    alice, bob = UserFactory(), UserFactory()
    with time_machine.travel(T0, tick=False):
        first = sender.record(
            key="same-key",
            kind=Notification.Kind.INVITATION,
            recipient=alice,
            data={"first": 1},
        )
    Notification.objects.filter(pk=first.pk).update(status=Status.SENT, sent_at=T0)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = sender.record(
            key="same-key",
            kind=Notification.Kind.COURSE_COMPLETED,
            recipient=bob,
            data={"second": 2},
        )
    assert callbacks == []  # nothing enqueued for it
    assert second.pk == first.pk
    row = Notification.objects.get()
    assert (row.kind, row.recipient_id, row.data) == (
        "invitation",
        alice.pk,
        {"first": 1},
    )
    assert (row.status, row.sent_at, row.enqueued_at) == (Status.SENT, T0, T0)
    assert mail.outbox == []


def test_record_many_writes_only_new_keys_and_hands_them_out_on_commit(
    django_capture_on_commit_callbacks,
):
    people = [UserFactory() for _ in range(3)]
    invitation(people[0])  # already in the log (its own send never fires here)
    rows = [
        (invitation_key(p.pk), Notification.Kind.INVITATION, p.pk, {}) for p in people
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sender.record_many(rows) == 2
    assert task_names(callbacks) == ["notifications.hand_out"]
    # The hand-out sent the two new ones; the first waits for its own lease.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people[1:])
    assert Notification.objects.count() == 3


def test_a_completion_writes_exactly_one_message_naming_the_enrolment(
    learner, course, lessons
):
    for lesson in lessons:
        actions.record_lesson_progress(learner, lesson, completed=True)
    for lesson in lessons:  # done again: no second message
        actions.record_lesson_progress(learner, lesson, completed=True)
    enrolment = Enrolment.objects.get(learner=learner, course=course)
    row = Notification.objects.get()
    assert row.key == completion_key(learner.pk, enrolment.pk)
    assert row.kind == Notification.Kind.COURSE_COMPLETED
    assert row.recipient == learner
    assert row.data == {"enrolment": enrolment.pk}

    assert sender.send_messages([row.pk]) == {"sent": 1}
    [message] = mail.outbox
    assert course.title in message.subject
    assert message.to == [learner.email]


def test_a_completion_undone_before_sending_is_not_sent(learner, course, lessons):
    for lesson in lessons:
        actions.record_lesson_progress(learner, lesson, completed=True)
    Enrolment.objects.update(completed_at=None)
    assert sender.send_messages([Notification.objects.get().pk]) == {"not sent": 1}
    assert mail.outbox == []
    assert Notification.objects.get().status == Status.NOT_SENT


# --- The claim ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_several_claims_at_once_exactly_one_wins():
    """Real concurrency: each thread its own database connection, all
    released together."""
    person = UserFactory()
    row = Notification.objects.create(
        key=invitation_key(person.pk),
        kind=Notification.Kind.INVITATION,
        recipient=person,
    )
    claimers = 6
    start = threading.Barrier(claimers)
    results, errors = [], []

    def claim():
        try:
            start.wait(timeout=10)
            results.append(sender.claim(row.pk))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * (claimers - 1) + [True]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENDING, 1)


def test_a_claim_is_taken_over_only_after_the_claim_lease():
    person = UserFactory()
    row = Notification.objects.create(
        key=invitation_key(person.pk),
        kind=Notification.Kind.INVITATION,
        recipient=person,
        status=Status.SENDING,
        claimed_at=T0,
        attempts=1,
    )
    with time_machine.travel(T0 + sender.CLAIM_LEASE - SECOND, tick=False):
        assert not sender.claim(row.pk)
        assert sender.send_one(row.pk) == "claimed elsewhere"
    assert mail.outbox == []
    retaken_at = T0 + sender.CLAIM_LEASE + SECOND
    with time_machine.travel(retaken_at, tick=False):
        assert sender.claim(row.pk)
    row.refresh_from_db()
    assert (row.status, row.claimed_at, row.attempts) == (
        Status.SENDING,
        retaken_at,
        2,
    )


@pytest.mark.parametrize("status", [Status.SENT, Status.FAILED, Status.NOT_SENT])
def test_a_message_done_with_is_never_claimed(status):
    person = UserFactory()
    row = Notification.objects.create(
        key="done", kind=Notification.Kind.INVITATION, recipient=person, status=status
    )
    assert not sender.claim(row.pk)
    assert sender.send_one(row.pk) == "nothing to do"
    assert mail.outbox == []


def test_a_message_the_relay_accepted_is_marked_sent_and_not_sent_again(
    smtp, monkeypatch
):
    """The worker died between noting the relay's "250" and marking the row:
    the one that takes the claim over marks it sent and sends nothing."""
    person = UserFactory()
    with time_machine.travel(T0, tick=False):
        row = invitation(person)
        with monkeypatch.context() as patch:
            patch.setattr(sender, "crash_point", die_at("after_accept"))
            with pytest.raises(WorkerDied):
                sender.send_messages([row.pk])
    assert len(smtp.messages) == 1
    row.refresh_from_db()
    assert row.status == Status.SENDING

    with time_machine.travel(T0 + sender.CLAIM_LEASE + SECOND, tick=False):
        assert sender.hand_out() == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 1  # marked, not claimed and sent again
    assert len(smtp.messages) == 1


def test_a_message_lost_before_its_acceptance_was_noted_is_resent_with_its_message_id(
    smtp, monkeypatch
):
    """The one window for a repeat: the relay said "250" and the worker died
    before it could note it. The resend carries the same Message-ID, so the
    recipient's mail system can tell it is the same message."""
    person = UserFactory()
    with time_machine.travel(T0, tick=False):
        row = invitation(person)
        with monkeypatch.context() as patch:
            patch.setattr(sender, "crash_point", die_at("after_smtp"))
            with pytest.raises(WorkerDied):
                sender.send_messages([row.pk])
    with time_machine.travel(T0 + sender.CLAIM_LEASE + SECOND, tick=False):
        assert sender.send_messages([row.pk]) == {"sent": 1}
    assert message_ids(smtp) == [row.message_id, row.message_id]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_marking_sent_survives_a_dropped_database_connection(smtp, monkeypatch):
    """The relay has taken the message and the database connection dies (a
    failover): the sender reconnects and marks it sent, and nothing is sent
    twice. Transactional: inside an atomic block Django may not reconnect."""
    person = UserFactory()
    row = Notification.objects.create(
        key=invitation_key(person.pk),
        kind=Notification.Kind.INVITATION,
        recipient=person,
    )
    params = connection.settings_dict
    killed = []

    def terminate_own_backend(name):
        if name != "after_accept":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        with psycopg.connect(
            dbname=params["NAME"],
            user=params["USER"],
            password=params["PASSWORD"] or None,
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            autocommit=True,
        ) as other:
            # Wait (up to 5 s) until the backend is really gone.
            (done,) = other.execute(
                "SELECT pg_terminate_backend(%s, 5000)", [pid]
            ).fetchone()
        assert done
        killed.append(pid)

    monkeypatch.setattr(sender, "crash_point", terminate_own_backend)
    assert sender.send_messages([row.pk]) == {"sent": 1}
    assert len(killed) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != killed[0]  # a new connection marked it
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.sent_at is not None
    assert message_ids(smtp) == [row.message_id]


# --- Handing out ---------------------------------------------------------------


def test_a_message_handed_out_is_handed_out_again_only_after_the_enqueue_lease():
    """Its task was lost (a broker restarted empty): the next hand-outs leave
    it alone for ENQUEUE_LEASE, then hand it out again."""
    person = UserFactory()
    with time_machine.travel(T0, tick=False):
        row = invitation(person)  # its on-commit send never fires here: lost
    assert row.enqueued_at == T0
    with time_machine.travel(T0 + sender.ENQUEUE_LEASE - SECOND, tick=False):
        assert sender.hand_out() == 0
    assert mail.outbox == []
    with time_machine.travel(T0 + sender.ENQUEUE_LEASE + SECOND, tick=False):
        assert sender.hand_out() == 1
    assert [m.to for m in mail.outbox] == [[person.email]]
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_a_message_whose_sender_died_is_handed_out_after_the_claim_lease():
    person = UserFactory()
    row = Notification.objects.create(
        key=invitation_key(person.pk),
        kind=Notification.Kind.INVITATION,
        recipient=person,
        status=Status.SENDING,
        claimed_at=T0,
        enqueued_at=T0,
        attempts=1,
    )
    # Past the enqueue lease, but the claim may still be sending.
    with time_machine.travel(T0 + sender.ENQUEUE_LEASE + SECOND, tick=False):
        assert sender.hand_out() == 0
    with time_machine.travel(T0 + sender.CLAIM_LEASE + SECOND, tick=False):
        assert sender.hand_out() == 1
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


def test_hand_out_gives_the_workers_chunks_of_send_chunk(smtp):
    """With the relay down each chunk stops at its first message and gives
    the rest back: exactly one message per chunk was tried."""
    smtp.stop()
    person = UserFactory()
    ids = bulk_invitations(person, 2 * sender.SEND_CHUNK + 1)
    with time_machine.travel(T0, tick=False):
        assert sender.hand_out() == len(ids)
    tried = list(
        Notification.objects.filter(attempts=1)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert tried == [ids[0], ids[sender.SEND_CHUNK], ids[2 * sender.SEND_CHUNK]]
    waiting = Notification.objects.exclude(pk__in=tried)
    assert set(waiting.values_list("status", "attempts", "enqueued_at")) == {
        (Status.PENDING, 0, None)  # back to the pile for the next hand-out
    }
    assert smtp.messages == []


@pytest.fixture
def reminder_rules(db):
    rules = ReminderPolicy.load()
    rules.rate_per_minute = 3
    rules.save()
    return rules


def reminder_messages(person, count):
    # No items: composed to nothing (NOT_SENT), which is all a hand-out test needs.
    Notification.objects.bulk_create(
        Notification(
            key=f"reminders:{n}", kind=Notification.Kind.REMINDERS, recipient=person
        )
        for n in range(count)
    )
    return Notification.objects.filter(kind=Notification.Kind.REMINDERS)


def test_a_rate_limited_kind_is_handed_out_at_its_rate_per_minute(reminder_rules):
    person = UserFactory()
    reminders = reminder_messages(person, 5)
    with time_machine.travel(T0, tick=False):
        assert sender.hand_out() == 3
    assert reminders.filter(enqueued_at=T0).count() == 3
    assert reminders.filter(status=Status.PENDING, enqueued_at=None).count() == 2
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert sender.hand_out() == 2
    assert not reminders.filter(status=Status.PENDING).exists()
    assert reminders.filter(attempts=1).count() == 5  # each tried once


def test_outside_its_sending_window_a_kind_is_not_handed_out(reminder_rules):
    person, invitee = UserFactory(), UserFactory()
    reminders = reminder_messages(person, 2)
    sender.record_many([(invitation_key(invitee.pk), "invitation", invitee.pk, {})])
    evening = T0.replace(hour=19)  # 20:00 in Stockholm
    with time_machine.travel(evening, tick=False):
        assert sender.hand_out() == 1  # the invitation: it has no window
        assert sender.send_one(reminders.first().pk) == "outside the sending window"
    assert [m.to for m in mail.outbox] == [[invitee.email]]
    assert set(reminders.values_list("status", "enqueued_at", "attempts")) == {
        (Status.PENDING, None, 0)
    }


# --- What it costs -------------------------------------------------------------


def test_a_hand_out_reads_the_same_queries_whatever_the_number_of_messages(
    smtp, django_assert_max_num_queries
):
    """Relay down: one message of the chunk is tried, the rest given back, so
    what is counted is the hand-out itself."""
    smtp.stop()
    person = UserFactory()
    bulk_invitations(person, 2, prefix="few")
    with time_machine.travel(T0, tick=False), CaptureQueriesContext(connection) as few:
        assert sender.hand_out() == 2
    Notification.objects.all().delete()
    cache.clear()  # the relay as it was before the first hand-out
    bulk_invitations(person, sender.SEND_CHUNK, prefix="many")
    with (
        time_machine.travel(T0, tick=False),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        assert sender.hand_out() == sender.SEND_CHUNK


def test_sending_costs_a_bounded_number_of_queries_per_message(
    django_assert_max_num_queries,
):
    person = UserFactory()
    [one] = bulk_invitations(person, 1, prefix="one")
    with CaptureQueriesContext(connection) as single:
        assert sender.send_messages([one]) == {"sent": 1}
    per_message = len(single.captured_queries)
    assert per_message <= 4  # read, claim, mark sent (+ the kind's own read)
    ten = bulk_invitations(person, 10, prefix="ten")
    with django_assert_max_num_queries(10 * per_message):
        assert sender.send_messages(ten) == {"sent": 10}
    assert len(mail.outbox) == 11
