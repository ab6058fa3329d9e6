"""Completions from before go-live or from elsewhere (a classroom day, an
external course), recorded by HR so that nobody is due again for what they
have already done. They count like completions here: the cycle is completed
and its certificate issued with the validity from the recorded date.

Idempotent: recording the same person, course, date and source again returns
the existing record. No completion email is sent (a go-live import must not
mail thousands of people about old courses).
"""

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage

from ..models import Enrolment
from ..xapi import events as xapi
from .assignments import mark_completed
from .certificates import issue_certificate


def completion_moment(day: date) -> datetime:
    """Midday in the city's time zone: the date stays the same in any zone report."""
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def record_completion_elsewhere(
    actor,
    person,
    course: CoursePage,
    completed_on: date,
    *,
    source: str = Enrolment.Source.EXTERNAL,
    note: str = "",
    attachment=None,
) -> Enrolment:
    if not actor.has_perm("learners.record_completion"):
        raise PermissionDenied(_("You may not record completions."))
    if source not in (Enrolment.Source.IMPORTED, Enrolment.Source.EXTERNAL):
        raise ValidationError({"source": _("Unknown source.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The date is in the future.")})
    completed_at = completion_moment(completed_on)
    with transaction.atomic():
        existing = (
            Enrolment.objects.select_for_update()
            .filter(learner=person, course=course)
            .order_by("-cycle")
        )
        latest = existing.first()
        same = existing.filter(completed_at=completed_at, source=source).first()
        if same:
            return same
        if latest is not None and latest.completed_at is None:
            enrolment = latest  # an open cycle is completed by the record
        else:
            enrolment = Enrolment(
                learner=person,
                course=course,
                cycle=(latest.cycle + 1) if latest else 1,
                course_title=course.title,
            )
        enrolment.completed_at = completed_at
        enrolment.source = source
        enrolment.note = note
        enrolment.attachment = attachment
        enrolment.recorded_by = actor
        new = enrolment.pk is None
        enrolment.save()
        if new:
            xapi.enrolled(enrolment)
        xapi.course_completed(enrolment)
        issue_certificate(enrolment)
        mark_completed(enrolment)
    return enrolment
