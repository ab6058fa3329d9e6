"""What the actions call when something happens: build the statement(s) and
write them to the outbox, in the caller's transaction.

One function per event. Each is safe to call twice for the same event (the
statement id is derived from it), so an action retried after a lost response
records its statement once.
"""

from django.db.models import Sum
from django.utils import timezone

from xapi import statements
from xapi.outbox import record, record_many

from .models import Enrolment, LessonProgress


def enrolled(enrolment):
    record([statements.registered(enrolment)], enrolment.learner_id)


def enrolled_many(registrations):
    """Enrolments made in bulk (assignment rules, retakes): the ones that were
    actually inserted, found by their registration UUIDs, in a few queries."""
    enrolments = (
        Enrolment.objects.filter(registration__in=list(registrations))
        .select_related("learner__staff_profile", "learner__xapi_pseudonym", "course")
        .order_by("pk")
    )
    record_many(
        (statements.registered(enrolment), enrolment.learner_id)
        for enrolment in enrolments.iterator(chunk_size=2000)
    )


def launched(enrolment):
    now = timezone.now()
    record(
        [statements.launched(enrolment, now, timezone.localdate(now))],
        enrolment.learner_id,
    )


def lesson_opened(row, lesson):
    record(
        [statements.lesson_experienced(row, getattr(lesson, "title_en", ""))],
        row.enrolment.learner_id,
    )


def lesson_completed(row, lesson):
    record(
        [statements.lesson_completed(row, getattr(lesson, "title_en", ""))],
        row.enrolment.learner_id,
    )


def course_completed(enrolment):
    seconds = (
        LessonProgress.objects.filter(enrolment=enrolment).aggregate(
            total=Sum("time_spent_seconds")
        )["total"]
        or 0
    )
    record([statements.course_completed(enrolment, seconds)], enrolment.learner_id)


def quiz_graded(attempt):
    """Each answer, then passed or failed."""
    record(statements.graded_attempt(attempt), attempt.enrolment.learner_id)


def certificate_earned(certificate):
    record([statements.certificate_earned(certificate)], certificate.learner_id)
