"""Manager and HR reports: one set of read functions that the screen and the
exports share, scoped by `scope_unit_paths` (the one place that decides scope).

What is counted (see docs/reports.md):
- the people: active staff whose unit is in scope, counted in their current
  unit (someone who moved counts where they are now);
- the items: each person's current round of each course (the latest assignment
  cycle), unless it is withdrawn;
- the status of an item: exempt; completed; overdue (open, due date passed);
  in progress (open, with learning recorded in that round); not started;
- completion % = completed / (items − exempt).

Every aggregate is one SQL query whatever the number of people or units.
"""

import bisect
import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from .models import Assignment, Certificate, Enrolment, OrgUnit
from .querysets import _subtree_of

STATUSES = ("not_started", "in_progress", "completed", "overdue", "exempt")


def current_items(paths, day):
    """The items in scope (`paths` from `scope_unit_paths`; None: the city),
    each annotated with its `status` on `day` and its unit's `unit_path`."""
    newer = Assignment.objects.filter(
        person=OuterRef("person"),
        course=OuterRef("course"),
        cycle__gt=OuterRef("cycle"),
    )
    started = Enrolment.objects.filter(
        learner=OuterRef("person"),
        course=OuterRef("course"),
        cycle=OuterRef("cycle"),
        last_activity_at__isnull=False,
    )
    items = (
        Assignment.objects.exclude(state=Assignment.State.WITHDRAWN)
        .exclude(Exists(newer))
        .filter(
            person__is_active=True,
            person__staff_profile__unit__isnull=False,
            course__isnull=False,
        )
        .annotate(
            unit_path=F("person__staff_profile__unit__path"),
            status=Case(
                When(state=Assignment.State.EXEMPT, then=Value("exempt")),
                When(state=Assignment.State.COMPLETED, then=Value("completed")),
                When(due_date__lt=day, then=Value("overdue")),
                When(Exists(started), then=Value("in_progress")),
                default=Value("not_started"),
                output_field=CharField(),
            ),
        )
    )
    if paths is not None:
        items = items.filter(_subtree_of(paths, "person__staff_profile__unit__path"))
    return items


@dataclass
class Cell:
    total: int = 0
    completed: int = 0
    overdue: int = 0
    exempt: int = 0

    @property
    def required(self):
        return self.total - self.exempt

    @property
    def percent(self):
        return round(100 * self.completed / self.required) if self.required else None

    def add(self, other):
        self.total += other.total
        self.completed += other.completed
        self.overdue += other.overdue
        self.exempt += other.exempt


@dataclass
class Row:
    unit: OrgUnit | None
    label: str
    cells: dict = field(default_factory=dict)  # course id → Cell
    total: Cell = field(default_factory=Cell)


def _counts():
    return {
        "total": Count("pk"),
        "completed": Count("pk", filter=Q(status="completed")),
        "overdue": Count("pk", filter=Q(status="overdue")),
        "exempt": Count("pk", filter=Q(status="exempt")),
    }


def matrix(items, level_units, prefix_length):
    """Unit × course: `level_units` are the rows (one level of the tree), each
    rolled up over its subtree; `prefix_length` is the length of their paths.
    Returns (rows, totals by course, grand total), from one query."""
    rows = {unit.path: Row(unit, unit.name) for unit in level_units}
    by_course = {}
    grand = Cell()
    grouped = (
        items.annotate(group=Substr("unit_path", 1, prefix_length))
        .values("group", "course_id")
        .annotate(**_counts())
        .order_by()
    )
    for entry in grouped:
        cell = Cell(
            entry["total"], entry["completed"], entry["overdue"], entry["exempt"]
        )
        row = rows.get(entry["group"])
        if row is None:
            continue  # above this level: counted where the viewer's scope starts
        row.cells.setdefault(entry["course_id"], Cell()).add(cell)
        row.total.add(cell)
        by_course.setdefault(entry["course_id"], Cell()).add(cell)
        grand.add(cell)
    return list(rows.values()), by_course, grand


# --- Filters and the people list --------------------------------------------


