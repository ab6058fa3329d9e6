"""Delivery of the outbox: what each answer of an LRS leads to.

These tests use httpx's MockTransport, because a real LRS (Ralph, in
tests/integration/test_xapi_ralph.py) cannot be made to answer 429 with
Retry-After, 500, a timeout, or reject one statement of a batch with 400 or
409 on demand. Everything else here is real: PostgreSQL, the row locks, the
transactions.
"""

import base64
import json
import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from xapi import alerts, delivery, outbox
from xapi.models import LrsDestination, LrsRequest, Statement, StatementDelivery
from xapi.statements import statement_id

# Transactional: the concurrency test needs real commits between threads.
# serialized_rollback, as every transactional test here: see tests/conftest.py.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

State = StatementDelivery.State


def fake_statement(n):
    return {
        "id": str(statement_id("test", n)),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:8000", "name": f"x{n:04d}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"objectType": "Activity", "id": f"http://localhost:8000/a/{n}"},
        "timestamp": "2026-11-27T10:00:00.000Z",
    }


@pytest.fixture(autouse=True)
def _flush_only_when_the_test_says(db):
    """Recording statements queues a flush on commit, which (Celery eager in
    unit tests) would send them at once through a real client. The flag that
    says "a flush is already queued" keeps that from happening: each test
    flushes itself, through its MockTransport."""
    cache.set(outbox.FLUSH_FLAG, 1, timeout=None)
    yield
    cache.delete(outbox.FLUSH_FLAG)


@pytest.fixture
def destination(db):
    return LrsDestination.objects.create(
        name="Stadens LRS",
        endpoint="https://lrs.test/xAPI/",
        username="kompetens",
        password="hemligt-lösenord",
        batch_size=8,
    )


def fill(count, start=0):
    outbox.record([fake_statement(n) for n in range(start, start + count)])
    return [str(statement_id("test", n)) for n in range(start, start + count)]


class FakeLrs:
    """A handler for MockTransport: answers by a rule, records what came."""

    def __init__(self, rule=None):
        self.rule = rule or (lambda ids: httpx.Response(200, json=ids))
        self.requests = []  # [ids]
        self.headers = []
        self.bodies = []

    def __call__(self, request):
        body = request.content.decode()
        statements = json.loads(body)
        ids = [statement["id"] for statement in statements]
        self.requests.append(ids)
        self.headers.append(request.headers)
        self.bodies.append(body)
        return self.rule(ids)

    def client(self):
        return delivery.make_client(transport=httpx.MockTransport(self))


def states():
    return dict(
        StatementDelivery.objects.values_list("statement_id", "state").order_by()
    )


