"""The evaluation that keeps a course's assignments in step with its rules.

One course is evaluated at a time under a per-course lock: the plan is made
inside the lock and written in the same transaction (`evaluate_course`). Rows
that changed since the plan was made (a completion arriving meanwhile) are
left as they are; the next evaluation sees them. Every function here is safe
to run twice, and concurrently: the second run finds nothing to change.
"""

from django.db import transaction
from django.utils import timezone

from core.locks import advisory_xact_lock
from core.tasks import enqueue
from courses.models import CoursePage
from learners import xapi_events as xapi
from learners.models import Enrolment

from ..models import Assignment, AssignmentRule
from ..planning import Plan, active_specs, plan_course
from ..signals import assignments_changed

ASSIGNMENT_LOCK = 0x41535347  # "ASSG"


def lock_course(course_id):
    """One evaluation (or HR change) of a course's assignments at a time."""
    advisory_xact_lock(ASSIGNMENT_LOCK, course_id)


def live_course(course_id):
    return CoursePage.objects.live().filter(pk=course_id).first()


def plan_for_course(course_id, today=None, *, specs=None, recompute_rule_ids=()):
    """The plan for a course's active rules (or `specs`, for a preview)."""
    today = today or timezone.localdate()
    course = live_course(course_id)
    if course is None:
        return Plan(course_id, today)  # unpublished: nothing changes meanwhile
    if course.retired:
        specs = []  # retired: no new assignments, open ones are withdrawn
    elif specs is None:
        specs = active_specs(course_id)
    return plan_course(
        course_id,
        specs,
        today,
        recompute_rule_ids=recompute_rule_ids,
        retired=course.retired,
    )


def evaluate_course(course_id, today=None, *, recompute_rule_ids=()) -> Plan:
    """Bring the course's assignments in step with its active rules. Safe to
    run twice, and concurrently: the second run finds nothing to change."""
    with transaction.atomic():
        lock_course(course_id)
        plan = plan_for_course(course_id, today, recompute_rule_ids=recompute_rule_ids)
        apply_plan(plan)
    return plan


UPDATED_FIELDS = [
    "state",
    "due_date",
    "reasons",
    "completed_at",
    "withdrawn_on",
    "assigned_on",
]


def apply_plan(plan: Plan):
    """Write a plan made under the course lock, in bulk."""
    if not plan.changes:
        return
    course = CoursePage.objects.filter(pk=plan.course_id).only("title").first()
    title = course.title if course else ""
    today = plan.today
    changed = [c for c in plan.changes if c.assignment is not None]
    fresh = {
        row.pk: row
        for row in Assignment.objects.select_for_update()
        .filter(pk__in=[c.assignment.pk for c in changed])
        .order_by("pk")
    }
    new_rows, updated, enrolments = [], [], []
    for change in plan.changes:
        row = change.assignment
        creates = row is None or change.kind == "renew"
        if creates:
            new_rows.append(
                Assignment(
                    person_id=change.person_id,
                    course_id=plan.course_id,
                    course_title=title,
                    cycle=change.cycle,
                    state=change.state,
                    assigned_on=today,
                    due_date=change.due_date,
                    reasons=change.reasons,
                    completed_at=change.completed_at,
                )
            )
            if change.open_enrolment:
                enrolments.append(
                    Enrolment(
                        learner_id=change.person_id,
                        course_id=plan.course_id,
                        cycle=change.cycle,
                        course_title=title,
                    )
                )
            continue
        stored = fresh.get(row.pk)
        if stored is None or (stored.state, stored.due_date) != (
            row.state,
            row.due_date,
        ):
            continue  # changed since the plan was made: the next run decides
        stored.state = change.state
        stored.due_date = change.due_date
        stored.reasons = change.reasons
        if change.kind == "complete":
            stored.completed_at = change.completed_at
        if change.kind == "withdraw":
            stored.withdrawn_on = today
        if change.kind == "reopen":
            stored.withdrawn_on = None
            stored.assigned_on = today
        updated.append(stored)
    Assignment.objects.bulk_create(new_rows, batch_size=2000)
    Assignment.objects.bulk_update(updated, UPDATED_FIELDS, batch_size=1000)
    # A new cycle opens its enrolment, so the course page shows the new round.
    Enrolment.objects.bulk_create(enrolments, batch_size=2000, ignore_conflicts=True)
    if enrolments:
        xapi.enrolled_many(enrolment.registration for enrolment in enrolments)


def evaluate_all(today=None):
    """Every course with rules or open assignments. Returns {course id: counts}."""
    return {
        course_id: evaluate_course(course_id, today).counts()
        for course_id in courses_to_evaluate()
    }


def courses_to_evaluate():
    with_rules = AssignmentRule.objects.filter(active=True, course__isnull=False)
    with_open = Assignment.objects.filter(
        state__in=[Assignment.State.OPEN, Assignment.State.EXEMPT],
        course__isnull=False,
    )
    return sorted(
        set(with_rules.values_list("course_id", flat=True))
        | set(with_open.values_list("course_id", flat=True).distinct())
    )


def mark_completed(enrolment):
    """Inside a completion's transaction: the person's open assignment of the
    course up to this cycle is completed."""
    if enrolment.course_id is None or enrolment.completed_at is None:
        return 0
    return Assignment.objects.filter(
        person_id=enrolment.learner_id,
        course_id=enrolment.course_id,
        cycle__lte=enrolment.cycle,
        state__in=[Assignment.State.OPEN, Assignment.State.EXEMPT],
    ).update(state=Assignment.State.COMPLETED, completed_at=enrolment.completed_at)


def reevaluate_course(course_id, today=None):
    """`evaluate_course`, and when anything changed the apps that count
    assignments are told (`assignments_changed`: the reports refresh their
    precomputed counts). Returns the plan's counts."""
    counts = evaluate_course(course_id, today).counts()
    if any(n for kind, n in counts.items() if kind != "matched"):
        assignments_changed.send(sender=Assignment, course_id=course_id)
    return counts


def sweep_all_courses():
    """Nightly, and after every HR import: every course with rules or open
    assignments is re-evaluated in its own small task — catch-up for people
    who entered an audience, withdrawal for those who left it, renewals that
    fall due, leave and ended exemptions. Returns how many courses."""
    course_ids = courses_to_evaluate()
    for course_id in course_ids:
        enqueue("assignments.evaluate_course_assignments", course_id)
    # After an import people may have moved or left without any assignment
    # changing: the counts are refreshed in any case (queued after the
    # courses' tasks).
    assignments_changed.send(sender=Assignment, course_id=None)
    return len(course_ids)
