"""xAPI end to end: learners' events written to the outbox by the real
actions, flushed on commit by a real Celery worker on the real Redis, into a
real Ralph LRS (its own virtualenv, tests/ralph_lrs.py) — every statement
arrives once, also when the LRS is stopped in the middle of a burst, and
nothing stored in the LRS names anyone.

What arrived is read from Ralph's data file. Ralph quietly accepts an
identical resend, so resends are counted on our side: each delivery's
`attempts` is the number of requests that carried it, and the LrsRequest log
has every answer the LRS gave.
"""

import json
import re
import time

import pytest
from django.db.models import Sum

from learners import actions
from tests.factories import make_course, make_staff, make_unit
from xapi import delivery
from xapi.models import LrsDestination, LrsRequest, Statement, StatementDelivery
from xapi.tasks import flush_outbox, sweep_outbox

pytestmark = pytest.mark.integration

SENT = StatementDelivery.State.SENT
PENDING = StatementDelivery.State.PENDING
# Backoff in the worker: 1-2 s instead of 5 s up to 15 minutes, so that the
# test sees the LRS come back within seconds.
FAST_BACKOFF = {
    "xapi.delivery.BACKOFF_BASE_SECONDS": 1,
    "xapi.delivery.BACKOFF_MAX_SECONDS": 2,
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@pytest.fixture
def course(catalogue):
    return make_course(catalogue, lessons=3, title="Informationssäkerhet")


@pytest.fixture
def people(transactional_db):
    unit = make_unit("U-XAPI", "Förvaltningen")
    staff = []
    for n in range(6):
        person = make_staff(f"person{n}", unit=unit)
        person.first_name = f"Förnamn{n}"
        person.last_name = "Karlsson-Östberg"
        person.email = f"person{n}@stad.example.se"
        person.save()
        staff.append(person)
    return staff


@pytest.fixture
def destination(fresh_ralph_lrs):
    return LrsDestination.objects.create(
        name="Ralph",
        endpoint=fresh_ralph_lrs.url,
        username=fresh_ralph_lrs.username,
        password=fresh_ralph_lrs.password,
        batch_size=10,
    )


def study(person, course):
    """Start the course and complete its lessons: enrolment, launch, each
    lesson opened and completed, the course completed, a certificate."""
    actions.launch_course(person, course)
    for lesson in course.lessons():
        actions.record_lesson_progress(person, lesson, progress=40, seconds=30)
        actions.record_lesson_progress(person, lesson, completed=True, seconds=30)


def wait_until_delivered(worker, timeout=60):
    """Until nothing is pending, running the sweep every second as beat would
    (every minute) for what an on-commit flush left behind."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.assert_alive()
        if not StatementDelivery.objects.filter(state=PENDING).exists():
            worker.wait_until_idle()
            if not StatementDelivery.objects.filter(state=PENDING).exists():
                return
        sweep_outbox.delay()
        time.sleep(1)
    states = list(StatementDelivery.objects.values_list("state", "last_error"))
    raise AssertionError(f"still pending after {timeout} s: {states}\n{worker.log}")


def stored_ids():
    return {str(pk) for pk in Statement.objects.values_list("id", flat=True)}


def test_statements_arrive_once_and_flushing_again_adds_nothing(
    celery_workers, fresh_ralph_lrs, destination, people, course
):
    worker = celery_workers.start()
    for person in people[:3]:
        study(person, course)
    wait_until_delivered(worker)

    in_lrs = fresh_ralph_lrs.statement_ids()
    assert sorted(in_lrs) == sorted(stored_ids())
    assert len(in_lrs) == len(set(in_lrs)) == 3 * (2 + 2 * 3 + 2)
    # Stored exactly as sent: Ralph adds only "stored" and "authority".
    ours = {str(s.id): json.loads(s.payload) for s in Statement.objects.all()}
    for statement in fresh_ralph_lrs.statements():
        mine = ours[statement["id"]]
        assert {k: v for k, v in statement.items() if k in mine} == mine

    # A flush now (and the sweep) sends nothing: no request at all.
    requests = LrsRequest.objects.count()
    counts = delivery.flush_destination(destination.pk)
    assert counts["requests"] == 0
    sweep_outbox.delay()
    worker.wait_until_idle()
    assert LrsRequest.objects.count() == requests
    assert sorted(fresh_ralph_lrs.statement_ids()) == sorted(in_lrs)

    # Everything sent again (an administrator re-queues it all, or a response
    # was lost): Ralph accepts the identical resends without a 409, and
    # stores nothing twice.
    StatementDelivery.objects.update(state=PENDING)
    flush_outbox.delay(destination.pk)
    wait_until_delivered(worker)
    assert sorted(fresh_ralph_lrs.statement_ids()) == sorted(in_lrs)
    statuses = set(LrsRequest.objects.values_list("status", flat=True))
    assert statuses <= {200, 204}, statuses
    assert set(StatementDelivery.objects.values_list("attempts", flat=True)) == {2}
    assert "Traceback" not in worker.log, worker.log


def test_the_lrs_stopped_during_a_burst_loses_nothing_and_answers_no_409(
    celery_workers, fresh_ralph_lrs, destination, people, course
):
    worker = celery_workers.start(module_attributes=FAST_BACKOFF)
    study(people[0], course)
    wait_until_delivered(worker)
    assert len(fresh_ralph_lrs.statement_ids()) == Statement.objects.count()

    # The LRS goes down while people keep learning.
    fresh_ralph_lrs.stop()
    for person in people[1:4]:
        study(person, course)
    # The worker tried (on commit, or from the sweep beat runs), was refused,
    # and backs off; nothing was lost.
    deadline = time.monotonic() + 30
    while not LrsRequest.objects.filter(status__isnull=True).exists():
        assert time.monotonic() < deadline, worker.log
        sweep_outbox.delay()
        time.sleep(1)
    for person in people[4:]:
        study(person, course)
    assert StatementDelivery.objects.filter(state=PENDING).exists()

    fresh_ralph_lrs.start()
    wait_until_delivered(worker, timeout=90)

    in_lrs = fresh_ralph_lrs.statement_ids()
    assert sorted(in_lrs) == sorted(stored_ids())  # none missing
    assert len(in_lrs) == len(set(in_lrs))  # none twice
    assert len(in_lrs) == len(people) * 10
    answers = list(LrsRequest.objects.values_list("status", flat=True))
    assert 409 not in answers
    assert None in answers  # the outage really happened: refused connections
    assert set(StatementDelivery.objects.values_list("state", flat=True)) == {SENT}
    # Our count of what was carried: every request's statements are the
    # deliveries' attempts, and the ones caught in the outage were retried.
    carried = LrsRequest.objects.aggregate(total=Sum("statements"))["total"]
    attempts = StatementDelivery.objects.aggregate(total=Sum("attempts"))["total"]
    assert carried == attempts
    assert StatementDelivery.objects.filter(attempts__gt=1).exists()
    destination.refresh_from_db()
    assert destination.failures == 0 and destination.paused_at is None


def test_nothing_stored_in_the_lrs_names_anyone(
    celery_workers, fresh_ralph_lrs, destination, people, course, catalogue
):
    from datetime import date

    from django.contrib.auth import get_user_model

    worker = celery_workers.start()
    second = make_course(catalogue, lessons=1, title="Dataskydd")
    for person in people:
        study(person, course)
    hr = get_user_model().objects.create_superuser("hr-admin", "hr@stad.example.se")
    actions.record_completion_elsewhere(hr, people[0], second, date(2026, 2, 3))
    wait_until_delivered(worker)

    lines = fresh_ralph_lrs.raw_lines()
    assert len(lines) == Statement.objects.count() > 0
    text = "\n".join(lines)
    assert not EMAIL.search(text), EMAIL.search(text)
    for person in people:
        profile = person.staff_profile
        for private in (
            person.email,
            person.first_name,
            person.last_name,
            person.username,
            profile.employee_number,
        ):
            assert private not in text, private
    # Each person appears only as their opaque id.
    names = {
        json.loads(line)["actor"]["account"]["name"]
        for line in lines
        if "account" in json.loads(line)["actor"]
    }
    assert names == {person.staff_profile.opaque_id for person in people}