def test_a_batch_is_sent_exactly_as_stored_with_version_and_auth(destination):
    ids = fill(5)
    lrs = FakeLrs()
    counts = delivery.flush_destination(destination.pk, client=lrs.client())
    assert counts["sent"] == 5 and counts["requests"] == 1
    assert lrs.requests == [ids]
    stored = [Statement.objects.get(pk=pk).payload for pk in ids]  # in recording order
    assert lrs.bodies[0] == "[" + ",".join(stored) + "]"
    headers = lrs.headers[0]
    assert headers["X-Experience-API-Version"] == "1.0.3"
    expected = base64.b64encode("kompetens:hemligt-lösenord".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"
    assert set(states().values()) == {State.SENT}
    log = LrsRequest.objects.get()
    assert (log.statements, log.status) == (5, 200)
    # Flushing again sends nothing.
    assert (
        delivery.flush_destination(destination.pk, client=lrs.client())["requests"] == 0
    )


def test_batches_follow_the_configured_size(destination):
    fill(20)
    lrs = FakeLrs()
    delivery.flush_destination(destination.pk, client=lrs.client())
    assert [len(ids) for ids in lrs.requests] == [8, 8, 4]


@pytest.mark.parametrize("status", [400, 413])
def test_a_bad_statement_in_a_batch_is_found_by_halving_and_the_rest_are_sent(
    destination, status
):
    ids = fill(8)
    bad = ids[5]

    def rule(sent):
        if bad in sent:
            return httpx.Response(status, json={"detail": "object.id is not an IRI"})
        return httpx.Response(200, json=sent)

    lrs = FakeLrs(rule)
    counts = delivery.flush_destination(destination.pk, client=lrs.client())
    assert counts["sent"] == 7 and counts["refused"] == 1
    assert {pk for pk, state in states().items() if state == State.DEAD} == {
        uuid.UUID(bad)
    }
    dead = StatementDelivery.objects.get(state=State.DEAD)
    assert str(status) in dead.last_error and "not an IRI" in dead.last_error
    # 8 → 4+4 → the bad half 2+2 → 1+1: the bad one carried in 4 requests.
    assert dead.attempts == 4
    assert sum(bad in request for request in lrs.requests) == 4


def test_a_conflict_is_kept_for_inspection_and_does_not_hold_up_the_batch(
    destination,
):
    ids = fill(4)
    clash = ids[2]

    def rule(sent):
        if clash in sent:
            return httpx.Response(409, json={"detail": f"Differing {clash}"})
        return httpx.Response(200, json=sent)

    counts = delivery.flush_destination(destination.pk, client=FakeLrs(rule).client())
    assert counts == {**counts, "sent": 3, "conflicts": 1}
    conflict = StatementDelivery.objects.get(state=State.CONFLICT)
    assert str(conflict.statement_id) == clash
    assert "409" in conflict.last_error
    # Re-queued (after someone looked), it is sent again.
    outbox.requeue(StatementDelivery.objects.filter(state=State.CONFLICT))
    counts = delivery.flush_destination(destination.pk, client=FakeLrs().client())
    assert counts["sent"] == 1
    assert set(states().values()) == {State.SENT}


def test_429_honours_retry_after_and_nothing_is_lost(destination):
    fill(3)
    lrs = FakeLrs(lambda ids: httpx.Response(429, headers={"Retry-After": "120"}))
    before = timezone.now()
    counts = delivery.flush_destination(destination.pk, client=lrs.client())
    assert counts["retried"] == 3 and counts["sent"] == 0
    destination.refresh_from_db()
    assert destination.backoff_until >= before + timedelta(seconds=120)
    assert destination.failures == 1
    assert set(states().values()) == {State.PENDING}
    # Within the backoff, a flush does not even try.
    assert delivery.flush_destination(destination.pk, client=lrs.client()) == {
        **counts,
        "retried": 0,
        "requests": 0,
    }
    assert len(lrs.requests) == 1
    # After it, the statements go.
    LrsDestination.objects.filter(pk=destination.pk).update(
        backoff_until=timezone.now() - timedelta(seconds=1)
    )
    assert (
        delivery.flush_destination(destination.pk, client=FakeLrs().client())["sent"]
        == 3
    )
    destination.refresh_from_db()
    assert (destination.failures, destination.backoff_until) == (0, None)
    assert StatementDelivery.objects.filter(attempts=2).count() == 3


def test_server_errors_back_off_exponentially(destination):
    fill(2)
    lrs = FakeLrs(lambda ids: httpx.Response(503, text="Service Unavailable"))
    waits = []
    for _ in range(4):
        LrsDestination.objects.filter(pk=destination.pk).update(backoff_until=None)
        start = timezone.now()
        delivery.flush_destination(destination.pk, client=lrs.client())
        destination.refresh_from_db()
        waits.append((destination.backoff_until - start).total_seconds())
    assert destination.failures == 4
    assert "503" in destination.last_error
    # Each wait is drawn from [ceiling/2, ceiling], the ceiling doubling.
    for n, wait in enumerate(waits, start=1):
        ceiling = delivery.BACKOFF_BASE_SECONDS * 2 ** (n - 1)
        assert ceiling / 2 - 0.01 <= wait <= ceiling + 1
    assert set(states().values()) == {State.PENDING}


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ConnectError("[Errno 111] Connection refused"),
    ],
    ids=["read-timeout", "connect-timeout", "refused"],
)
def test_timeouts_and_refused_connections_are_retried_later(destination, error):
    fill(3)

    def handler(request):
        raise error

    client = delivery.make_client(transport=httpx.MockTransport(handler))
    counts = delivery.flush_destination(destination.pk, client=client)
    assert counts["retried"] == 3
    destination.refresh_from_db()
    assert destination.backoff_until > timezone.now()
    assert set(states().values()) == {State.PENDING}
    log = LrsRequest.objects.get()
    assert log.status is None and log.error


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_pause_the_destination_and_alert(
    destination, status, admin_user
):
    fill(3)
    lrs = FakeLrs(lambda ids: httpx.Response(status, json={"detail": "Invalid"}))
    delivery.flush_destination(destination.pk, client=lrs.client())
    destination.refresh_from_db()
    assert destination.paused_at is not None
    assert str(status) in destination.paused_reason
    assert not destination.may_send()
    # The administrators were told, once, through the delivery log (sent on
    # commit; the task runs eagerly in tests).
    assert [message.to for message in mail.outbox] == [[admin_user.email]]
    assert destination.name in mail.outbox[0].subject
    assert "Invalid" in mail.outbox[0].body
    assert "hemligt" not in mail.outbox[0].body
    alert = Notification.objects.get(kind=Notification.Kind.LRS_ALERT)
    assert (alert.recipient, alert.status) == (admin_user, Notification.Status.SENT)
    assert alert.data == {
        "destination": destination.pk,
        "paused_at": destination.paused_at.isoformat(),
    }
    assert mail.outbox[0].extra_headers["Message-ID"] == alert.message_id
    # Nothing more is tried until someone fixes it, and nobody told again.
    delivery.flush_destination(destination.pk, client=lrs.client())
    assert len(lrs.requests) == 1
    assert set(states().values()) == {State.PENDING}
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_lrs_alert_for_a_pause_corrected_before_it_went_is_not_sent(
    destination, admin_user
):
    """Composed when it is sent: a destination fixed and saved meanwhile (the
    relay was down, say) needs no alert any more."""
    paused_at = timezone.now()
    LrsDestination.objects.filter(pk=destination.pk).update(
        paused_at=paused_at, paused_reason="HTTP 401"
    )
    with transaction.atomic():
        alerts.record_pause_alert(destination, paused_at)
        LrsDestination.objects.filter(pk=destination.pk).update(
            paused_at=None, paused_reason=""
        )
    alert = Notification.objects.get(kind=Notification.Kind.LRS_ALERT)
    assert (alert.recipient, alert.status) == (admin_user, Notification.Status.NOT_SENT)
    assert mail.outbox == []


