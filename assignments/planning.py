"""Assignment rules: who a rule matches, their due dates, and the plan that
brings a course's assignments in step with its rules.

Planning reads only. `plan_course` compares what the rules ask for today with
the assignments on record and returns every change; the preview shows a plan,
and `actions.evaluation.apply_plan` writes the same plan — so a preview lists
exactly what the activation then does.

Decisions (also in docs/assignments.md):
- The audience is every active member of staff who matches *all* the criteria
  given (units, job titles, new starters, and any kind another app registers:
  `audiences`; "all staff" when none), plus any named people. People past
  their end date or deactivated match nothing.
- A rule's due date for a person is its policy's date, but never earlier than
  the day they are assigned plus the rule's grace period. Several rules give one
  assignment with the earliest due date.
- An open assignment keeps its due date when the person moves between two
  audiences of the course; only a newly matching rule with an earlier date, an
  edit of a matching rule, or leave moves it.
- Leave: a due date on or before the last day of leave moves to the return
  date plus the grace period.
- Keep valid: when the certificate of the last completed cycle expires within
  the rule's window (or is revoked), the next cycle opens, due on the expiry
  date (and never sooner than the grace period).
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import reduce
from operator import and_

from django.contrib.auth import get_user_model
from django.db.models import Q

from learners.models import Enrolment
from organisation.models import OrgUnit, StaffProfile

from . import audiences
from .models import Assignment, AssignmentRule, Exemption

Rule = AssignmentRule


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the planner sees it; also an unsaved rule being previewed."""

    id: int | None
    name: str
    course_id: int
    everyone: bool = False
    subtree_unit_ids: tuple = ()
    only_unit_ids: tuple = ()
    job_titles: tuple = ()
    people_ids: frozenset = frozenset()
    new_starters_from: date | None = None
    due_kind: str = Rule.DueKind.AFTER_ASSIGNMENT
    due_date: date | None = None
    due_days: int | None = None
    grace_days: int = 14
    recurrence: str = Rule.Recurrence.NONE
    renew_days_before: int = 30
    scope_path: str = ""  # a coordinator's administration; "" for the city
    # The parts of the audience of kinds other apps registered
    # (`audiences.register`): (kind key, value) pairs.
    extra: tuple = ()

    @classmethod
    def of(cls, rule, *, subtree_ids=None, only_ids=None, people_ids=None):
        """From a saved rule, or from a rule and its form's many-to-many values."""
        if subtree_ids is None:
            subtree_ids = [u.pk for u in rule.units_with_subtree.all()]
        if only_ids is None:
            only_ids = [u.pk for u in rule.units_only.all()]
        if people_ids is None:
            people_ids = [p.pk for p in rule.people.all()]
        return cls(
            id=rule.pk,
            name=rule.name,
            course_id=rule.course_id,
            everyone=rule.everyone,
            subtree_unit_ids=tuple(sorted(subtree_ids)),
            only_unit_ids=tuple(sorted(only_ids)),
            job_titles=tuple(t.strip() for t in rule.job_titles if t.strip()),
            people_ids=frozenset(people_ids),
            new_starters_from=rule.new_starters_from,
            due_kind=rule.due_kind,
            due_date=rule.due_date,
            due_days=rule.due_days,
            grace_days=rule.grace_days or 0,
            recurrence=rule.recurrence,
            renew_days_before=rule.renew_days_before or 0,
            scope_path=rule.scope_unit.path if rule.scope_unit_id else "",
            extra=tuple(
                (kind.key, value)
                for kind in audiences.kinds()
                if (value := kind.load(rule)) is not None
            ),
        )

    @property
    def has_criteria(self):
        return bool(audiences.used_by(self))

    @property
    def keeps_valid(self):
        return self.recurrence == Rule.Recurrence.KEEP_VALID

    def due_for(self, start_date, on: date) -> date:
        """The due date for a person assigned on `on`."""
        if self.due_kind == Rule.DueKind.FIXED and self.due_date:
            base = self.due_date
        elif self.due_kind == Rule.DueKind.AFTER_START and start_date:
            base = start_date + timedelta(days=self.due_days or 0)
        else:
            base = on + timedelta(days=self.due_days or 0)
        return max(base, on + timedelta(days=self.grace_days))


