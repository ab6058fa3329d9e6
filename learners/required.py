"""Reads for "My learning": a person's required training, and why they are
assigned it, in plain words.

Everything here reads; a fixed number of queries whatever the number of
courses, cycles or assignments.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, OuterRef
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Assignment, Certificate, Enrolment
from .progress import CourseProgress, Status, course_progress_for

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


def _day(value):
    """An ISO date from a reason, as people read it; as stored if it is not one."""
    try:
        return date_format(date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return str(value or "")


def _matched(item):
    kind = item.get("kind")
    if kind == "everyone":
        return _("the rule is for all staff")
    if kind == "unit":
        return _("your unit is %(unit)s") % {"unit": item.get("unit", "")}
    if kind == "subtree":
        unit, within = item.get("unit") or "", item.get("within") or ""
        if not unit:
            return _("your unit is within %(within)s") % {"within": within}
        if unit == within:
            return _("your unit is %(unit)s") % {"unit": unit}
        return _("your unit %(unit)s is within %(within)s") % {
            "unit": unit,
            "within": within,
        }
    if kind == "job_title":
        return _("your job title is %(title)s") % {"title": item.get("title", "")}
    if kind == "new_starter":
        return _("you started on %(start)s (new starters from %(from)s)") % {
            "start": _day(item.get("start")),
            "from": _day(item.get("from")),
        }
    if kind == "named":
        return _("you are named in the rule")
    return None  # a kind this version does not know: said nothing rather than wrong


def describe_reasons(reasons) -> list[str]:
    """`Assignment.reasons` as sentences, one per rule (or retake)."""
    sentences = []
    for reason in reasons if isinstance(reasons, list) else []:
        if not isinstance(reason, dict):
            continue
        if reason.get("kind") == "retake":
            sentences.append(
                _("HR required a retake on %(date)s: %(reason)s")
                % {"date": _day(reason.get("on")), "reason": reason.get("reason", "")}
            )
            continue
        matched = [
            text
            for text in (
                _matched(item)
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


@dataclass
class MyLearning:
    required: list[RequiredItem] = field(default_factory=list)
    in_progress: list[CourseProgress] = field(default_factory=list)
    completed: list[Enrolment] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


def my_learning(user, today) -> MyLearning:
    """Everything "My learning" shows, in a fixed number of queries."""
    enrolments = list(
        Enrolment.objects.current()
        .filter(learner=user)
        .select_related("course")
        .order_by("-last_activity_at", "-enrolled_at")
    )
    open_courses = [e.course for e in enrolments if not e.completed_at and e.course]
    assignments = list(
        by_due_date(
            current_assignments(
                Assignment.objects.filter(person=user, state__in=REQUIRED_STATES)
            ).select_related("course")
        )
    )
    courses = {course.pk: course for course in open_courses}
    for assignment in assignments:
        if assignment.course is not None:
            courses.setdefault(assignment.course_id, assignment.course)
    # One call for both sections: the same five queries.
    progress = course_progress_for(user, courses.values())

    certificates = list(
        Certificate.objects.filter(learner=user).order_by("-valid_from", "-pk")
    )
    for certificate in certificates:
        certificate.state = certificate.state_on(today)
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
    # Completed cycles stay listed even if HR has since removed the course.
    completed = sorted(
        Enrolment.objects.completed().filter(learner=user).select_related("course"),
        key=lambda enrolment: enrolment.completed_at,
        reverse=True,
    )
    return MyLearning(
        required=required,
        in_progress=[progress[course.pk] for course in open_courses],
        completed=completed,
        certificates=certificates,
    )
