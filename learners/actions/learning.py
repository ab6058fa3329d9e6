"""Enrolments, lesson progress and course completion.

Each action is atomic and idempotent: a double click or a retried request
records once. Side effects (email) are enqueued on commit. Running any action
twice with the same arguments leaves the same rows as running it once.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage, LessonPage, QuizPage

from .. import xapi_events as xapi
from ..emails import record_course_completed
from ..models import Enrolment, LessonProgress, QuizAttempt
from ..signals import course_completed
from .certificates import issue_certificate

# One heartbeat from the browser never adds more than this to time spent,
# so a tab left open overnight does not count as study time.
MAX_SECONDS_PER_UPDATE = 300


def _check_learner(user):
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("You must be logged in to record your learning."))


def enrol_learner(user, course: CoursePage) -> Enrolment:
    """The learner's current enrolment on the course, created (cycle 1) if none.

    Safe to call twice, also concurrently: the unique (learner, course, cycle)
    constraint decides, and the loser reads the winner's row.
    """
    _check_learner(user)
    if not course.live:
        raise ValidationError(_("This course is not published."))
    existing = (
        Enrolment.objects.filter(learner=user, course=course).order_by("-cycle").first()
    )
    if existing:
        return existing
    if course.retired:
        raise ValidationError(_("This course is retired and takes no new learners."))
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                learner=user, course=course, cycle=1, course_title=course.title
            )
            xapi.enrolled(enrolment)
            return enrolment
    except IntegrityError:
        return Enrolment.objects.get(learner=user, course=course, cycle=1)


def start_new_cycle(user, course: CoursePage) -> Enrolment:
    """Open the next cycle of a completed course with a validity, so the
    learner can renew their certificate before (or after) it expires. The
    completed cycle, its progress and its certificate stay as they are.
    Safe to call twice: an open newer cycle is returned as it is."""
    _check_learner(user)
    if not course.live:
        raise ValidationError(_("This course is not published."))
    if course.validity_kind == "none":
        raise ValidationError(_("This course's certificate does not expire."))
    with transaction.atomic():
        latest = (
            Enrolment.objects.select_for_update()
            .filter(learner=user, course=course)
            .order_by("-cycle")
            .first()
        )
        if latest is None or latest.completed_at is None:
            if latest is not None:
                return latest
            raise ValidationError(_("Complete the course once first."))
        enrolment = Enrolment.objects.create(
            learner=user,
            course=course,
            cycle=latest.cycle + 1,
            course_title=course.title,
        )
        xapi.enrolled(enrolment)
        return enrolment


def launch_course(user, course: CoursePage) -> Enrolment:
    """The learner starts or resumes the course from its page: enrolled if
    need be, and the launch recorded (once a day per enrolment)."""
    with transaction.atomic():
        enrolment = enrol_learner(user, course)
        xapi.launched(enrolment)
    return enrolment


def record_lesson_progress(
    user,
    lesson: LessonPage,
    *,
    progress: int | None = None,
    position: int | None = None,
    seconds: int = 0,
    completed: bool = False,
) -> LessonProgress:
    """Record how far `user` has come in `lesson`, for themselves only.

    Progress only moves forward; `completed_at` is set the first time the
    lesson is marked done and never again. Completing the last required lesson
    completes the course (see `complete_enrolment_if_done`).
    """
    _check_learner(user)
    for name, value in (("progress", progress), ("position", position)):
        if value is not None and not 0 <= value <= 100:
            raise ValidationError({name: _("Must be a whole number from 0 to 100.")})
    if seconds < 0:
        raise ValidationError({"seconds": _("Must not be negative.")})
    if not lesson.live:
        raise ValidationError(_("This lesson is not published."))
    course = lesson.get_parent().specific
    if not isinstance(course, CoursePage):
        raise ValidationError(_("This lesson does not belong to a course."))

    with transaction.atomic():
        enrolment = enrol_learner(user, course)
        row, created = LessonProgress.objects.get_or_create(
            enrolment=enrolment, lesson=lesson, defaults={"lesson_title": lesson.title}
        )
        # Lock the row: two concurrent requests must not both decide "first time".
        row = LessonProgress.objects.select_for_update().get(pk=row.pk)
        newly_completed = completed and row.completed_at is None
        now = timezone.now()
        if completed:
            progress = 100
        if progress is not None:
            row.progress = max(row.progress, progress)
        if position is not None:
            row.last_position = position
        row.time_spent_seconds += min(seconds, MAX_SECONDS_PER_UPDATE)
        if completed and row.completed_at is None:
            row.completed_at = now
        row.lesson_title = lesson.title
        row.save()
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=now)
        row.enrolment = enrolment
        if created:
            xapi.lesson_opened(row, lesson)
        if newly_completed:
            xapi.lesson_completed(row, lesson)
        if completed:
            complete_enrolment_if_done(enrolment)
    return row


def required_lesson_ids(course: CoursePage) -> set[int]:
    """The lessons that count: live, required children of the course now."""
    return set(
        LessonPage.objects.child_of(course)
        .live()
        .filter(required=True)
        .values_list("pk", flat=True)
    )


def required_quiz_ids(course: CoursePage) -> set[int]:
    """The quizzes that must be passed: live, required children of the course."""
    return set(
        QuizPage.objects.child_of(course)
        .live()
        .filter(required=True)
        .values_list("pk", flat=True)
    )


def complete_enrolment_if_done(enrolment: Enrolment) -> bool:
    """Complete the enrolment if its required lessons are done and its
    required quizzes passed, and issue the certificate in the same transaction.

    Completion is recorded once, with its time, and is final for the cycle:
    a lesson or quiz added later does not undo it. Returns True if this call
    completed it.
    """
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.completed_at is not None or locked.course_id is None:
            return False
        lessons = required_lesson_ids(locked.course)
        quizzes = required_quiz_ids(locked.course)
        if not lessons and not quizzes:
            return False
        done = set(
            LessonProgress.objects.filter(
                enrolment=locked, lesson_id__in=lessons, completed_at__isnull=False
            ).values_list("lesson_id", flat=True)
        )
        passed = set(
            QuizAttempt.objects.filter(
                enrolment=locked, quiz_id__in=quizzes, passed=True
            ).values_list("quiz_id", flat=True)
        )
        if done != lessons or passed != quizzes:
            return False
        locked.completed_at = timezone.now()
        locked.save(update_fields=["completed_at"])
        enrolment.completed_at = locked.completed_at
        xapi.course_completed(locked)
        issue_certificate(locked)
        course_completed.send(sender=Enrolment, enrolment=locked)
        record_course_completed(locked)
        return True


def reevaluate_course_completions(course_id: int) -> int:
    """After HR removes or unpublishes a lesson, learners who have now done
    every remaining required lesson are complete. Returns how many completed.

    One query finds the candidates, whatever the number of enrolments; each is
    then completed under its own row lock. Safe to run twice: completed
    enrolments are skipped.
    """
    course = CoursePage.objects.filter(pk=course_id).first()
    if course is None:
        return 0
    required = required_lesson_ids(course)
    if not required and not required_quiz_ids(course):
        return 0
    # Narrow by lessons in one query; quizzes are checked per candidate.
    candidates = (
        Enrolment.objects.filter(course_id=course_id, completed_at__isnull=True)
        .annotate(
            done=Count(
                "lesson_progress",
                filter=Q(
                    lesson_progress__lesson_id__in=required,
                    lesson_progress__completed_at__isnull=False,
                ),
            )
        )
        .filter(done=len(required))
    )
    return sum(complete_enrolment_if_done(enrolment) for enrolment in candidates)