def test_retry_after_as_a_date_and_bounds():
    now = timezone.now()
    header = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 85 <= delivery.parse_retry_after(header, now=now) <= 91
    assert delivery.parse_retry_after("soon") is None
    assert delivery.parse_retry_after("") is None
    # Retry-After is a floor, capped at an hour.
    assert delivery.backoff_seconds(1, retry_after=7200) == 3600
    assert delivery.backoff_seconds(30) <= delivery.BACKOFF_MAX_SECONDS


def test_two_flushes_at_once_never_send_a_statement_twice(destination):
    """Two workers flush the same destination concurrently: skip_locked hands
    each batch to one of them."""
    fill(64)
    sent = []
    lock = threading.Lock()

    def rule(ids):
        time.sleep(0.05)  # hold the batch's row locks a while
        with lock:
            sent.extend(ids)
        return httpx.Response(200, json=ids)

    errors = []

    def worker():
        from django.db import connection

        try:
            delivery.flush_destination(destination.pk, client=FakeLrs(rule).client())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(sent) == 64 and len(set(sent)) == 64
    assert set(states().values()) == {State.SENT}
    assert set(StatementDelivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_switched_off_destination_queues_but_does_not_send(destination):
    LrsDestination.objects.filter(pk=destination.pk).update(enabled=False)
    fill(2)
    lrs = FakeLrs()
    delivery.flush_destination(destination.pk, client=lrs.client())
    assert lrs.requests == []
    assert StatementDelivery.objects.filter(state=State.PENDING).count() == 2


def test_one_destination_down_does_not_hold_up_another(destination):
    other = LrsDestination.objects.create(name="Annan", endpoint="https://b.test/x/")
    fill(3)
    down = FakeLrs(lambda ids: httpx.Response(500))
    delivery.flush_destination(destination.pk, client=down.client())
    delivery.flush_destination(other.pk, client=FakeLrs().client())
    assert (
        StatementDelivery.objects.filter(destination=other, state=State.SENT).count()
        == 3
    )
    assert (
        StatementDelivery.objects.filter(
            destination=destination, state=State.PENDING
        ).count()
        == 3
    )


def test_a_batch_costs_the_same_queries_whatever_its_size(destination):
    """Claim, update the sent rows in one statement, log the request: the
    queries per batch do not grow with the statements in it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    LrsDestination.objects.filter(pk=destination.pk).update(batch_size=500)
    counts = []
    for size, start in ((5, 0), (300, 1000)):
        fill(size, start=start)
        with CaptureQueriesContext(connection) as queries:
            sent = delivery.flush_destination(
                destination.pk, client=FakeLrs().client()
            )["sent"]
        assert sent == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12


@pytest.mark.parametrize("status", [301, 308, 404, 406])
def test_a_redirect_or_wrong_address_pauses_and_makes_no_dead_letters(
    destination, status
):
    fill(8)
    lrs = FakeLrs(
        lambda ids: httpx.Response(status, headers={"Location": "https://lrs.test/"})
    )
    counts = delivery.flush_destination(destination.pk, client=lrs.client())
    assert counts["refused"] == 0 and len(lrs.requests) == 1
    destination.refresh_from_db()
    assert destination.paused_at is not None
    assert str(status) in destination.paused_reason
    assert set(states().values()) == {State.PENDING}


def test_a_batch_refused_statement_by_statement_pauses_instead_of_dead_letters(
    destination,
):
    """An LRS (or a proxy) that refuses everything: the split finds no
    statement at fault, so the destination is paused and nothing is lost."""
    fill(4)
    lrs = FakeLrs(lambda ids: httpx.Response(400, json={"detail": "Bad request"}))
    delivery.flush_destination(destination.pk, client=lrs.client())
    destination.refresh_from_db()
    assert destination.paused_at is not None
    assert "Bad request" in destination.paused_reason
    assert set(states().values()) == {State.PENDING}
    assert not StatementDelivery.objects.filter(state=State.DEAD).exists()


def test_a_statement_recorded_while_a_destination_is_added_is_not_missed(
    destination,
):
    """Recording holds a shared lock until it commits; attaching a new
    destination takes it exclusively, so it sees the statement."""
    from django.db import connections, transaction

    recorded, finish = threading.Event(), threading.Event()

    def recorder():
        try:
            with transaction.atomic():
                outbox.record([fake_statement(900)])
                recorded.set()
                finish.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=recorder)
    thread.start()
    assert recorded.wait(10)
    # The recorder commits half a second from now, while attach waits.
    threading.Timer(0.5, finish.set).start()
    with transaction.atomic():
        new = LrsDestination.objects.create(name="Ny", endpoint="https://ny.test/x/")
        outbox.attach_destination(new)
    thread.join()
    assert StatementDelivery.objects.filter(destination=new).count() == 1


def test_queueing_the_flush_survives_a_cache_that_is_down(settings, caplog):
    """Redis unreachable (a real refused connection): the learner's request
    must not fail after its commit; the sweep will send."""
    from django.test import override_settings

    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=broken):
        assert outbox.schedule_flush() is None  # no exception reaches the request
    assert "Could not queue the xAPI flush; the sweep will send." in caplog.text
