"""xAPI statements and the outbox: what is written, when, and exactly once.

Every statement the platform builds is validated with Ralph's pydantic model
of an xAPI statement (`BaseXapiStatement`, from ralph-malph)."""

import io
import json
import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import transaction
from ralph.models.xapi.base.statements import BaseXapiStatement

from assignments.actions.rules import require_retake
from learners import actions
from learners.models import Enrolment, LessonProgress, QuizAttempt
from tests.factories import (
    QuizPageFactory,
    UserFactory,
    correct_answers,
    make_staff,
    make_unit,
    publish,
)
from xapi import outbox, statements
from xapi.models import LrsDestination, Statement, StatementDelivery
from xapi.vocab import ENGLISH, PROGRESS, SWEDISH, VERBS

pytestmark = pytest.mark.django_db


def payloads(**filters):
    return [
        json.loads(row.payload)
        for row in Statement.objects.filter(**filters).order_by("created_at", "verb")
    ]


def by_verb(verb):
    return payloads(verb=verb)


@pytest.fixture
def staff(course):
    unit = make_unit("U1", "Enhet Ett")
    person = make_staff("kim", unit=unit)
    person.first_name, person.last_name, person.email = (
        "Kim",
        "Lindqvist",
        "kim@stad.se",
    )
    person.save()
    return person


@pytest.fixture
def quiz(course):
    quiz = QuizPageFactory(parent=course, max_attempts=3, title_en="Knowledge test")
    return publish(quiz)


def take_quiz(user, quiz, wrong=()):
    attempt = actions.start_quiz_attempt(user, quiz)
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, value in correct_answers(attempt, wrong=wrong).items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return actions.save_quiz_answers(user, attempt.pk, data, submit=True)


def the_whole_journey(user, course, lessons, quiz):
    """Enrol through the course page's button, open and finish every lesson,
    fail the quiz once, pass it: every kind of event a learner makes."""
    actions.launch_course(user, course)
    for lesson in lessons:
        actions.record_lesson_progress(user, lesson, progress=10, seconds=30)
        actions.record_lesson_progress(user, lesson, completed=True, seconds=60)
    take_quiz(user, quiz, wrong=("q-single", "q-tf"))
    take_quiz(user, quiz)


def test_every_statement_validates_with_ralphs_model(staff, course, lessons, quiz):
    the_whole_journey(staff, course, lessons, quiz)
    stored = payloads()
    verbs = {statement["verb"]["id"] for statement in stored}
    assert verbs == {iri for iri, _sv, _en in VERBS.values()}
    for statement in stored:
        BaseXapiStatement(**statement)  # raises on anything invalid


def test_one_statement_per_event(staff, course, lessons, quiz):
    the_whole_journey(staff, course, lessons, quiz)
    enrolment = Enrolment.objects.get(learner=staff)
    attempts = QuizAttempt.objects.filter(enrolment=enrolment)
    answers = sum(len(attempt.presentation) for attempt in attempts)
    counts = {
        verb: Statement.objects.filter(verb=verb).count()
        for verb in VERBS
        if Statement.objects.filter(verb=verb).exists()
    }
    assert counts == {
        "registered": 1,
        "launched": 1,
        "experienced": len(lessons),
        "completed": len(lessons) + 1,  # each lesson, then the course
        "answered": answers,
        "failed": 1,
        "passed": 1,
        "earned": 1,
    }


def test_doing_it_again_records_nothing_new(staff, course, lessons, quiz):
    the_whole_journey(staff, course, lessons, quiz)
    before = Statement.objects.count()
    # The same launch on the same day, the same lessons again, a double
    # submit of the graded attempt: no new events.
    actions.launch_course(staff, course)
    for lesson in lessons:
        actions.record_lesson_progress(staff, lesson, progress=100, completed=True)
    attempt = QuizAttempt.objects.filter(passed=True).get()
    actions.save_quiz_answers(staff, attempt.pk, {}, submit=True)
    actions.complete_enrolment_if_done(Enrolment.objects.get(learner=staff))
    assert Statement.objects.count() == before


