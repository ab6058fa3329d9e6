"""Manager and HR reports: one set of read functions that the screen and the
exports share, scoped by `organisation.scope` (the one place that decides
scope): the overviews count the units in scope, the people lists and person
pages everyone in scope (direct reports in other units too).

What is counted (see docs/reports.md):
- the people: active staff whose unit is in scope, counted in their current
  unit (someone who moved counts where they are now);
- the items: each person's current round of each course (the latest assignment
  cycle), unless it is withdrawn;
- the status of an item: exempt; completed; overdue (open, due date passed);
  in progress (open, with learning recorded in that round); not started;
- completion % = completed / (items − exempt).

Every aggregate is one SQL query whatever the number of people or units.
Big overviews read precomputed counts (a materialized view) when they are
fresh: `PrecomputedCounts`, refreshed by `refresh_counts` (safe to run twice;
it only rewrites the view).
"""

# The raw SQL of the precomputed counts is put together from constants (table
# names, fixed fragments); every value is a bound parameter.
# ruff: noqa: S608

import bisect
import functools
import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
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
from django.db.models.functions import TruncDate
from django.utils import timezone

from assignments.models import Assignment
from learners.models import Certificate, Enrolment
from organisation.models import OrgUnit
from organisation.querysets import subtree_of

STATUSES = ("not_started", "in_progress", "completed", "overdue", "exempt")


def current_items(paths, day):
    """The items of the units under `paths` (a scope's `unit_paths`; None:
    the city), each annotated with its `status` on `day` and its unit's
    `unit_path`."""
    items = _in_paths(_current_items_of_day(day), paths)
    # What these items are, for `matrix` (which then starts from a grouping
    # built once a day). A queryset made from this one (filtered further)
    # does not carry it: Django's querysets copy only their own state.
    items._current_items_of = (paths, day)
    return items


def current_items_of_people(scope, day):
    """The items of everyone in `scope` (`organisation.scope.Scope`): the
    people of its units and its direct reports, wherever they sit."""
    if not scope.has_reports:
        return current_items(scope.unit_paths, day)
    return _current_items_of_day(day).filter(scope.person_q("person__staff_profile__"))


def _in_paths(queryset, paths):
    """Copy of a queryset of items, narrowed to the units under `paths`."""
    if paths is None:
        return queryset.all()
    return queryset.filter(subtree_of(paths, "person__staff_profile__unit__path"))


