"""Completions from before go-live or from elsewhere (a classroom day, an
external course), recorded by HR so that nobody is due again for what they
have already done. They count like completions here: the cycle is completed
and its certificate issued with the validity from the recorded date.

Idempotent: recording the same person, course, date and source again returns
the existing record. No completion email is sent (a go-live import must not
mail thousands of people about old courses).
"""

from datetime import date, datetime, time

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Collection, CollectionViewRestriction

from courses.models import CoursePage

from .. import xapi_events as xapi
from ..models import Enrolment
from ..signals import course_completed
from .certificates import issue_certificate

RECORD_COMPLETION = "learners.record_completion"
HR_RECORDS_COLLECTION = "HR-handlingar"


def hr_records_collection():
    """The collection for attachments to people's records: its documents are
    served only to the groups that may record completions now (the HR
    administrators), never by a bare link. Safe to call any number of times:
    it brings the restriction in step with who holds the permission."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=HR_RECORDS_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=HR_RECORDS_COLLECTION)
    restriction, _created = CollectionViewRestriction.objects.get_or_create(
        collection=collection,
        defaults={"restriction_type": CollectionViewRestriction.GROUPS},
    )
    restriction.groups.set(recording_groups())
    return collection


def recording_groups():
    """The groups that hold the permission to record completions."""
    app_label, codename = RECORD_COMPLETION.split(".")
    return Group.objects.filter(
        permissions__content_type__app_label=app_label,
        permissions__codename=codename,
    )


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
    if not actor.has_perm(RECORD_COMPLETION):
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
        course_completed.send(sender=Enrolment, enrolment=enrolment)
    return enrolment
