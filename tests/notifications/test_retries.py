"""Retrying like a mail server, against the real SMTP server (aiosmtpd): the
schedule after a failure, a day-long outage, an outage longer than the retry
period (given up, one alert per HR administrator, sent again), and the
relay's answers (5xx refuses for good, 4xx for now).

The clock is time_machine's, moved minute by minute as beat would call the
hand-out; the relay is down while the server is stopped (connections
refused) and back after `start_again()`.
"""

import smtplib
from datetime import timedelta

import pytest
import time_machine

from notifications import sender
from notifications.models import Notification
from organisation.invitations import invitation_key
from tests.factories import UserFactory, make_staff
from tests.helpers import make_two_administrations
from tests.notifications.support import T0, invitation, message_ids

pytestmark = pytest.mark.django_db

Status = Notification.Status
Kind = Notification.Kind
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def minutes(*values):
    return [timedelta(minutes=value) for value in values]


def plain_text(received):
    return received.parsed().get_body(preferencelist=("plain",)).get_content()


def invite_all(people):
    """Invitations as an HR import writes them (handed out by the sweep)."""
    sender.record_many(
        [(invitation_key(p.pk), Kind.INVITATION, p.pk, {}) for p in people]
    )
    return Notification.objects.filter(kind=Kind.INVITATION)


def hand_out_every(clock, start, until, step=MINUTE, callbacks=None):
    """Beat: a hand-out every `step` from `start` to `until` (inclusive); the
    on-commit sends of what they write (alerts) run when `callbacks`, the
    on-commit capture fixture, is given."""
    moment = start
    while moment <= until:
        clock.move_to(moment)
        if callbacks is None:
            sender.hand_out()
        else:
            with callbacks(execute=True):
                sender.hand_out()
        moment += step


# --- The schedule --------------------------------------------------------------


def test_a_message_the_relay_cannot_take_is_tried_again_on_a_doubling_schedule(smtp):
    person = UserFactory()
    smtp.stop()
    with time_machine.travel(T0, tick=False) as clock:
        row = invitation(person)
        assert sender.send_messages([row.pk]) == {"relay unavailable": 1}
        row.refresh_from_db()
        assert row.status == Status.PENDING
        assert row.next_attempt_at == T0 + MINUTE
        assert row.first_failed_at == T0
        assert "Connection refused" in row.last_error
        assert row.attempts == 1

        # Not before its time, whoever asks.
        clock.move_to(T0 + MINUTE - SECOND)
        assert not sender.claim(row.pk)
        assert sender.send_one(row.pk) == "claimed elsewhere"

        waits = []
        for _ in range(8):
            clock.move_to(row.next_attempt_at)
            tried_at = row.next_attempt_at
            assert sender.send_one(row.pk) == "relay unavailable"
            row.refresh_from_db()
            waits.append(row.next_attempt_at - tried_at)
        assert waits == minutes(2, 4, 8, 16, 32, 60, 60, 60)
        assert row.first_failed_at == T0  # the retry period runs from the first
        assert row.attempts == 9
        # Hourly however often it was tried (probes count): no overflow.
        assert sender.backoff(500) == timedelta(hours=1)

        smtp.start_again()
        clock.move_to(row.next_attempt_at)
        assert sender.send_one(row.pk) == "sent"
    assert message_ids(smtp) == [row.message_id]
    row.refresh_from_db()
    assert (row.status, row.next_attempt_at, row.last_error) == (Status.SENT, None, "")


def failing_since_t0(person, next_attempt_at):
    """A message the relay has not taken since T0, tried hourly."""
    return Notification.objects.create(
        key=invitation_key(person.pk),
        kind=Kind.INVITATION,
        recipient=person,
        attempts=70,
        first_failed_at=T0,
        claimed_at=next_attempt_at - timedelta(hours=1),
        next_attempt_at=next_attempt_at,
        last_error="ConnectionRefusedError(111, 'Connection refused')",
    )


def test_a_message_waiting_at_the_end_of_the_retry_period_is_given_up_once(
    settings, mailoutbox
):
    period = timedelta(hours=settings.EMAIL_RETRY_HOURS)
    assert period == timedelta(hours=72)  # the default: three days
    row = failing_since_t0(UserFactory(), next_attempt_at=T0 + period + 30 * MINUTE)
    with time_machine.travel(T0 + period - SECOND, tick=False):
        sender.hand_out()
    row.refresh_from_db()
    assert (row.status, row.given_up_at) == (Status.PENDING, None)

    given_up_at = T0 + period + SECOND
    with time_machine.travel(given_up_at, tick=False) as clock:
        assert sender.hand_out() == 0  # given up, not tried again
        clock.move_to(given_up_at + timedelta(hours=2))
        sender.hand_out()
        assert sender.give_up_expired() == 0
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.given_up_at == given_up_at  # once
    assert row.next_attempt_at is None
    assert row.attempts == 70
    assert mailoutbox == []