@dataclass
class Filters:
    course_id: int | None = None
    status: str = ""
    unit: OrgUnit | None = None  # with its subtree
    due_from: object = None
    due_until: object = None
    job_title: str = ""
    sort: str = "name"

    SORTS = {
        "name": ("person__last_name", "person__first_name", "course_title"),
        "unit": ("unit_path", "person__last_name", "course_title"),
        "due": ("due_date", "person__last_name", "course_title"),
        "status": ("status", "person__last_name", "course_title"),
        "course": ("course_title", "person__last_name"),
    }

    def apply(self, items):
        if self.course_id:
            items = items.filter(course_id=self.course_id)
        if self.status in STATUSES:
            items = items.filter(status=self.status)
        if self.unit is not None:
            items = items.filter(unit_path__startswith=self.unit.path)
        if self.due_from:
            items = items.filter(due_date__gte=self.due_from)
        if self.due_until:
            items = items.filter(due_date__lte=self.due_until)
        if self.job_title:
            items = items.filter(
                person__staff_profile__job_title__iexact=self.job_title
            )
        return items

    def as_dict(self):
        """For the audit log: which filters were used."""
        return {
            "course": self.course_id,
            "status": self.status or None,
            "unit": self.unit.hr_code if self.unit else None,
            "due_from": self.due_from.isoformat() if self.due_from else None,
            "due_until": self.due_until.isoformat() if self.due_until else None,
            "job_title": self.job_title or None,
            "sort": self.sort,
        }


# The columns of the people list: the screen and both exports use exactly these.
COLUMNS = (
    ("employee_number", "person__staff_profile__employee_number"),
    ("last_name", "person__last_name"),
    ("first_name", "person__first_name"),
    ("unit", "person__staff_profile__unit__name"),
    ("job_title", "person__staff_profile__job_title"),
    ("course", "course_title"),
    ("status", "status"),
    ("due_date", "due_date"),
    ("completed_at", "completed_at"),
    ("valid_until", "valid_until"),
)


def people_rows(items, filters: Filters):
    """The rows of the people list (one per person and course), as dicts
    with the keys of COLUMNS plus the ids to link to. Lazy: iterate it."""
    certificate = Certificate.objects.filter(
        learner=OuterRef("person"),
        course=OuterRef("course"),
        enrolment__cycle=OuterRef("cycle"),
        revoked_at__isnull=True,
    ).values("valid_until")[:1]
    rows = (
        filters.apply(items)
        .annotate(valid_until=Subquery(certificate))
        .order_by(*Filters.SORTS.get(filters.sort, Filters.SORTS["name"]), "pk")
        .values(
            "pk",
            "person_id",
            "person__staff_profile__id",
            "course_id",
            "cycle",
            *(source for _key, source in COLUMNS),
        )
    )
    return rows


# --- Goals and the trend ---------------------------------------------------------

RATE_WINDOW_DAYS = 28


@dataclass
class GoalStatus:
    goal: object
    cell: Cell
    recent: int  # completions in the last 28 days
    projected_percent: int | None
    state: str  # met, on_track, at_risk, missed

    @property
    def needed(self):
        return math.ceil(self.goal.target_percent * self.cell.required / 100)


def goal_status(goal, day):
    """Met; on track (the last 28 days' completion rate, continued, reaches the
    target by its date); at risk; or missed (the date passed, not met)."""
    paths = [goal.unit.path] if goal.unit_id else None
    items = current_items(paths, day).filter(course_id=goal.course_id)
    since = day - timedelta(days=RATE_WINDOW_DAYS)
    counts = items.aggregate(
        **_counts(),
        recent=Count("pk", filter=Q(status="completed", completed_at__date__gt=since)),
    )
    recent = counts.pop("recent")
    cell = Cell(**counts)
    days_left = max((goal.deadline - day).days, 0)
    projected = cell.completed + recent * days_left / RATE_WINDOW_DAYS
    projected_percent = (
        min(100, round(100 * projected / cell.required)) if cell.required else None
    )
    reached = cell.percent is not None and cell.percent >= goal.target_percent
    if reached:
        state = "met"
    elif day > goal.deadline:
        state = "missed"
    elif projected_percent is not None and projected_percent >= goal.target_percent:
        state = "on_track"
    else:
        state = "at_risk"
    return GoalStatus(goal, cell, recent, projected_percent, state)


@dataclass
class TrendPoint:
    week_ending: object
    completed: int
    required: int

    @property
    def percent(self):
        return round(100 * self.completed / self.required) if self.required else None


def trend(items, course_id, day, weeks=12):
    """Completion over time for one course: for each of the last `weeks`
    weeks, the share of today's required items completed by the week's end.
    Two queries, whatever the number of people."""
    items = items.filter(course_id=course_id)
    required = items.exclude(status="exempt").count()
    ends = [day - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]
    completed = list(
        items.filter(status="completed", completed_at__isnull=False)
        .values_list("completed_at", flat=True)
        .order_by()
    )
    local_days = sorted(timezone.localdate(moment) for moment in completed)
    points = []
    for end in ends:
        done = bisect.bisect_right(local_days, end)
        points.append(TrendPoint(end, done, required))
    return points
