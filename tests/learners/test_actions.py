"""The learning record's actions: idempotent, forward-only, complete once."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from learners import actions
from learners.models import Enrolment, LessonProgress
from notifications.models import Notification
from tests.factories import (
    LessonPageFactory,
    QuizPageFactory,
    publish,
)

pytestmark = pytest.mark.django_db


def test_enrol_learner_twice_gives_one_enrolment(learner, course):
    first = actions.enrol_learner(learner, course)
    second = actions.enrol_learner(learner, course)
    assert first.pk == second.pk
    assert Enrolment.objects.filter(learner=learner, course=course).count() == 1
    assert first.cycle == 1
    assert first.course_title == course.title


def test_same_progress_recorded_twice_gives_one_row_and_one_completion(
    learner, course, lessons, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons:
            actions.record_lesson_progress(learner, lesson, completed=True)
        completed_at = Enrolment.objects.get(learner=learner).completed_at
        for lesson in lessons:
            actions.record_lesson_progress(learner, lesson, completed=True)

    assert LessonProgress.objects.filter(enrolment__learner=learner).count() == len(
        lessons
    )
    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.completed_at == completed_at
    # One confirmation, however often the last lesson is marked done.
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_progress_never_goes_backwards(learner, lessons):
    lesson = lessons[0]
    actions.record_lesson_progress(learner, lesson, progress=80, position=80)
    row = actions.record_lesson_progress(learner, lesson, progress=30, position=30)
    assert row.progress == 80
    # The position is where the learner is now: it may move back (for resume).
    assert row.last_position == 30
    row.refresh_from_db()
    assert row.progress == 80


def test_completed_at_is_set_once(learner, lessons):
    lesson = lessons[0]
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        first = actions.record_lesson_progress(learner, lesson, completed=True)
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        again = actions.record_lesson_progress(
            learner, lesson, completed=True, progress=10
        )
    assert (
        again.completed_at
        == first.completed_at
        == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    )
    assert again.progress == 100


def test_time_spent_adds_up_and_is_capped_per_update(learner, lessons):
    lesson = lessons[0]
    actions.record_lesson_progress(learner, lesson, seconds=40)
    row = actions.record_lesson_progress(learner, lesson, seconds=10_000)
    assert row.time_spent_seconds == 40 + actions.MAX_SECONDS_PER_UPDATE


def test_course_completes_only_when_every_required_lesson_is_done(
    learner, course, lessons
):
    optional = publish(LessonPageFactory(parent=course, required=False))
    for lesson in lessons[:-1]:
        actions.record_lesson_progress(learner, lesson, completed=True)
    actions.record_lesson_progress(learner, optional, completed=True)
    enrolment = Enrolment.objects.get(learner=learner, course=course)
    assert enrolment.completed_at is None

    actions.record_lesson_progress(learner, lessons[-1], completed=True)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_scrolling_to_the_end_does_not_complete_a_lesson(learner, lessons):
    row = actions.record_lesson_progress(learner, lessons[0], progress=100)
    assert row.progress == 100
    assert row.completed_at is None


def test_completion_is_final_when_a_lesson_is_added_later(learner, course, lessons):
    for lesson in lessons:
        actions.record_lesson_progress(learner, lesson, completed=True)
    completed_at = Enrolment.objects.get(learner=learner).completed_at
    publish(LessonPageFactory(parent=course))
    # Progress on an old lesson after the addition changes nothing.
    actions.record_lesson_progress(learner, lessons[0], completed=True)
    assert Enrolment.objects.get(learner=learner).completed_at == completed_at


def test_unpublishing_a_remaining_lesson_completes_learners_who_did_the_rest(
    learner, course, lessons, django_capture_on_commit_callbacks
):
    for lesson in lessons[:-1]:
        actions.record_lesson_progress(learner, lesson, completed=True)
    assert Enrolment.objects.get(learner=learner).completed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        lessons[-1].unpublish()
    assert Enrolment.objects.get(learner=learner).completed_at is not None


def test_deleting_a_lesson_keeps_the_learners_history(learner, course, lessons):
    actions.record_lesson_progress(learner, lessons[0], completed=True)
    title = lessons[0].title
    lessons[0].delete()
    row = LessonProgress.objects.get(enrolment__learner=learner)
    assert row.lesson is None
    assert row.lesson_title == title
    assert row.completed_at is not None


def test_anonymous_and_inactive_users_cannot_record(learner, lessons):
    with pytest.raises(PermissionDenied):
        actions.record_lesson_progress(AnonymousUser(), lessons[0], completed=True)
    learner.is_active = False
    learner.save()
    with pytest.raises(PermissionDenied):
        actions.record_lesson_progress(learner, lessons[0], completed=True)
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize(
    "kwargs", [{"progress": 101}, {"progress": -1}, {"position": 150}, {"seconds": -5}]
)
def test_out_of_range_values_are_refused_and_nothing_is_saved(learner, lessons, kwargs):
    with pytest.raises(ValidationError):
        actions.record_lesson_progress(learner, lessons[0], **kwargs)
    assert not Enrolment.objects.exists()
    assert not LessonProgress.objects.exists()


def test_unpublished_lesson_is_refused(learner, lessons):
    lessons[0].unpublish()
    lessons[0].refresh_from_db()
    with pytest.raises(ValidationError):
        actions.record_lesson_progress(learner, lessons[0], completed=True)
    assert not LessonProgress.objects.exists()


def test_each_learner_has_their_own_record(learner, other_learner, lessons):
    actions.record_lesson_progress(learner, lessons[0], completed=True)
    assert not LessonProgress.objects.filter(enrolment__learner=other_learner).exists()
    assert not Enrolment.objects.filter(learner=other_learner).exists()


def test_reevaluation_completes_only_those_who_did_every_remaining_lesson(
    learner, other_learner, course, lessons
):
    for lesson in lessons[:-1]:
        actions.record_lesson_progress(learner, lesson, completed=True)
    actions.record_lesson_progress(other_learner, lessons[0], completed=True)
    lessons[-1].unpublish()  # eager task already ran; run it again by hand
    Enrolment.objects.filter(learner=learner).update(completed_at=None)
    assert actions.reevaluate_course_completions(course.pk) == 1
    assert Enrolment.objects.get(learner=learner).completed_at is not None
    assert Enrolment.objects.get(learner=other_learner).completed_at is None
    assert actions.reevaluate_course_completions(course.pk) == 0


def test_unpublishing_a_required_quiz_completes_those_who_did_the_rest(
    learner, course, django_capture_on_commit_callbacks
):
    quiz = publish(QuizPageFactory(parent=course))
    for lesson in course.lessons():
        actions.record_lesson_progress(learner, lesson, completed=True)
    assert Enrolment.objects.get().completed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        quiz.unpublish()
    assert Enrolment.objects.get().completed_at is not None


def test_making_a_quiz_optional_completes_those_who_did_the_rest(
    learner, course, django_capture_on_commit_callbacks
):
    quiz = publish(QuizPageFactory(parent=course))
    for lesson in course.lessons():
        actions.record_lesson_progress(learner, lesson, completed=True)
    quiz.required = False
    with django_capture_on_commit_callbacks(execute=True):
        publish(quiz)
    assert Enrolment.objects.get().completed_at is not None
