"""Reads for a manager's "My team": the people in their scope with counts of
their required training, and one person's assignments.

Who is in scope is decided only by `organisation.scope` (the people, and the
units for the unit filter). Every function here is a fixed number of
queries, whatever the number of people or assignments.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef

from assignments.models import Assignment
from assignments.required import by_due_date, current_assignments
from core import vocabulary
from learners.models import Certificate, Enrolment
from organisation.models import StaffProfile
from organisation.scope import scope_of

from .figures import current_items

PER_PAGE = 50
# The header's "My team" link is on every page: whether to show it is cached
# for a few minutes per person and day rather than asked on every request.
# The pages themselves always check the scope.
TEAM_LINK_SECONDS = 300


def team_scope(user, day):
    """The active people `user` may follow up on `day`."""
    return scope_of(user, day).people().active()


def has_team(user, day):
    """Whether `user` has anyone in scope (for the header link; cached)."""
    if not user.is_authenticated or not user.is_active:
        return False
    key = f"learners:has-team:{user.pk}:{day.isoformat()}"
    answer = cache.get(key)
    if answer is None:
        answer = team_scope(user, day).exists()
        cache.set(key, answer, TEAM_LINK_SECONDS)
    return answer


def scope_units(user, day):
    """The active units in `user`'s scope, in tree order (for the filter)."""
    return list(
        scope_of(user, day)
        .units()
        .filter(active=True)
        .only("pk", "name", "path", "depth")
    )


def _has_overdue(day):
    return Exists(
        current_items(None, day).filter(
            person=OuterRef("user_id"),
            state=Assignment.State.OPEN,
            due_date__lt=day,
        )
    )


@dataclass
class TeamRow:
    """A person's current required training counted by state, exactly as the
    reports count it (`figures.current_items`: the same items, the same
    states), so My team and Reports never disagree."""

    profile: StaffProfile
    not_started: int = 0
    in_progress: int = 0
    overdue: int = 0
    completed: int = 0
    exempt: int = 0


def team_page(people, day, *, unit=None, overdue_only=False, page_number=1):
    """One page of `people` (a scope from `team_scope`), with each person's
    counts of current required training by state (`core.vocabulary`: not
    started, in progress, overdue, completed, exempt). Three queries: the
    count, the page, the counts."""
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if overdue_only:
        people = people.filter(_has_overdue(day))
    people = people.select_related("user", "unit").order_by(
        "user__last_name", "user__first_name", "pk"
    )
    page = Paginator(people, PER_PAGE).get_page(page_number)
    rows = [TeamRow(profile) for profile in page.object_list]
    counts = (
        current_items(None, day)
        .filter(person_id__in=[r.profile.user_id for r in rows])
        .order_by()
        .values_list("person_id", "status")
        .annotate(n=Count("pk"))
    )
    by_person = {row.profile.user_id: row for row in rows}
    for person_id, status, n in counts if rows else []:
        if status in vocabulary.STATES:
            setattr(by_person[person_id], status, n)
    page.object_list = rows
    return page


@dataclass
class PersonAssignment:
    assignment: Assignment
    overdue: bool
    certificate: Certificate | None
    started: bool = False  # learning recorded in this round

    @property
    def status(self):
        """The state as the reports name it (`figures.current_items`)."""
        state = self.assignment.state
        if state == Assignment.State.EXEMPT:
            return vocabulary.EXEMPT
        if state == Assignment.State.COMPLETED:
            return vocabulary.COMPLETED
        if self.overdue:
            return vocabulary.OVERDUE
        return vocabulary.IN_PROGRESS if self.started else vocabulary.NOT_STARTED


def person_assignments(profile, day) -> list[PersonAssignment]:
    """The person's current assignments (not withdrawn), soonest due first,
    each with their latest certificate of the course and whether its round
    is started. Three queries."""
    assignments = list(
        by_due_date(
            current_assignments(
                Assignment.objects.filter(person_id=profile.user_id).exclude(
                    state=Assignment.State.WITHDRAWN
                )
            )
        )
    )
    latest = {}
    certificates = Certificate.objects.filter(
        learner_id=profile.user_id,
        course_id__in={a.course_id for a in assignments if a.course_id},
    ).order_by("-valid_from", "-pk")
    for certificate in certificates if assignments else []:
        certificate.state = certificate.state_on(day)
        latest.setdefault(certificate.course_id, certificate)
    started = (
        set(
            Enrolment.objects.filter(
                learner_id=profile.user_id, last_activity_at__isnull=False
            ).values_list("course_id", "cycle")
        )
        if assignments
        else set()
    )
    return [
        PersonAssignment(
            assignment=assignment,
            overdue=assignment.is_overdue(day),
            certificate=latest.get(assignment.course_id),
            started=(assignment.course_id, assignment.cycle) in started,
        )
        for assignment in assignments
    ]