def test_ids_come_from_the_event_so_a_rebuild_gives_the_same_statement(
    staff, course, lessons
):
    actions.record_lesson_progress(staff, lessons[0], completed=True, seconds=90)
    row = LessonProgress.objects.select_related("enrolment").get()
    stored = Statement.objects.get(verb="completed")
    rebuilt = statements.lesson_completed(row)
    assert stored.id == uuid.UUID(rebuilt["id"])
    assert stored.payload == outbox.serialise(rebuilt)
    # Recording the rebuilt statement again (a back-fill) adds nothing and
    # keeps the payload first stored.
    outbox.record([rebuilt], staff.pk)
    assert Statement.objects.filter(pk=stored.pk).get().payload == stored.payload
    assert Statement.objects.count() == 3  # registered, experienced, completed


def test_the_actor_is_an_opaque_account_and_nothing_names_the_person(
    staff, course, lessons, quiz, settings
):
    the_whole_journey(staff, course, lessons, quiz)
    opaque = staff.staff_profile.opaque_id
    for row in Statement.objects.all():
        statement = json.loads(row.payload)
        assert statement["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": settings.SITE_URL, "name": opaque},
        }
        for secret in ("kim@stad.se", "Kim", "Lindqvist", "kim", "E-kim"):
            assert secret not in row.payload, (secret, row.verb)


def test_someone_without_a_staff_profile_gets_a_stable_pseudonym(learner, lessons):
    actions.record_lesson_progress(learner, lessons[0], progress=10)
    actions.record_lesson_progress(learner, lessons[1], progress=10)
    names = {p["actor"]["account"]["name"] for p in payloads()}
    assert names == {learner.xapi_pseudonym.opaque_id}
    assert learner.username not in next(iter(names))
    assert len(next(iter(names))) == 32


def test_context_registration_parent_language_and_names(
    staff, course, lessons, quiz, settings
):
    course.title_en = "Information security"
    course.save_revision().publish()
    the_whole_journey(staff, course, lessons, quiz)
    enrolment = Enrolment.objects.get(learner=staff)
    course_id = f"{settings.SITE_URL}/xapi/course/{course.pk}"
    for statement in payloads():
        context = statement["context"]
        assert context["registration"] == str(enrolment.registration)
        assert context["platform"] == "Kompetens"
        assert context["language"] == SWEDISH
        names = statement["object"]["definition"]["name"]
        assert set(names) == {SWEDISH, ENGLISH}
    lesson = by_verb("experienced")[0]
    assert lesson["context"]["contextActivities"]["parent"][0]["id"] == course_id
    assert lesson["result"]["extensions"][PROGRESS] == 10
    registered = by_verb("registered")[0]
    assert registered["object"]["definition"]["name"] == {
        SWEDISH: course.title,
        ENGLISH: "Information security",
    }
    passed = by_verb("passed")[0]
    assert passed["object"]["definition"]["name"][ENGLISH] == "Knowledge test"
    assert passed["result"]["score"] == {
        "scaled": 1.0,
        "raw": 100,
        "min": 0,
        "max": 100,
    }
    assert passed["result"]["success"] is True
    failed = by_verb("failed")[0]
    assert failed["result"]["success"] is False
    assert failed["result"]["score"]["raw"] < 80
    answered = by_verb("answered")
    assert {a["result"]["success"] for a in answered} == {True, False}
    assert all(
        a["context"]["contextActivities"]["grouping"][0]["id"] == course_id
        for a in answered
    )


def test_a_rolled_back_event_leaves_no_statement(staff, lessons):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.record_lesson_progress(staff, lessons[0], completed=True)
        assert Statement.objects.exists()
        raise RuntimeError("the request failed after the action")
    assert not Statement.objects.exists()
    assert not LessonProgress.objects.exists()


def test_completion_recorded_by_hr_is_a_completed_statement_with_its_source(
    staff, course, admin_user
):
    actions.record_completion_elsewhere(admin_user, staff, course, date(2026, 3, 2))
    completed = by_verb("completed")
    assert len(completed) == 1
    assert completed[0]["timestamp"].startswith("2026-03-02T")
    source = statements.extension("completion-source")
    assert completed[0]["context"]["extensions"][source] == "external"
    assert {p["verb"]["id"].rsplit("/", 1)[1] for p in payloads()} == {
        "registered",
        "completed",
        "earned",
    }