@functools.lru_cache(maxsize=4)
def _current_items_of_day(day):
    """Every current item on `day`: the queryset, built once per day and
    process (building it cost a millisecond, more than a small unit's
    counts take to run). Never evaluated itself: `current_items` hands out
    copies (as a view's class-level queryset is used)."""
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
    return (
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


def _counts(day):
    """The counts on the assignment's own columns: the same numbers as
    filtering on the `status` CASE (withdrawn items are excluded before, so an
    item is exempt, completed or open), without PostgreSQL evaluating the CASE
    — and its EXISTS on the enrolments — once per count."""
    return {
        "total": Count("pk"),
        "completed": Count("pk", filter=Q(state=Assignment.State.COMPLETED)),
        "overdue": Count("pk", filter=Q(state=Assignment.State.OPEN, due_date__lt=day)),
        "exempt": Count("pk", filter=Q(state=Assignment.State.EXEMPT)),
    }


def _roll_up(grouped, level_units, key):
    """Rows of `level_units` from counts per (group, course): `key(group)`
    is the row's unit path, or None for a group above or outside the level
    (counted where the viewer's scope starts)."""
    rows = {unit.path: Row(unit, unit.name) for unit in level_units}
    by_course = {}
    grand = Cell()
    for group, course_id, total, completed, overdue, exempt in grouped:
        row = rows.get(key(group))
        if row is None:
            continue
        cell = Cell(total, completed, overdue, exempt)
        row.cells.setdefault(course_id, Cell()).add(cell)
        row.total.add(cell)
        by_course.setdefault(course_id, Cell()).add(cell)
        grand.add(cell)
    return list(rows.values()), by_course, grand


def matrix(items, level_units, prefix_length, day, unit_paths=None):
    """Unit × course, counted live: `level_units` are the rows (one level of
    the tree), each rolled up over its subtree; `prefix_length` is the length
    of their paths. Returns (rows, totals by course, grand total).

    Two queries: the units under the level (id → path; none if the caller
    has them: `unit_paths`, every unit under `level_units`), and the counts
    grouped by the person's unit id — a hash aggregate on integers, where
    grouping by a path prefix sorted every item (on disk at city scale)."""
    paths = unit_paths
    if paths is None:
        paths = dict(
            OrgUnit.objects.filter(subtree_of([unit.path for unit in level_units]))
            .order_by()
            .values_list("pk", "path")
        )
    paths_and_day = getattr(items, "_current_items_of", None)
    if paths_and_day is not None and paths_and_day[1] == day:
        # Every current item under some paths: the same query, from the
        # grouping of every item built once a day (the grouping cost more to
        # build than a unit's counts take to run).
        grouped = _in_paths(_grouped_of_day(day), paths_and_day[0])
    else:
        grouped = _grouped(items, day)
    return _roll_up(
        grouped,
        level_units,
        lambda unit_id: paths.get(unit_id, "")[:prefix_length] or None,
    )


def _grouped(items, day):
    """The counts of `items` per unit (the person's) and course."""
    return (
        items.values("person__staff_profile__unit_id", "course_id")
        .annotate(**_counts(day))
        .order_by()
        .values_list(
            "person__staff_profile__unit_id",
            "course_id",
            "total",
            "completed",
            "overdue",
            "exempt",
        )
    )


@functools.lru_cache(maxsize=4)
def _grouped_of_day(day):
    """`_grouped` of every current item on `day`, built once per day and
    process; never evaluated itself (`_in_paths` copies it)."""
    return _grouped(_current_items_of_day(day), day)


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


def goal_status(goal, day, counts=None):
    """Met; on track (the last 28 days' completion rate, continued, reaches the
    target by its date); at risk; or missed (the date passed, not met).
    Counted live, or from `counts` (PrecomputedCounts) when given."""
    since = day - timedelta(days=RATE_WINDOW_DAYS)
    paths = [goal.unit.path] if goal.unit_id else None
    if counts is not None:
        cell, recent = counts.goal(paths, goal.course_id, day, since)
    else:
        items = current_items(paths, day).filter(course_id=goal.course_id)
        totals = items.aggregate(
            **_counts(day),
            recent=Count(
                "pk",
                filter=Q(
                    state=Assignment.State.COMPLETED, completed_at__date__gt=since
                ),
            ),
        )
        recent = totals.pop("recent")
        cell = Cell(**totals)
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
    """Completion over time for one course, counted live: for each of the last
    `weeks` weeks, the share of today's required items completed by the
    week's end. One query: completions counted per local day in SQL."""
    tz = timezone.get_current_timezone()
    paths_and_day = getattr(items, "_current_items_of", None)
    if paths_and_day is not None and paths_and_day[1] == day:
        # Every current item under some paths (see `matrix`): the same query.
        per_day = _in_paths(_per_day_of_day(day, tz), paths_and_day[0])
    else:
        per_day = _per_day(items, tz)
    return trend_points(per_day.filter(course_id=course_id), day, weeks)


def _per_day(items, tz):
    """Of `items`: completed and required per local day of completion."""
    return (
        items.values(day=TruncDate("completed_at", tzinfo=tz))
        .annotate(
            done=Count(
                "pk",
                filter=Q(state=Assignment.State.COMPLETED, completed_at__isnull=False),
            ),
            required=Count("pk", filter=~Q(state=Assignment.State.EXEMPT)),
        )
        .order_by()
        .values_list("day", "done", "required")
    )


@functools.lru_cache(maxsize=4)
def _per_day_of_day(day, tz):
    """`_per_day` of every current item on `day`, built once per day and
    process; never evaluated itself (`_in_paths` copies it)."""
    return _per_day(_current_items_of_day(day), tz)


def trend_points(per_day, day, weeks=12):
    """The trend from (local day or None, completed that day, required)."""
    required, days, done = 0, [], []
    for completed_on, completed, needed in sorted(
        per_day, key=lambda entry: (entry[0] is None, entry[0])
    ):
        required += needed
        if completed_on is not None and completed:
            days.append(completed_on)
            done.append(completed + (done[-1] if done else 0))
    points = []
    for n in range(weeks - 1, -1, -1):
        end = day - timedelta(days=7 * n)
        index = bisect.bisect_right(days, end)
        points.append(TrendPoint(end, done[index - 1] if index else 0, required))
    return points


# --- Precomputed counts -----------------------------------------------------------
#
# Materialized views (migration 0011) hold the current items counted per
# unit, course, state and day (an open item's due date, a completed one's
# local completion date: reports_report_days), and without the completion
# day (reports_report_counts, for the matrix), as the live queries count
# them. The overview of a big scope reads them when they are fresh; overdue
# is still decided at read time from the due date against today. See
# docs/reports.md for when.

COUNTS_VIEW = "reports_report_counts"
DAYS_VIEW = "reports_report_days"
COUNTS_REFRESHED = "reports_report_counts_refreshed"
# Beat refreshes every 5 minutes; older than this (beat down, worker stuck),
# the pages count live instead of showing old figures.
COUNTS_MAX_AGE = timedelta(minutes=15)
# A scope of fewer units than this counts live: it is fast, and exact to
# the minute. An administration has more; a department or a unit fewer.
PRECOMPUTED_MIN_UNITS = 20

_SUMS = """coalesce(sum(c.items), 0)::bigint,
       coalesce(sum(c.items) FILTER (WHERE c.state = 'completed'), 0)::bigint,
       coalesce(sum(c.items) FILTER (WHERE c.state = 'open' AND c.day < %s), 0)::bigint,
       coalesce(sum(c.items) FILTER (WHERE c.state = 'exempt'), 0)::bigint"""


def _scope_sql(paths):
    """The condition on `c.unit_id` for the units under `paths` (None: the
    city), and its parameters."""
    if paths is None:
        return "TRUE", []
    return (
        f"c.unit_id IN (SELECT id FROM {OrgUnit._meta.db_table} "
        "WHERE path LIKE ANY(%s))",
        [[f"{path}%" for path in paths]],  # treebeard paths: [0-9A-Z] only
    )


@dataclass
class PrecomputedCounts:
    """The counts in the materialized view, refreshed at `as_of`."""

    as_of: object

    @staticmethod
    def for_page(paths, filters, now=None, units=None):
        """The precomputed counts, if a page of the scope under `paths` (None:
        the city) with `filters` may use them: on PostgreSQL, refreshed within
        COUNTS_MAX_AGE, a scope of at least PRECOMPUTED_MIN_UNITS units, and
        no filter the counts do not carry (job title, due dates). Else None:
        count live. One query; none for a scope the caller knows (`units`:
        how many units are under `paths`) to be too small."""
        if connection.vendor != "postgresql":
            return None
        if filters.job_title or filters.due_from or filters.due_until:
            return None
        if units is not None and units < PRECOMPUTED_MIN_UNITS:
            return None
        now = now or timezone.now()
        if paths is None:
            size_sql, params = "%s", [PRECOMPUTED_MIN_UNITS]
        else:
            size_sql = (
                f"SELECT count(*) FROM {OrgUnit._meta.db_table} WHERE path LIKE ANY(%s)"
            )
            params = [[f"{path}%" for path in paths]]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT refreshed_at FROM {COUNTS_REFRESHED} WHERE id = 1), "
                f"({size_sql})",
                params,
            )
            as_of, units = cursor.fetchone()
        if as_of is None or now - as_of > COUNTS_MAX_AGE:
            return None
        if units < PRECOMPUTED_MIN_UNITS:
            return None
        return PrecomputedCounts(as_of)

    def course_ids(self, paths):
        """The courses with at least one item in the units under `paths`: the
        course list of a page that reads these counts (what a probe of every
        course against the live items found, as of the counts). One query."""
        where, params = _scope_sql(paths)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT c.course_id FROM {COUNTS_VIEW} c WHERE {where}",
                params,
            )
            return {row[0] for row in cursor.fetchall()}

    def matrix(self, paths, level_units, prefix_length, day, course_id=None):
        """`matrix()` from the precomputed counts of the units under `paths`:
        summed per unit and course (integer keys), then rolled up to the
        level's path prefix, in SQL. One query."""
        where, params = _scope_sql(paths)
        if course_id:
            where += " AND c.course_id = %s"
            params.append(course_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substr(u.path, 1, %s), x.course_id, sum(x.total)::bigint, "
                "sum(x.completed)::bigint, sum(x.overdue)::bigint, "
                "sum(x.exempt)::bigint "
                f"FROM (SELECT c.unit_id, c.course_id, {_SUMS} "
                f"FROM {COUNTS_VIEW} c WHERE {where} GROUP BY 1, 2) "
                "AS x (unit_id, course_id, total, completed, overdue, exempt) "
                f"JOIN {OrgUnit._meta.db_table} u ON u.id = x.unit_id GROUP BY 1, 2",
                [prefix_length, day, *params],
            )
            grouped = cursor.fetchall()
        return _roll_up(grouped, level_units, lambda group: group)

    def goal(self, paths, course_id, day, since):
        """A goal's cell and its completions after `since`. One query."""
        where, params = _scope_sql(paths)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_SUMS}, coalesce(sum(c.items) FILTER ("
                "WHERE c.state = 'completed' AND c.day > %s), 0)::bigint "
                f"FROM {DAYS_VIEW} c WHERE {where} AND c.course_id = %s",
                [day, since, *params, course_id],
            )
            total, completed, overdue, exempt, recent = cursor.fetchone()
        return Cell(total, completed, overdue, exempt), recent

    def trend(self, paths, course_id, day, weeks=12):
        """`trend()` from the precomputed counts. One query."""
        where, params = _scope_sql(paths)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN c.state = 'completed' AND isfinite(c.day) "
                "THEN c.day END AS completed_on, "
                "coalesce(sum(c.items) FILTER (WHERE c.state = 'completed'), 0)"
                "::bigint, "
                "coalesce(sum(c.items) FILTER (WHERE c.state <> 'exempt'), 0)"
                "::bigint "
                f"FROM {DAYS_VIEW} c WHERE {where} AND c.course_id = %s "
                "GROUP BY 1",
                [*params, course_id],
            )
            per_day = cursor.fetchall()
        # Completed without a time (day -infinity) counts as required only,
        # as in the live trend.
        per_day = [
            (on, done if on is not None else 0, needed) for on, done, needed in per_day
        ]
        return trend_points(per_day, day, weeks)


