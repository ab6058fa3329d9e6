"""Quiz attempts: start (or resume), save answers, submit and grade.

Grading happens here, on the server, against the questions the attempt
snapshotted when it was drawn. Every action locks the enrolment row first and
then the attempt row — one lock order everywhere, so concurrent requests queue
instead of deadlocking — and the attempt limit and "graded once" hold;
unique constraints back both. Submitting twice returns the first result.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.grading import (
    AnswerError,
    build_presentation,
    is_correct,
    parse_answer,
    questions_from_snapshot,
    snapshot,
    unknown_fields,
)
from courses.models import CoursePage, QuizPage

from .. import xapi_events as xapi
from ..models import Enrolment, QuizAccommodation, QuizAttempt, QuizResponse
from .learning import _check_learner, complete_enrolment_if_done, enrol_learner

# Answers that arrive this long after the deadline still count: the network
# and the browser's own timer are not exact.
DEADLINE_GRACE = timedelta(seconds=30)


class AttemptNotAllowed(ValidationError):
    """No new attempt may be started (limit reached, already passed)."""


def _course_of(quiz: QuizPage) -> CoursePage:
    course = quiz.get_parent().specific
    if not isinstance(course, CoursePage) or not course.live:
        raise ValidationError(_("This quiz is not part of a published course."))
    return course


def time_allowed(user, quiz: QuizPage) -> timedelta | None:
    """The time limit for this person, with any accommodation; None: no limit."""
    if not quiz.time_limit_minutes:
        return None
    accommodation = (
        QuizAccommodation.objects.filter(learner=user)
        .filter(Q(quiz=quiz) | Q(quiz__isnull=True))
        .order_by("quiz_id")  # a quiz-specific one before a general one
        .first()
    )
    minutes = quiz.time_limit_minutes
    if accommodation:
        if accommodation.no_time_limit:
            return None
        minutes = minutes * (100 + accommodation.extra_percent) / 100
    return timedelta(minutes=minutes)


def start_quiz_attempt(user, quiz: QuizPage) -> QuizAttempt:
    """The learner's open attempt, or a new one if they may start one."""
    _check_learner(user)
    if not quiz.live or quiz.live_revision_id is None:
        raise ValidationError(_("This quiz is not published."))
    course = _course_of(quiz)
    with transaction.atomic():
        enrolment = enrol_learner(user, course)
        Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        attempts = QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz)
        open_attempt = (
            attempts.select_for_update().filter(submitted_at__isnull=True).first()
        )
        if open_attempt:
            if not _past_deadline(open_attempt):
                return open_attempt
            _grade(open_attempt)
        if attempts.filter(passed=True).exists():
            raise AttemptNotAllowed(_("You have already passed this quiz."))
        used = attempts.count()
        if quiz.max_attempts and used >= quiz.max_attempts:
            raise AttemptNotAllowed(_("You have used all your attempts at this quiz."))
        now = timezone.now()
        allowed = time_allowed(user, quiz)
        presentation = build_presentation(quiz)
        return QuizAttempt.objects.create(
            enrolment=enrolment,
            quiz=quiz,
            quiz_title=quiz.title,
            quiz_revision_id=quiz.live_revision_id,
            number=used + 1,
            pass_mark=quiz.pass_mark,
            reveal_answers=quiz.reveal_answers,
            presentation=presentation,
            questions=snapshot(quiz, presentation),
            started_at=now,
            deadline_at=now + allowed if allowed else None,
        )


def _past_deadline(attempt, now=None):
    now = now or timezone.now()
    return (
        attempt.deadline_at is not None and now > attempt.deadline_at + DEADLINE_GRACE
    )


def _lock_attempt(user, attempt_id, quiz=None):
    """Lock the attempt's enrolment, then the attempt (the one lock order).
    PermissionDenied unless it is the user's own attempt (at `quiz`)."""
    enrolment_id = (
        QuizAttempt.objects.filter(pk=attempt_id)
        .values_list("enrolment_id", flat=True)
        .first()
    )
    if enrolment_id is None:
        raise PermissionDenied(_("This is not your attempt."))
    Enrolment.objects.select_for_update().filter(pk=enrolment_id).first()
    attempts = QuizAttempt.objects.select_for_update().select_related("enrolment")
    if quiz is not None:
        attempts = attempts.filter(quiz=quiz)
    attempt = attempts.filter(pk=attempt_id).first()
    if attempt is None or attempt.enrolment.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    return attempt


def save_quiz_answers(
    user, attempt_id: int, data, *, submit: bool, quiz: QuizPage | None = None
) -> QuizAttempt:
    """Store the answers in `data` (a QueryDict) and, with submit, grade.

    Raises PermissionDenied for someone else's attempt (or one of another
    quiz than `quiz`), AnswerError for answers that cannot belong to the
    attempt (nothing is saved then). After the deadline no new answers are
    taken: the attempt is graded with what was saved in time.
    """
    _check_learner(user)
    with transaction.atomic():
        attempt = _lock_attempt(user, attempt_id, quiz)
        if attempt.submitted_at is not None:
            if submit:
                return attempt  # a double submit: the first result stands
            raise ValidationError(_("This attempt has already been submitted."))
        if _past_deadline(attempt):
            _grade(attempt)
            return attempt
        extra = unknown_fields(attempt.presentation, data)
        if extra:
            raise AnswerError(_("The answers do not belong to this attempt."))
        parsed = {
            entry["id"]: parse_answer(entry, data) for entry in attempt.presentation
        }
        existing = {r.question_id: r for r in attempt.responses.all()}
        for entry in attempt.presentation:
            answer = parsed[entry["id"]]
            response = existing.get(entry["id"])
            if response is None:
                QuizResponse.objects.create(
                    attempt=attempt,
                    question_id=entry["id"],
                    question_type=entry["type"],
                    answer=answer,
                )
            elif response.answer != answer:
                response.answer = answer
                response.save(update_fields=["answer", "answered_at"])
        if submit:
            _grade(attempt)
        return attempt


def close_if_expired(user, attempt: QuizAttempt) -> bool:
    """Grade an open attempt whose time has run out, with the answers saved in
    time. True if this call closed it."""
    with transaction.atomic():
        locked = _lock_attempt(user, attempt.pk)
        if locked.submitted_at is not None or not _past_deadline(locked):
            return False
        _grade(locked)
        return True


def _grade(attempt: QuizAttempt):
    """Grade against the snapshotted revision. Caller holds the row lock."""
    questions = questions_from_snapshot(attempt.questions)
    responses = {r.question_id: r for r in attempt.responses.all()}
    correct_count = 0
    for entry in attempt.presentation:
        question = questions.get(entry["id"])
        response = responses.get(entry["id"])
        if response is None:
            response = QuizResponse(
                attempt=attempt, question_id=entry["id"], question_type=entry["type"]
            )
        response.correct = bool(question) and is_correct(question, response.answer)
        response.save()
        correct_count += response.correct
    total = len(attempt.presentation)
    # The score shown is rounded; passing is decided on the exact share.
    attempt.score = round(100 * correct_count / total) if total else 0
    attempt.passed = bool(total) and correct_count * 100 >= attempt.pass_mark * total
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    xapi.quiz_graded(attempt)
    if attempt.passed:
        complete_enrolment_if_done(attempt.enrolment)