def test_a_message_failing_again_after_the_retry_period_is_given_up_once(
    smtp, settings
):
    smtp.stop()
    period = timedelta(hours=settings.EMAIL_RETRY_HOURS)
    row = failing_since_t0(UserFactory(), next_attempt_at=T0 + period)
    with time_machine.travel(T0 + period, tick=False) as clock:
        assert sender.hand_out() == 1  # tried: its time has come
        row.refresh_from_db()
        assert row.status == Status.FAILED
        assert row.given_up_at == T0 + period
        assert row.attempts == 71
        assert "Connection refused" in row.last_error
        clock.move_to(T0 + period + timedelta(hours=1))
        assert sender.hand_out() == 0
        assert sender.send_one(row.pk) == "nothing to do"
    row.refresh_from_db()
    assert row.given_up_at == T0 + period
    assert row.attempts == 71


# --- Outages -------------------------------------------------------------------


def test_after_a_day_long_outage_every_message_is_delivered_once(smtp):
    people = [UserFactory() for _ in range(6)]
    smtp.stop()
    day_later = T0 + timedelta(days=1)
    with time_machine.travel(T0, tick=False) as clock:
        rows = invite_all(people)
        # Each minute while the backoff grows, then (to keep the test quick)
        # every five: the probe's own period.
        hour = T0 + timedelta(hours=1)
        hand_out_every(clock, T0, hour - MINUTE)
        hand_out_every(clock, hour, day_later - MINUTE, step=sender.PROBE_EVERY)
        assert smtp.messages == []
        assert set(rows.values_list("status", flat=True)) == {Status.PENDING}
        assert not rows.filter(first_failed_at=None).exists()
        # The relay was not hammered: backoff, plus one probe every 5 minutes.
        tries = sum(rows.values_list("attempts", flat=True))
        assert tries <= len(people) * (6 + 24) + 24 * 60 / 5

        smtp.start_again()
        moment = day_later
        while not smtp.messages:
            assert moment < day_later + sender.PROBE_EVERY + MINUTE, "no probe"
            clock.move_to(moment)
            sender.hand_out()
            moment += MINUTE
        # The first one through tells the next hand-out the relay is back:
        # everything waiting goes then, not at its next hourly try.
        waiting = rows.filter(status=Status.PENDING)
        assert waiting.exists()
        assert not waiting.filter(next_attempt_at__lte=moment).exists()
        clock.move_to(moment)
        sender.hand_out()
        assert not rows.exclude(status=Status.SENT).exists()

        # And nothing is sent again afterwards.
        hand_out_every(clock, moment + MINUTE, moment + timedelta(hours=2))
    assert sorted(message_ids(smtp)) == sorted(row.message_id for row in rows)
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
        p.email for p in people
    )


@pytest.fixture
def org(db):
    org = make_two_administrations()
    org["anders"] = make_staff("anders", unit=org["a1"])
    profile = org["coord_a"].staff_profile
    profile.preferred_language = "en"
    profile.save()
    return org


def test_an_outage_longer_than_the_retry_period_alerts_each_administrator_once(
    smtp, settings, org, django_capture_on_commit_callbacks
):
    """Given up after the (shortened) retry period; one alert to each HR
    administrator with the counts in their scope, in their language,
    delivered once the relay is back; sent again, each delivered once."""
    settings.EMAIL_RETRY_HOURS = 2
    period = timedelta(hours=2)
    people = [org["alma"], org["anders"], org["bertil"]]
    smtp.stop()
    with time_machine.travel(T0, tick=False) as clock:
        rows = invite_all(people)
        end = T0 + period + sender.ALERT_GATHER + timedelta(minutes=5)
        hand_out_every(clock, T0, end, callbacks=django_capture_on_commit_callbacks)
        assert set(rows.values_list("status", flat=True)) == {Status.FAILED}
        given_up = rows.values_list("given_up_at", flat=True)
        assert max(given_up) - min(given_up) < sender.ALERT_GATHER
        assert not rows.filter(alerted_at=None).exists()
        alerts = Notification.objects.filter(kind=Kind.DELIVERY_ALERT)
        # Written, and waiting for the relay like any message.
        assert {row.recipient.username: row.data["counts"] for row in alerts} == {
            "central": {"invitation": 3},
            "coord-a": {"invitation": 2},
            "coord-b": {"invitation": 1},
        }
        assert smtp.messages == []

        smtp.start_again()
        back = end + MINUTE
        hand_out_every(
            clock,
            back,
            back + timedelta(minutes=30),
            callbacks=django_capture_on_commit_callbacks,
        )
        assert alerts.count() == 3  # no second alert
        assert set(alerts.values_list("status", flat=True)) == {Status.SENT}
        assert len(smtp.messages) == 3
        received = {m.rcpt_tos[0]: m for m in smtp.messages}
        assert sorted(received) == sorted(
            org[name].email for name in ("central", "coord_a", "coord_b")
        )
        in_english = received[org["coord_a"].email]
        assert in_english.parsed()["Subject"] == (
            "Kompetens: 2 messages could not be delivered"
        )
        assert "- Invitation: 2" in plain_text(in_english)
        assert "- Inbjudan: 1" in plain_text(received[org["coord_b"].email])
        in_swedish = received[org["central"].email]
        assert in_swedish.parsed()["Subject"] == (
            "Kompetens: 3 meddelanden kunde inte levereras"
        )
        assert "- Inbjudan: 3" in plain_text(in_swedish)

        with django_capture_on_commit_callbacks(execute=True):
            assert sender.send_again(rows.all()) == 3
        assert set(rows.values_list("status", flat=True)) == {Status.SENT}
        hand_out_every(clock, back + 31 * MINUTE, back + timedelta(hours=1))
    addresses = {person.email for person in people}
    invitations = [m for m in smtp.messages if m.rcpt_tos[0] in addresses]
    assert sorted(m.parsed()["Message-ID"] for m in invitations) == sorted(
        row.message_id for row in rows
    )
    assert len(smtp.messages) == 3 + 3
    assert alerts.count() == 3