def refresh_counts(requested_at=None):
    """Refresh the precomputed counts: CONCURRENTLY (the pages read the old
    counts meanwhile) once populated, plainly the first time. One refresh at
    a time (an advisory lock); with `requested_at`, returns early if a
    refresh begun since has finished, so a burst of requests costs one or two
    refreshes. Safe to run twice. Returns the new `as_of`, or None if skipped
    (or not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [COUNTS_VIEW])
        cursor.execute(f"SELECT refreshed_at FROM {COUNTS_REFRESHED} WHERE id = 1")
        row = cursor.fetchone()
        if requested_at is not None and row and row[0] >= requested_at:
            return None
        cursor.execute("SELECT clock_timestamp()")
        started = cursor.fetchone()[0]
        # Each refresh reads a snapshot taken after `started`: every change
        # committed before it is in. The days first: the counts read them.
        for view in (DAYS_VIEW, COUNTS_VIEW):
            cursor.execute(
                "SELECT relispopulated FROM pg_class WHERE oid = %s::regclass",
                [view],
            )
            populated = cursor.fetchone()[0]
            concurrently = "CONCURRENTLY " if populated else ""
            cursor.execute(f"REFRESH MATERIALIZED VIEW {concurrently}{view}")
        cursor.execute(
            f"INSERT INTO {COUNTS_REFRESHED} (id, refreshed_at) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at",
            [started],
        )
    return started