def active_specs(course_id):
    rules = (
        Rule.objects.filter(course_id=course_id, active=True)
        .select_related("scope_unit")
        .prefetch_related("units_with_subtree", "units_only", "people")
        .order_by("pk")
    )
    return [RuleSpec.of(rule) for rule in rules]


@dataclass
class Match:
    """One person matched by one or more rules of a course."""

    person_id: int
    start_date: date | None
    on_leave_until: date | None
    specs: list = field(default_factory=list)
    reasons: list = field(default_factory=list)

    @property
    def grace(self):
        return min(spec.grace_days for spec in self.specs)

    @property
    def renew_days(self):
        """The widest renewal window of the keep-valid rules, or None."""
        days = [spec.renew_days_before for spec in self.specs if spec.keeps_valid]
        return max(days) if days else None

    def due(self, on, specs=None):
        return min(spec.due_for(self.start_date, on) for spec in (specs or self.specs))

    @property
    def rule_ids(self):
        return {spec.id for spec in self.specs}


def _staff_matching(spec: RuleSpec, today, units):
    """The active staff the rule matches, as `audiences.Person` rows."""
    people = Q(user_id__in=spec.people_ids) if spec.people_ids else Q(pk__in=[])
    criteria = [kind.q(value, units) for kind, value in audiences.used_by(spec)]
    if criteria:
        audience = reduce(and_, criteria) | people
    elif spec.everyone:
        audience = Q()
    else:
        audience = people
    if spec.scope_path:
        audience &= Q(unit__path__startswith=spec.scope_path)
    rows = (
        StaffProfile.objects.filter(user__is_active=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(audience)
        .values_list(*audiences.PERSON_FIELDS)
    )
    return [audiences.Person(*row) for row in rows]


def _why(spec, units, person, named):
    """What of the person matched the rule, for "why am I assigned?"."""
    matched = []
    used = audiences.used_by(spec)
    if (spec.everyone or used) and all(
        kind.meets(value, person, units) for kind, value in used
    ):
        if spec.everyone and not any(kind.names_the_audience for kind, _v in used):
            matched.append({"kind": "everyone"})
        for kind, value in used:
            matched += kind.reasons(value, person, units)
    if named:
        matched.append({"kind": "named"})
    return {"rule": spec.id, "name": spec.name, "matched": matched}


def match_people(specs, today) -> dict[int, Match]:
    """Everyone the rules match, with each rule's reasons."""
    unit_ids = {i for spec in specs for i in spec.subtree_unit_ids + spec.only_unit_ids}
    matches: dict[int, Match] = {}
    for spec in specs:
        units = OrgUnit.objects.in_bulk(unit_ids) if unit_ids else {}
        rows = list(_staff_matching(spec, today, units))
        # Names of the people's own units, for the reasons (one query).
        own = {p.unit_id for p in rows if p.unit_id and p.unit_id not in units}
        if own and spec.subtree_unit_ids:
            units = {**units, **OrgUnit.objects.only("name", "path").in_bulk(own)}
        for person in rows:
            match = matches.get(person.user_id)
            if match is None:
                match = matches[person.user_id] = Match(
                    person.user_id, person.start_date, person.on_leave_until
                )
            match.specs.append(spec)
            match.reasons.append(
                _why(spec, units, person, person.user_id in spec.people_ids)
            )
    return matches


@dataclass
class Change:
    """One person's change: what their assignment of the course becomes."""

    person_id: int
    kind: str  # see Plan.KINDS
    cycle: int
    state: str
    due_date: date | None
    reasons: list
    assignment: Assignment | None = None  # the row changed; None for a new one
    old_due_date: date | None = None
    completed_at: object = None
    open_enrolment: bool = False  # a new cycle also opens its enrolment


@dataclass
class Plan:
    """Every change that brings one course's assignments in step with its rules."""

    KINDS = (
        "assign",  # a new assignment
        "reopen",  # a withdrawn assignment back in the audience
        "renew",  # a new cycle of a recurring course
        "already_done",  # assigned, and already completed (no one is due again)
        "complete",  # completed elsewhere or earlier: recorded
        "exempt",  # an exemption applies
        "unexempt",  # an exemption ended
        "withdraw",  # no longer in the audience
        "due_moved",  # the due date moves (rule edit, earlier rule, leave)
        "reasons",  # only the reasons changed (moved between audiences)
    )

    course_id: int
    today: date
    changes: list = field(default_factory=list)
    matched: int = 0
    matched_ids: frozenset = frozenset()  # who `matched` counts

    def of_kind(self, *kinds):
        return [change for change in self.changes if change.kind in kinds]

    def counts(self):
        counts = dict.fromkeys(self.KINDS, 0)
        for change in self.changes:
            counts[change.kind] += 1
        counts["matched"] = self.matched
        return counts

    @property
    def gains(self):
        return self.of_kind("assign", "reopen", "renew")

    @property
    def losses(self):
        return self.of_kind("withdraw")

    def within(self, person_ids):
        """This plan as seen by someone who sees only `person_ids`: their
        changes, and how many of them the rules match."""
        return replace(
            self,
            changes=[c for c in self.changes if c.person_id in person_ids],
            matched=len(self.matched_ids & person_ids),
            matched_ids=self.matched_ids & person_ids,
        )

    def people(self, changes):
        """The people of some changes, by id, in one query."""
        ids = {change.person_id for change in changes}
        return get_user_model().objects.select_related("staff_profile").in_bulk(ids)


@dataclass
class _Done:
    cycle: int
    completed_at: object
    valid_until: date | None
    revoked: bool


def _enrolment_history(course_id):
    """Per person: their latest enrolment cycle, and their latest completed one."""
    latest: dict[int, tuple] = {}
    done: dict[int, _Done] = {}
    rows = (
        Enrolment.objects.filter(course_id=course_id)
        .order_by("learner_id", "-cycle")
        .values_list(
            "learner_id",
            "cycle",
            "completed_at",
            "certificate__valid_until",
            "certificate__revoked_at",
        )
    )
    for learner_id, cycle, completed_at, valid_until, revoked_at in rows:
        latest.setdefault(learner_id, (cycle, completed_at))
        if completed_at and learner_id not in done:
            done[learner_id] = _Done(
                cycle, completed_at, valid_until, revoked_at is not None
            )
    return latest, done


def _needs_renewal(match, held: _Done, today):
    if match.renew_days is None or held is None:
        return False
    if held.revoked:
        return True
    return held.valid_until is not None and (
        held.valid_until - timedelta(days=match.renew_days) <= today
    )


def _renewal_due(match, held: _Done, today):
    grace = today + timedelta(days=match.grace)
    if held.revoked or held.valid_until is None:
        return grace
    return max(held.valid_until, grace)


def _leave_adjusted(match, due, today):
    leave = match.on_leave_until
    if due and leave and leave >= today and due <= leave:
        return leave + timedelta(days=match.grace)
    return due


def plan_course(
    course_id,
    specs,
    today,
    *,
    recompute_rule_ids=(),
    inactive_retakes=None,
    retired=False,
) -> Plan:
    """What the course's assignments must become for `specs` (its active rules,
    or a preview's version of them) on `today`."""
    plan = Plan(course_id, today)
    matches = match_people(specs, today)
    plan.matched = len(matches)
    plan.matched_ids = frozenset(matches)
    current: dict[int, Assignment] = {}
    for row in Assignment.objects.filter(course_id=course_id).order_by(
        "person_id", "-cycle"
    ):
        current.setdefault(row.person_id, row)
    exempt = set(
        Exemption.objects.filter(course_id=course_id)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("person_id", flat=True)
    )
    latest, done = _enrolment_history(course_id)
    if inactive_retakes is None:
        retake_people = [
            a.person_id
            for a in current.values()
            if a.source == Assignment.Source.RETAKE
            and a.state in (Assignment.State.OPEN, Assignment.State.EXEMPT)
            and a.person_id not in matches
        ]
        inactive_retakes = set(
            get_user_model()
            .objects.filter(pk__in=retake_people, is_active=False)
            .values_list("pk", flat=True)
        )
    add = plan.changes.append
    open_states = (Assignment.State.OPEN, Assignment.State.EXEMPT)

    for person_id in sorted(set(matches) | set(current)):
        match = matches.get(person_id)
        row = current.get(person_id)
        held = done.get(person_id)
        if match is None:
            if row is None or row.state not in open_states:
                continue
            if (
                retired
                or row.source == Assignment.Source.RULE
                or person_id in inactive_retakes
            ):
                add(
                    Change(
                        person_id,
                        "withdraw",
                        row.cycle,
                        "withdrawn",
                        row.due_date,
                        row.reasons,
                        row,
                    )
                )
            continue
        reasons = match.reasons
        is_exempt = person_id in exempt
        opened = Assignment.State.EXEMPT if is_exempt else Assignment.State.OPEN

        if row is None:
            if held and not _needs_renewal(match, held, today):
                add(
                    Change(
                        person_id,
                        "already_done",
                        held.cycle,
                        "completed",
                        None,
                        reasons,
                        completed_at=held.completed_at,
                    )
                )
                continue
            if held:  # completed before, but its certificate needs renewing
                cycle, due = (
                    _next_cycle(latest[person_id], held),
                    _renewal_due(match, held, today),
                )
                add(
                    Change(
                        person_id,
                        "renew",
                        cycle,
                        opened,
                        _leave_adjusted(match, due, today),
                        reasons,
                        open_enrolment=latest[person_id][0] < cycle,
                    )
                )
                continue
            cycle = latest[person_id][0] if person_id in latest else 1
            due = _leave_adjusted(match, match.due(today), today)
            add(Change(person_id, "assign", cycle, opened, due, reasons))
            continue

        if row.state != Assignment.State.COMPLETED and held and held.cycle >= row.cycle:
            if not held.revoked:
                add(
                    Change(
                        person_id,
                        "complete",
                        row.cycle,
                        "completed",
                        row.due_date,
                        reasons,
                        row,
                        completed_at=held.completed_at,
                    )
                )
                continue

        if row.state == Assignment.State.COMPLETED:
            if _needs_renewal(match, held, today):
                cycle = _next_cycle(latest[person_id], held, row.cycle)
                due = _renewal_due(match, held, today)
                add(
                    Change(
                        person_id,
                        "renew",
                        cycle,
                        opened,
                        _leave_adjusted(match, due, today),
                        reasons,
                        open_enrolment=latest[person_id][0] < cycle,
                    )
                )
            continue

        if row.state == Assignment.State.WITHDRAWN:
            due = _leave_adjusted(match, match.due(today), today)
            add(
                Change(
                    person_id,
                    "reopen",
                    row.cycle,
                    opened,
                    due,
                    reasons,
                    row,
                    old_due_date=row.due_date,
                )
            )
            continue

        # Open or exempt.
        if row.source == Assignment.Source.RETAKE:
            reasons = row.reasons  # a retake keeps HR's reason
        if row.state == Assignment.State.OPEN and is_exempt:
            add(
                Change(
                    person_id, "exempt", row.cycle, "exempt", row.due_date, reasons, row
                )
            )
            continue
        due = row.due_date
        kind = None
        if row.state == Assignment.State.EXEMPT and not is_exempt:
            kind = "unexempt"
            due = max(due or today, today + timedelta(days=match.grace))
        known = {reason.get("rule") for reason in row.reasons}
        newcomers = [spec for spec in match.specs if spec.id not in known]
        if newcomers and due:
            due = min(due, match.due(today, newcomers))
        edited = [spec for spec in match.specs if spec.id in recompute_rule_ids]
        if edited and due:
            recomputed = match.due(row.assigned_on)
            if recomputed < due:
                # An edit never makes anyone due sooner than the grace period.
                recomputed = max(
                    recomputed, min(due, today + timedelta(days=match.grace))
                )
            due = recomputed
        due = _leave_adjusted(match, due, today) if row.state == "open" or kind else due
        if kind:
            add(
                Change(
                    person_id,
                    kind,
                    row.cycle,
                    "open",
                    due,
                    reasons,
                    row,
                    old_due_date=row.due_date,
                )
            )
        elif due != row.due_date:
            add(
                Change(
                    person_id,
                    "due_moved",
                    row.cycle,
                    row.state,
                    due,
                    reasons,
                    row,
                    old_due_date=row.due_date,
                )
            )
        elif reasons != row.reasons:
            add(Change(person_id, "reasons", row.cycle, row.state, due, reasons, row))
    return plan


def _next_cycle(latest, held, assigned_cycle=0):
    """The cycle a renewal opens: the open cycle the person has already
    started themselves, else the one after everything on record."""
    latest_cycle, latest_completed_at = latest
    if latest_completed_at is None and latest_cycle > held.cycle:
        return latest_cycle
    return max(held.cycle, assigned_cycle, latest_cycle) + 1
