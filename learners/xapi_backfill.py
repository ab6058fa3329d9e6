"""Statements for the learning record as it stands: for records made before
the outbox existed, or after statements were lost (a restored backup).

Each statement is built from the stored rows under the id its event has
always had, so a back-fill never duplicates: statements already in the outbox
are left as they are (the first payload stands), and an LRS that already holds
one gets nothing new. A launch is not a stored row, so it is not back-filled;
nor is a record whose course, lesson or quiz page has been deleted: its
activity can no longer be named as it was when it happened, and an id built
without the page would not be the event's.
Reads in chunks, writes in bulk: memory stays flat however large the record.
"""

from django.db import transaction

from xapi import statements
from xapi.outbox import record_many

from .models import Certificate, Enrolment, LessonProgress, QuizAttempt

CHUNK = 2000
LEARNER = ("learner__staff_profile", "learner__xapi_pseudonym")


def _chunks(queryset, build):
    batch = []
    for row in queryset.iterator(chunk_size=CHUNK):
        batch.extend(build(row))
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _enrolments(row):
    pairs = [(statements.registered(row), row.learner_id)]
    if row.completed_at:
        pairs.append(
            (statements.course_completed(row, row.seconds or 0), row.learner_id)
        )
    return pairs


def _progress(row):
    title_en = row.lesson.title_en if row.lesson_id else ""
    learner = row.enrolment.learner_id
    pairs = [(statements.lesson_experienced(row, title_en), learner)]
    if row.completed_at:
        pairs.append((statements.lesson_completed(row, title_en), learner))
    return pairs


def _attempts(attempt):
    learner = attempt.enrolment.learner_id
    return [(statement, learner) for statement in statements.graded_attempt(attempt)]


def _certificates(certificate):
    return [(statements.certificate_earned(certificate), certificate.learner_id)]


def sources():
    from django.db.models import Sum

    return [
        (
            "enrolments",
            Enrolment.objects.filter(course__isnull=False)
            .select_related("course", *LEARNER)
            .annotate(seconds=Sum("lesson_progress__time_spent_seconds"))
            .order_by("pk"),
            _enrolments,
        ),
        (
            "lessons",
            LessonProgress.objects.filter(
                lesson__isnull=False, enrolment__course__isnull=False
            )
            .select_related(
                "lesson",
                "enrolment__course",
                "enrolment__learner__staff_profile",
                "enrolment__learner__xapi_pseudonym",
            )
            .order_by("pk"),
            _progress,
        ),
        (
            "quiz attempts",
            QuizAttempt.objects.filter(
                submitted_at__isnull=False,
                quiz__isnull=False,
                enrolment__course__isnull=False,
            )
            .select_related(
                "quiz",
                "enrolment__course",
                "enrolment__learner__staff_profile",
                "enrolment__learner__xapi_pseudonym",
            )
            .prefetch_related("responses")
            .order_by("pk"),
            _attempts,
        ),
        (
            "certificates",
            Certificate.objects.filter(enrolment__course__isnull=False)
            .select_related(
                "enrolment__course",
                "enrolment__learner__staff_profile",
                "enrolment__learner__xapi_pseudonym",
            )
            .order_by("pk"),
            _certificates,
        ),
    ]


def backfill(progress=None):
    """Record every statement the stored record implies. Returns the number
    of statements built per source (new ones and ones already stored)."""
    counts = {}
    for name, queryset, build in sources():
        built = 0
        for batch in _chunks(queryset, build):
            with transaction.atomic():
                record_many(batch)
            built += len(batch)
            if progress:
                progress(name, built)
        counts[name] = built
    return counts