def test_bulk_enrolments_from_a_retake_are_registered_in_a_few_queries(
    course, lessons, admin_user, django_assert_max_num_queries
):
    people = [make_staff(f"p{n}") for n in range(30)]
    for person in people:
        actions.record_completion_elsewhere(
            admin_user, person, course, date(2026, 1, 10)
        )
    before = Statement.objects.filter(verb="registered").count()
    with django_assert_max_num_queries(40):
        require_retake(admin_user, course, date(2027, 1, 1), "Ny lag")
    registered = Statement.objects.filter(verb="registered").count() - before
    assert registered == len(people)
    cycles = Enrolment.objects.filter(course=course, cycle=2).count()
    assert cycles == len(people)


def test_each_destination_gets_a_delivery_and_a_new_one_gets_the_history(
    staff, lessons
):
    first = LrsDestination.objects.create(name="A", endpoint="http://lrs-a/xAPI/")
    actions.record_lesson_progress(staff, lessons[0], completed=True)
    assert StatementDelivery.objects.filter(destination=first).count() == 3
    second = LrsDestination.objects.create(name="B", endpoint="http://lrs-b/xAPI/")
    assert outbox.attach_destination(second) == 3
    assert outbox.attach_destination(second) == 0  # once
    assert set(
        StatementDelivery.objects.filter(destination=second).values_list(
            "state", flat=True
        )
    ) == {"pending"}


def test_users_data_never_reaches_an_unrelated_registration(
    staff, other_learner, lessons
):
    actions.record_lesson_progress(staff, lessons[0], progress=5)
    actions.record_lesson_progress(other_learner, lessons[0], progress=5)
    registrations = {p["context"]["registration"] for p in payloads(verb="experienced")}
    assert registrations == {str(e.registration) for e in Enrolment.objects.all()}
    assert len(registrations) == 2


def test_timestamps_and_durations_are_canonical():
    moment = statements.timestamp(datetime(2026, 11, 27, 13, 5, tzinfo=UTC))
    assert moment == "2026-11-27T13:05:00.000Z"
    assert statements.duration(0) == "PT0S"
    assert statements.duration(3930) == "PT1H5M30S"
    assert statements.duration(120) == "PT2M"


def test_an_account_outside_hr_keeps_its_pseudonym(db):
    user = UserFactory()
    first = statements.opaque_name(user)
    user.refresh_from_db()
    assert statements.opaque_name(user) == first


def test_a_backfill_rebuilds_the_same_statements_and_never_duplicates(
    staff, course, lessons, quiz, admin_user
):
    from django.core.management import call_command

    the_whole_journey(staff, course, lessons, quiz)
    actions.record_completion_elsewhere(
        admin_user, make_staff("lena"), course, date(2026, 1, 5)
    )
    original = {row.id: row for row in Statement.objects.all()}
    Statement.objects.all().delete()  # records from before the outbox

    call_command("xapi_backfill", stdout=io.StringIO())
    rebuilt = {row.id: row for row in Statement.objects.all()}
    launched = {pk for pk, row in original.items() if row.verb == "launched"}
    assert set(rebuilt) == set(original) - launched
    for pk, row in rebuilt.items():
        if row.verb in ("registered", "answered", "passed", "failed", "earned"):
            assert row.payload == original[pk].payload, row.verb
        BaseXapiStatement(**json.loads(row.payload))

    call_command("xapi_backfill", stdout=io.StringIO())
    assert Statement.objects.count() == len(rebuilt)


def test_a_backfill_skips_records_of_deleted_pages(staff, course, lessons):
    from django.core.management import call_command

    for lesson in lessons:
        actions.record_lesson_progress(staff, lesson, completed=True)
    before = set(Statement.objects.values_list("id", flat=True))
    lessons[0].delete()
    lessons[1].delete()
    call_command("xapi_backfill", stdout=io.StringIO())
    assert set(Statement.objects.values_list("id", flat=True)) == before
