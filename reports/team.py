"""Reads for a manager's "My team": the people in their scope with counts of
their required training, and one person's assignments.

Who is in scope is decided only by `organisation.scope` (the people, and the
units for the unit filter). Every function here is a fixed number of
queries, whatever the number of people or assignments.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q

from assignments.models import Assignment
from assignments.required import by_due_date, current_assignments
from learners.models import Certificate
from organisation.models import StaffProfile
from organisation.scope import scope_of

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


def _overdue(day):
    return Q(state=Assignment.State.OPEN, due_date__lt=day)


def _has_overdue(day):
    return Exists(
        current_assignments(
            Assignment.objects.filter(person=OuterRef("user_id")).filter(_overdue(day))
        )
    )


@dataclass
class TeamRow:
    profile: StaffProfile
    to_do: int = 0
    overdue: int = 0
    completed: int = 0
    exempt: int = 0


def team_page(people, day, *, unit=None, overdue_only=False, page_number=1):
    """One page of `people` (a scope from `team_scope`), with each person's
    counts of current required training: to do (not yet overdue), overdue,
    completed and exempt. Three queries: the count, the page, the counts."""
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
        current_assignments(
            Assignment.objects.filter(person_id__in=[r.profile.user_id for r in rows])
        )
        .order_by()
        .values("person_id")
        .annotate(
            to_do=Count(
                "pk",
                filter=Q(state=Assignment.State.OPEN)
                & (Q(due_date__isnull=True) | Q(due_date__gte=day)),
            ),
            overdue=Count("pk", filter=_overdue(day)),
            completed=Count("pk", filter=Q(state=Assignment.State.COMPLETED)),
            exempt=Count("pk", filter=Q(state=Assignment.State.EXEMPT)),
        )
    )
    by_person = {row["person_id"]: row for row in counts} if rows else {}
    for row in rows:
        found = by_person.get(row.profile.user_id)
        if found:
            row.to_do = found["to_do"]
            row.overdue = found["overdue"]
            row.completed = found["completed"]
            row.exempt = found["exempt"]
    page.object_list = rows
    return page


@dataclass
class PersonAssignment:
    assignment: Assignment
    overdue: bool
    certificate: Certificate | None

    @property
    def status(self):
        if self.overdue:
            return "overdue"
        return self.assignment.state


def person_assignments(profile, day) -> list[PersonAssignment]:
    """The person's current assignments (not withdrawn), soonest due first,
    each with their latest certificate of the course. Two queries."""
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
    return [
        PersonAssignment(
            assignment=assignment,
            overdue=assignment.is_overdue(day),
            certificate=latest.get(assignment.course_id),
        )
        for assignment in assignments
    ]