# --- The relay's answers -------------------------------------------------------


def test_a_recipient_refused_for_good_is_given_up_at_once_and_in_the_alert(
    smtp, org, django_capture_on_commit_callbacks
):
    smtp.rcpt_reply = "550 5.1.1 <alma@example.se>: Recipient address rejected"
    with time_machine.travel(T0, tick=False) as clock:
        row = invitation(org["alma"])
        assert sender.send_messages([row.pk]) == {"given up": 1}
        row.refresh_from_db()
        assert row.status == Status.FAILED
        assert row.given_up_at == T0
        assert row.next_attempt_at is None
        assert "550" in row.last_error
        assert smtp.messages == []
        smtp.rcpt_reply = None

        # Told about once the messages given up together are gathered.
        clock.move_to(T0 + sender.ALERT_GATHER - SECOND)
        with django_capture_on_commit_callbacks(execute=True):
            sender.hand_out()
        assert smtp.messages == []
        clock.move_to(T0 + sender.ALERT_GATHER)
        with django_capture_on_commit_callbacks(execute=True):
            sender.hand_out()
        clock.move_to(T0 + sender.ALERT_GATHER + timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            sender.hand_out()
    # Alma is in Alfa: Beta's coordinator is not told.
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
        [org["central"].email, org["coord_a"].email]
    )
    alerts = Notification.objects.filter(kind=Kind.DELIVERY_ALERT)
    assert [alert.data["counts"] for alert in alerts] == [{"invitation": 1}] * 2
    row.refresh_from_db()
    assert row.alerted_at == T0 + sender.ALERT_GATHER


def test_a_recipient_refused_for_now_is_tried_again_at_its_time(smtp):
    person = UserFactory()
    smtp.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    with time_machine.travel(T0, tick=False) as clock:
        row = invitation(person)
        assert sender.send_messages([row.pk]) == {"deferred": 1}
        row.refresh_from_db()
        assert (row.status, row.next_attempt_at) == (Status.PENDING, T0 + MINUTE)
        assert "451" in row.last_error
        smtp.rcpt_reply = None
        # The relay answers: no probe, the message waits for its time.
        clock.move_to(T0 + MINUTE - SECOND)
        assert sender.hand_out() == 0
        assert smtp.messages == []
        clock.move_to(T0 + MINUTE)
        assert sender.hand_out() == 1
    assert message_ids(smtp) == [row.message_id]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


@pytest.mark.parametrize(
    ("error", "transient", "relay_down"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True, True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True, True),
        (smtplib.SMTPResponseException(421, b"Service not available"), True, True),
        (smtplib.SMTPAuthenticationError(535, b"Authentication failed"), True, True),
        (smtplib.SMTPResponseException(452, b"Insufficient storage"), True, False),
        (smtplib.SMTPRecipientsRefused({"a@x.se": (451, b"Greylisted")}), True, False),
        (
            smtplib.SMTPRecipientsRefused({"a@x.se": (550, b"No such user")}),
            False,
            False,
        ),
        (smtplib.SMTPResponseException(554, b"Transaction failed"), False, False),
        (ValueError("a bug in a composer"), False, False),
    ],
)
def test_which_failures_are_retried_and_which_stop_the_chunk(
    error, transient, relay_down
):
    """Retried: what the relay may get over, and our credentials (a setting
    to put right). The rest of a chunk waits only when the relay itself is
    unreachable or refuses everything."""
    assert sender.is_transient(error) is transient
    assert sender.relay_unavailable(error) is relay_down
