"""Reads for "My learning": a person's required training (a panel of the
page, `learners.my_learning`), and why they are assigned it, in plain words.

Everything here reads; a fixed number of queries whatever the number of
courses, cycles or assignments.
"""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from learners.models import Certificate
from learners.my_learning import Panel
from learners.progress import CourseProgress, Status, with_courses

from . import audiences
from .models import Assignment

REQUIRED_STATES = (Assignment.State.OPEN, Assignment.State.EXEMPT)


def current_assignments(queryset=None):
    """Only the newest cycle of each (person, course): an earlier cycle is
    history, whatever its state."""
    newer = Assignment.objects.filter(
        person=OuterRef("person"),
        course=OuterRef("course"),
        cycle__gt=OuterRef("cycle"),
    )
    if queryset is None:
        queryset = Assignment.objects.all()
    return queryset.exclude(Exists(newer))


def by_due_date(queryset):
    """Soonest due first; no due date last."""
    return queryset.order_by(F("due_date").asc(nulls_last=True), "course_title", "pk")


# --- Why am I assigned? ------------------------------------------------------


def describe_reasons(reasons) -> list[str]:
    """`Assignment.reasons` as sentences, one per rule (or retake)."""
    sentences = []
    for reason in reasons if isinstance(reasons, list) else []:
        if not isinstance(reason, dict):
            continue
        if reason.get("kind") == "retake":
            sentences.append(
                _("HR required a retake on %(date)s: %(reason)s")
                % {
                    "date": audiences.day_text(reason.get("on")),
                    "reason": reason.get("reason", ""),
                }
            )
            continue
        matched = [
            text
            for text in (
                audiences.describe(item)
                for item in reason.get("matched", [])
                if isinstance(item, dict)
            )
            if text
        ]
        name = reason.get("name", "")
        if matched:
            sentences.append(
                _("Rule “%(rule)s”: %(reasons)s")
                % {"rule": name, "reasons": "; ".join(matched)}
            )
        else:
            sentences.append(_("Rule “%(rule)s”") % {"rule": name})
    return sentences


# --- My learning -------------------------------------------------------------


@dataclass
class RequiredItem:
    """One course the person must complete (or is exempt from)."""

    assignment: Assignment
    overdue: bool
    reasons: list[str]
    progress: CourseProgress | None = None
    certificate: Certificate | None = None

    @property
    def course(self):
        return self.assignment.course

    @property
    def available(self):
        course = self.assignment.course
        return course is not None and course.live

    @property
    def status(self):
        if self.assignment.state == Assignment.State.EXEMPT:
            return "exempt"
        progress = self.progress
        if progress is None or progress.enrolment is None:
            return Status.NOT_STARTED
        if progress.status == Status.COMPLETED:
            return Status.COMPLETED
        # A new cycle opens its enrolment before the person does anything:
        # it is started once a lesson or quiz is.
        if any(state.status != Status.NOT_STARTED for state in progress.lessons):
            return Status.IN_PROGRESS
        return Status.NOT_STARTED


def required_panel(user, today):
    """The person's required training, soonest due first, as a panel of My
    learning (`learners.my_learning`): one query for the assignments (their
    course pages as this process knows them, `with_courses`); their courses'
    progress is read with the page's own."""
    assignments = with_courses(
        by_due_date(
            current_assignments(
                Assignment.objects.filter(person=user, state__in=REQUIRED_STATES)
            )
        )
    )

    def build(progress, certificates):
        latest_certificate = {}
        for certificate in certificates:
            if certificate.course_id and not certificate.revoked_at:
                latest_certificate.setdefault(certificate.course_id, certificate)
        required = [
            RequiredItem(
                assignment=assignment,
                overdue=assignment.is_overdue(today),
                reasons=describe_reasons(assignment.reasons),
                progress=progress.get(assignment.course_id),
                certificate=latest_certificate.get(assignment.course_id),
            )
            for assignment in assignments
        ]
        return {"required": required, "today": today}

    return Panel(
        template="assignments/includes/required_training.html",
        courses=[a.course for a in assignments if a.course is not None],
        build=build,
    )
