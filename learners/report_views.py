"""Manager and HR reports: the overview (unit × course, one tree level at a
time), the people of a unit, one person; CSV and XLSX exports of exactly the
people list on screen. Thin: parse, check scope, call `learners.reports`, log.

Scope is `scope_unit_paths`: a unit outside it is a 404, whatever the id, in
HTML, CSV and XLSX alike. Every view and export is written to the audit log.
"""

import csv
import io
import tempfile
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from wagtail.models import Page

from courses.models import CoursePage

from . import report_exports
from .models import (
    AuditEvent,
    LessonProgress,
    OrgUnit,
    QuizAttempt,
    ReportExport,
    ReportGoal,
    ReportSettings,
    StaffProfile,
)
from .progress import course_progress_for
from .querysets import _subtree_of, scope_unit_paths
from .reports import (
    COLUMNS,
    PRECOMPUTED_MIN_UNITS,
    STATUSES,
    Cell,
    Filters,
    PrecomputedCounts,
    current_items,
    goal_status,
    matrix,
    people_rows,
    trend,
)

MAX_GOALS = 20
GOAL_STATES = {
    "met": gettext_lazy("Met"),
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "missed": gettext_lazy("Missed"),
}

PAGE_SIZE = 50

STATUS_LABELS = {
    "not_started": gettext_lazy("Not started"),
    "in_progress": gettext_lazy("In progress"),
    "completed": gettext_lazy("Completed"),
    "overdue": gettext_lazy("Overdue"),
    "exempt": gettext_lazy("Exempt"),
}
COLUMN_LABELS = {
    "employee_number": gettext_lazy("Employee number"),
    "last_name": gettext_lazy("Last name"),
    "first_name": gettext_lazy("First name"),
    "unit": gettext_lazy("Unit"),
    "job_title": gettext_lazy("Job title"),
    "course": gettext_lazy("Course"),
    "status": gettext_lazy("Status"),
    "due_date": gettext_lazy("Due date"),
    "completed_at": gettext_lazy("Completed"),
    "valid_until": gettext_lazy("Certificate valid until"),
}


def _attrs_html(attrs):
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class _Select(forms.Select):
    """A select whose HTML is written here, exactly as Django's select.html
    and select_option.html write it (the course list can have a couple of
    hundred options, each an include in the template; the option template's
    final newline included)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_attrs_html(widget["attrs"]) + ">")
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs_html(option['attrs'])}>"
                    f"{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - escaped above


class _InputHTML:
    """An input whose HTML is written here, exactly as Django's input.html
    (with text.html or date.html around it) writes it: every report page
    shows three, and their templates were a tenth of the page's rendering."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = (
            f'<input type="{conditional_escape(widget["type"])}"'
            f' name="{conditional_escape(widget["name"])}"'
        )
        if widget["value"] is not None:
            html += f' value="{conditional_escape(str(widget["value"]))}"'
        return mark_safe(html + _attrs_html(widget["attrs"]) + ">")  # noqa: S308


class _TextInput(_InputHTML, forms.TextInput):
    pass


class _DateInput(_InputHTML, forms.DateInput):
    pass


class ReportFilterForm(forms.Form):
    kurs = forms.TypedChoiceField(
        label=gettext_lazy("Course"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=_Select,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        widget=_Select,
        choices=[("", gettext_lazy("All")), *STATUS_LABELS.items()],
    )
    befattning = forms.CharField(
        label=gettext_lazy("Job title"),
        required=False,
        max_length=200,
        widget=_TextInput,
    )
    fran = forms.DateField(
        label=gettext_lazy("Due from"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=_DateInput(attrs={"type": "date"}),
    )
    till = forms.DateField(
        label=gettext_lazy("Due until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=_DateInput(attrs={"type": "date"}),
    )
    sortering = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        widget=_Select,
        choices=[
            ("name", gettext_lazy("Name")),
            ("unit", gettext_lazy("Unit")),
            ("course", gettext_lazy("Course")),
            ("due", gettext_lazy("Due date")),
            ("status", gettext_lazy("Status")),
        ],
    )

    def __init__(self, data, courses):
        super().__init__(data)
        self.fields["kurs"].choices = [("", _("All courses"))] + [
            (course.pk, course.title) for course in courses
        ]
        for name in ("fran", "till"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD."
            )
        self.fields["kurs"].error_messages["invalid_choice"] = _(
            "Choose one of the courses in the list."
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("fran"), cleaned.get("till")
        if start and end and end < start:
            self.add_error("till", _("The end of the range is before its start."))
        return cleaned

    def filters(self, unit=None):
        """The valid filters; an invalid one is left out and shown as an error."""
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:
            data.pop(name, None)
        return Filters(
            course_id=data.get("kurs"),
            status=data.get("status") or "",
            unit=unit,
            due_from=data.get("fran"),
            due_until=data.get("till"),
            job_title=(data.get("befattning") or "").strip(),
            sort=data.get("sortering") or "name",
        )


def _scope(request):
    """The viewer's scope paths (None: the city); 403 for nobody in scope."""
    paths = scope_unit_paths(request.user, timezone.localdate())
    if paths == []:
        return None, render(request, "learners/reports/no_scope.html", status=403)
    return paths, None


def _unit_in_scope(paths, unit_id):
    """The unit, or 404 when it is not in the scope under `paths`. Read in
    one query with its ancestors (the breadcrumbs), kept as `unit.lineage`:
    the path prefixes of the unit asked for, itself and its ancestors. In
    SQL, as every report request asks it (the ORM queryset cost more to build
    than to run). Constant SQL; the values are bound parameters."""
    table = OrgUnit._meta.db_table
    # The levels 1..depth of the unit by a recursive CTE (PostgreSQL and
    # SQLite, where the demo runs, both have them; generate_series is
    # PostgreSQL's alone), and the prefix of its path at each.
    lineage = list(
        OrgUnit.objects.raw(
            "WITH RECURSIVE levels(n) AS (SELECT 1 UNION ALL SELECT n + 1 "  # noqa: S608
            f"FROM levels WHERE n < (SELECT depth FROM {table} WHERE id = %s)) "
            f"SELECT {_ORG_UNIT_COLUMNS} FROM {table} WHERE path IN ("
            f"SELECT substr(t.path, 1, levels.n * %s) FROM {table} t, levels "
            "WHERE t.id = %s) ORDER BY depth",
            [unit_id, OrgUnit.steplen, unit_id],
        )
    )
    unit = lineage[-1] if lineage and lineage[-1].pk == unit_id else None
    if unit is None or (
        paths is not None and not any(unit.path.startswith(p) for p in paths)
    ):
        raise Http404
    unit.lineage = lineage[:-1]
    return unit


# Every column of a unit: raw queries build whole units.
_ORG_UNIT_COLUMNS = ", ".join(field.column for field in OrgUnit._meta.concrete_fields)


class Course(NamedTuple):
    """A course as the reports show it: its id and title (a page instance
    costs more to build than the reports use of it)."""

    pk: int
    title: str


def _courses_in(items):
    """The courses with at least one item in scope: one EXISTS probe per
    course, which stops at its first item (reading every item in scope for
    its course took 0.7 s for the city)."""
    return [
        Course(*values)
        for values in CoursePage.objects.filter(
            Exists(items.filter(course_id=OuterRef("pk")).order_by())
        )
        .order_by("title")
        .values_list("pk", "title")
    ]


def _courses_by_id(course_ids):
    """The courses with these ids (of course pages: the items' courses), in
    the order `_courses_in` gives. The title is the page's: no join to the
    course page table. In SQL (the queryset cost more to build than to run).
    Constant SQL; the ids are bound parameters."""
    if not course_ids:
        return []
    ids = list(course_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, title FROM {Page._meta.db_table} "  # noqa: S608
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY title",
            ids,
        )
        return [Course(*row) for row in cursor.fetchall()]


# The filters that narrow the items beyond a course (an empty value narrows
# nothing); and with the course and status, those of the people list.
ITEM_FILTERS = ("befattning", "fran", "till")
PEOPLE_NARROWING = (*ITEM_FILTERS, "kurs", "status")


def _one_course(rows, by_course, course_id):
    """The matrix of every course cut to one: what `matrix()` counts over
    that course's items (each row's total is then its one cell)."""
    for row in rows:
        cell = row.cells.get(course_id)
        row.cells = {course_id: cell} if cell is not None else {}
        row.total = Cell()
        if cell is not None:
            row.total.add(cell)
    grand = Cell()
    if course_id in by_course:
        grand.add(by_course[course_id])
        by_course = {course_id: by_course[course_id]}
    else:
        by_course = {}
    return rows, by_course, grand


def _narrows(data, names):
    return any(data.get(name) for name in names)


def _audit(request, action, paths, unit, filters, **extra):
    AuditEvent.objects.create(
        actor=request.user,
        action=action,
        summary=(
            _("Report: %(scope)s") % {"scope": unit.name if unit else _("all in scope")}
        )[:500],
        details={
            "scope": paths if paths is not None else "city",
            "unit": unit.hr_code if unit else None,
            "filters": filters.as_dict() if filters else None,
            "path": request.get_full_path()[:500],
            **extra,
        },
    )


def _top_levels(paths):
    """The rows of the overview without a unit chosen: the administrations
    for the city, else the viewer's own top units, grouped by depth."""
    if paths is None:
        units = list(OrgUnit.objects.filter(depth=1).order_by("name"))
    else:
        units = list(OrgUnit.objects.filter(path__in=paths).order_by("name"))
    by_depth = {}
    for unit in units:
        by_depth.setdefault(unit.depth, []).append(unit)
    return by_depth


@login_required
def overview(request, unit_id=None):
    paths, refused = _scope(request)
    if refused:
        return refused
    now = timezone.now()
    today = timezone.localdate(now)
    unit = _unit_in_scope(paths, unit_id) if unit_id else None
    scope = [unit.path] if unit else paths
    # Within the unit from the start: the courses offered are its courses,
    # and no query reads the rest of the scope (the benchmark's HR unit page).
    items = current_items(scope, today)
    subtree = None  # the unit's subtree: its size and the matrix's paths
    if unit is not None:
        # In the database's order by name, as `get_children()` gave them.
        subtree = list(
            OrgUnit.objects.raw(
                f"SELECT {_ORG_UNIT_COLUMNS} FROM {OrgUnit._meta.db_table} "  # noqa: S608
                "WHERE path LIKE %s ORDER BY name",
                [f"{unit.path}%"],  # treebeard paths: [0-9A-Z] only
            )
        )
        children = [u for u in subtree if u.depth == unit.depth + 1]
        levels = {unit.depth + 1: [unit, *children]}
    else:
        levels = _top_levels(paths)
    # A big scope reads the precomputed counts when they are fresh; the whole
    # page then does (matrix, goals, trend), so its figures agree. Whether it
    # may depends only on the job-title and due-date filters.
    # Counted live without those filters, one query counts every item in scope
    # per unit and course ("every_course"): its courses are the course list,
    # without a probe that reads every item once more, and a course filter
    # picks that course's counts from it — for a small scope; in a big one,
    # counting every course costs more than the probe saves. Otherwise the
    # courses come first (the form checks the course filter against them).
    units = len(subtree) if subtree is not None else None
    small = units is not None and units < PRECOMPUTED_MIN_UNITS
    counts, checked = None, False
    if not _narrows(request.GET, ITEM_FILTERS) and (
        small or not request.GET.get("kurs")
    ):
        counts, checked = PrecomputedCounts.for_page(scope, Filters(), now, units), True
    every_course = checked and counts is None
    if every_course:
        courses = form = filters = None
    else:
        courses = _courses_in(items)
        form = ReportFilterForm(request.GET, courses)
        filters = form.filters()
        if not checked:
            counts = PrecomputedCounts.for_page(scope, filters, now, units)
        filtered = Filters(
            course_id=filters.course_id,
            due_from=filters.due_from,
            due_until=filters.due_until,
            job_title=filters.job_title,
        ).apply(items)
    rows, by_course, grand = [], {}, None
    for depth, level_units in sorted(levels.items()):
        length = depth * OrgUnit.steplen
        if counts is not None:
            level_rows, level_courses, level_total = counts.matrix(
                scope, level_units, length, today, filters.course_id
            )
        else:
            level_rows, level_courses, level_total = matrix(
                items if every_course else filtered,
                level_units,
                length,
                today,
                # The unit and its children: their subtrees are the unit's.
                unit_paths={u.pk: u.path for u in subtree} if subtree else None,
            )
        rows += level_rows
        for course_id, cell in level_courses.items():
            by_course.setdefault(course_id, type(cell)()).add(cell)
        if grand is None:
            grand = level_total
        else:
            grand.add(level_total)
    if every_course:
        # Every item in scope is under one of the levels' units, so the
        # matrix's courses are exactly those with an item in scope.
        courses = _courses_by_id(by_course)
        form = ReportFilterForm(request.GET, courses)
        filters = form.filters()
        if filters.course_id:
            rows, by_course, grand = _one_course(rows, by_course, filters.course_id)
        # Only the trend reads it, and counts the one course itself (from
        # the items as they are, `trend` starts from a grouping built once
        # a day).
        filtered = items
    if unit is not None and rows:
        rows[0].label = _("%(unit)s itself") % {"unit": unit.name}
    shown = [c for c in courses if not filters.course_id or c.pk == filters.course_id]
    visible_rows = [row for row in rows if row.total.total or row.unit == unit]
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        _audit(
            request,
            AuditEvent.Action.EXPORT_REPORT,
            paths,
            unit,
            filters,
            view="overview",
            format=export,
        )
        table = matrix_table(visible_rows, shown, by_course, grand)
        name = unit.hr_code if unit else "oversikt"
        return _table_response(table, name, today, export)
    goals = [goal_status(goal, today, counts) for goal in _goals(paths, unit)]
    if not filters.course_id:
        points = None
    elif counts is not None:
        points = counts.trend(scope, filters.course_id, today)
    else:
        points = trend(filtered, filters.course_id, today)
    _audit(
        request, AuditEvent.Action.VIEW_REPORT, paths, unit, filters, view="overview"
    )
    return render(
        request,
        "learners/reports/overview.html",
        {
            "unit": unit,
            "scope_name": _scope_name(paths),
            "ancestors": _ancestors_in_scope(unit, paths),
            "rows": visible_rows,
            "courses": shown,
            "by_course": by_course,
            "grand": grand,
            "form": form,
            "today": today,
            "goals": goals,
            "goal_states": GOAL_STATES,
            "trend": points,
            "trend_course": next((c for c in shown if c.pk == filters.course_id), None),
            "chart": _chart(points) if points else None,
            # How fresh the figures are: the precomputed counts' refresh, or
            # now for figures counted live.
            "figures_as_of": counts.as_of if counts else now,
            "precomputed": counts is not None,
        },
    )


def _goals(paths, unit):
    """The goals set for this part of the organisation (at the top: every
    goal within the viewer's scope)."""
    if unit is not None:
        # A unit's page (the most asked for): in SQL, with the unit known
        # (the queryset below cost three times what it took to run).
        # Constant SQL; the values are bound parameters.
        goals = list(
            ReportGoal.objects.raw(
                f"SELECT {_GOAL_COLUMNS}, p.title AS course_title "  # noqa: S608
                f"FROM {ReportGoal._meta.db_table} g "
                f"JOIN {Page._meta.db_table} p ON p.id = g.course_id "
                "WHERE g.unit_id = %s ORDER BY g.deadline LIMIT %s",
                [unit.pk, MAX_GOALS],
            )
        )
        for goal in goals:
            goal.unit = unit
        return goals
    # The course's title only: a course page instance (select_related) cost
    # more to build than the rest of the query.
    goals = (
        ReportGoal.objects.select_related("unit")
        .annotate(course_title=F("course__title"))
        .order_by("deadline")
    )
    if paths is not None:
        goals = goals.filter(_subtree_of(paths, "unit__path"))
    return list(goals[:MAX_GOALS])


_GOAL_COLUMNS = ", ".join(
    f"g.{field.column}" for field in ReportGoal._meta.concrete_fields
)


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 200, 30


def _chart(points):
    """The SVG polyline of the trend; the same figures are in the table."""
    if not any(point.percent is not None for point in points):
        return None
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(points) - 1, 1)
    coords = []
    for index, point in enumerate(points):
        percent = point.percent or 0
        x = CHART_PAD + index * step
        y = CHART_HEIGHT - CHART_PAD - percent * (CHART_HEIGHT - 2 * CHART_PAD) / 100
        coords.append((round(x, 1), round(y, 1), point))
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "points": " ".join(f"{x},{y}" for x, y, _p in coords),
        "dots": coords,
        "top": CHART_PAD,
        "bottom": CHART_HEIGHT - CHART_PAD,
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
    }


def _ancestors_in_scope(unit, paths):
    if unit is None:
        return []
    ancestors = getattr(unit, "lineage", None)
    if ancestors is None:
        ancestors = unit.get_ancestors()
    return [
        ancestor
        for ancestor in ancestors
        if paths is None or any(ancestor.path.startswith(p) for p in paths)
    ]


class PeopleList(NamedTuple):
    """The people list of a unit (None: the whole scope) for the filters in
    `data`: what the page shows and the exports write."""

    form: "ReportFilterForm"
    filters: Filters
    rows: object  # people_rows: lazy
    count: int | None  # the number of rows, when counting cost nothing extra


def people_list(paths, unit, data, day):
    """The one definition of the people list: the page, its direct exports
    and the exports built in the background all call it."""
    items = current_items([unit.path] if unit else paths, day)
    count = None
    if _narrows(data, PEOPLE_NARROWING):
        courses = _courses_in(items)
    else:
        # No filter narrows the items: one pass over them gives both the
        # courses in the unit and the number of rows (the probe and a COUNT
        # read every item each).
        per_course = dict(
            items.order_by()
            .values("course_id")
            .annotate(n=Count("pk"))
            .values_list("course_id", "n")
        )
        courses = _courses_by_id(per_course)
        count = sum(per_course.values())
    form = ReportFilterForm(data, courses)
    filters = form.filters(unit=unit)
    return PeopleList(form, filters, people_rows(items, filters), count)


@require_http_methods(["GET", "POST"])
@login_required
def people(request, unit_id=None):
    """The people of a unit with its sub-units; without a unit, everyone in
    the viewer's scope (the whole city for central HR)."""
    paths, refused = _scope(request)
    if refused:
        return refused
    today = timezone.localdate()
    unit = _unit_in_scope(paths, unit_id) if unit_id else None
    listing = people_list(paths, unit, request.GET, today)
    filters, rows, count = listing.filters, listing.rows, listing.count
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        if count is None:
            count = rows.count()
        if count > report_exports.direct_max_rows(export):
            # Too big for the request: a worker prepares it. Asked for with a
            # POST from the confirmation page (a link alone, followed by a
            # prefetcher or another site, queues nothing).
            if request.method == "POST":
                return _export_later(request, paths, unit, filters, export, count)
            return render(
                request,
                "learners/reports/export_confirm.html",
                {
                    "unit": unit,
                    "scope_name": _scope_name(paths),
                    "ancestors": _ancestors_in_scope(unit, paths),
                    "count": count,
                    "format": export,
                    "back": _list_query(request.GET),
                },
            )
        _audit(
            request,
            AuditEvent.Action.EXPORT_REPORT,
            paths,
            unit,
            filters,
            view="people",
            format=export,
        )
        return (_csv if export == "csv" else _xlsx)(rows, unit, today)
    paginator = Paginator(rows, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # counted above: no COUNT query
    page = paginator.get_page(request.GET.get("sida"))
    _audit(request, AuditEvent.Action.VIEW_REPORT, paths, unit, filters, view="people")
    query = request.GET.copy()
    query.pop("sida", None)
    query.pop("format", None)
    return render(
        request,
        "learners/reports/people.html",
        {
            "unit": unit,
            "scope_name": _scope_name(paths),
            "ancestors": _ancestors_in_scope(unit, paths),
            "page": page,
            "rows": [display_row(row) for row in page.object_list],
            "columns": [(key, COLUMN_LABELS[key]) for key, _src in COLUMNS],
            "form": listing.form,
            "query": query.urlencode(),
        },
    )


def _list_query(data):
    """The people list's query string for `data` without the export."""
    query = data.copy()
    query.pop("format", None)
    return query.urlencode()


def _scope_name(paths):
    return _("the whole city") if paths is None else _("all your units")


def _export_later(request, paths, unit, filters, export_format, count):
    """Too big to build within the request: queued for a worker, and the
    person is taken to their exports, where it appears when ready."""
    try:
        job, created = report_exports.request_export(
            request, unit, export_format, count
        )
    except report_exports.TooManyPending:
        messages.error(
            request,
            _(
                "You already have %(count)s exports being prepared. Wait until "
                "one of them is ready, then ask again."
            )
            % {"count": report_exports.MAX_PENDING_PER_PERSON},
        )
        return redirect("learners:report_exports")
    if created:
        _audit(
            request,
            AuditEvent.Action.EXPORT_REPORT,
            paths,
            unit,
            filters,
            view="people",
            format=export_format,
            export=str(job.pk),
            rows=count,
        )
    messages.success(
        request,
        ngettext(
            "The export has %(count)s row. It is being prepared, and you will "
            "get an email when it is ready to download here.",
            "The export has %(count)s rows. It is being prepared, and you will "
            "get an email when it is ready to download here.",
            count,
        )
        % {"count": count},
    )
    return redirect("learners:report_exports")


def display_row(row, labels=None):
    """A row of the people list as shown and exported: the column keys, with
    the status translated and dates as dates. `labels`: the status labels
    already translated (an export translates them once, not per row)."""
    values = {key: row[source] for key, source in COLUMNS}
    status = values["status"]
    if labels is not None:
        values["status"] = labels.get(status, status)
    else:
        values["status"] = str(STATUS_LABELS.get(status, status))
    if values["completed_at"]:
        values["completed_at"] = timezone.localdate(values["completed_at"])
    values["profile_id"] = row["person__staff_profile__id"]
    return values


def status_labels():
    """The status labels in the active language, translated once."""
    return {key: str(label) for key, label in STATUS_LABELS.items()}


def _csv(rows, unit, today):
    """Streamed: memory stays flat however many rows."""
    response = StreamingHttpResponse(
        report_exports.csv_chunks(
            rows.iterator(chunk_size=report_exports.ITERATOR_CHUNK)
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{report_exports.filename(unit, today, "csv")}"'
    )
    return response


def _xlsx(rows, unit, today):
    """Spooled to disk and streamed from there."""
    spool = tempfile.TemporaryFile()
    report_exports.write_xlsx(
        rows.iterator(chunk_size=report_exports.ITERATOR_CHUNK),
        report_exports.sheet_title(unit),
        spool,
    )
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=report_exports.filename(unit, today, "xlsx"),
        content_type=report_exports.XLSX_TYPE,
    )


@login_required
def exports(request):
    """The exports this person asked for: waiting, ready (with the link),
    failed or deleted."""
    jobs = list(
        ReportExport.objects.filter(requested_by=request.user)
        .select_related("unit")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "learners/reports/exports.html",
        {
            "exports": jobs,
            "keep_hours": settings.REPORT_EXPORT_KEEP_HOURS,
            "pending": any(
                job.state in (ReportExport.State.QUEUED, ReportExport.State.RUNNING)
                for job in jobs
            ),
        },
    )


@login_required
def export_download(request, export_id):
    """Only the person who asked, only while everything the file was built
    from is still in their scope (the unit; for an export of everyone, each
    part of the scope it was built from); anyone else gets a 404."""
    job = get_object_or_404(
        ReportExport.objects.select_related("unit"),
        pk=export_id,
        requested_by=request.user,
        state=ReportExport.State.READY,
    )
    paths = scope_unit_paths(request.user, timezone.localdate())
    if paths == [] or not report_exports.covered(paths, job.scope_paths):
        raise Http404
    if (
        job.unit is not None
        and paths is not None
        and not any(job.unit.path.startswith(p) for p in paths)
    ):
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    _audit(
        request,
        AuditEvent.Action.EXPORT_REPORT,
        paths,
        job.unit,
        None,
        view="people",
        format=job.format,
        export=str(job.pk),
        downloaded=True,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type=(
            report_exports.XLSX_TYPE
            if job.format == ReportExport.Format.XLSX
            else "text/csv; charset=utf-8"
        ),
    )


@login_required
def person(request, profile_id):
    paths, refused = _scope(request)
    if refused:
        return refused
    today = timezone.localdate()
    profile = get_object_or_404(
        StaffProfile.objects.select_related("user", "unit"), pk=profile_id
    )
    if profile.unit is None or (
        paths is not None and not any(profile.unit.path.startswith(p) for p in paths)
    ):
        raise Http404
    items = list(
        people_rows(
            current_items(paths, today).filter(person=profile.user),
            Filters(sort="due"),
        )
    )
    courses = CoursePage.objects.filter(pk__in=[row["course_id"] for row in items])
    progress = course_progress_for(profile.user, list(courses))
    details = _details_allowed(request.user, paths)
    scores, seconds = _details(profile.user, items) if details else ({}, {})
    shown = []
    for row in items:
        values = display_row(row)
        values["score"] = scores.get(row["course_id"])
        values["minutes"] = round(seconds.get(row["course_id"], 0) / 60)
        state = progress.get(row["course_id"])
        if row["status"] not in ("completed", "exempt") and state is not None:
            values["remaining"] = [
                step.lesson.title
                for step in state.required
                if step.status != "completed"
            ]
        shown.append(values)
    _audit(
        request,
        AuditEvent.Action.VIEW_REPORT,
        paths,
        profile.unit,
        None,
        view="person",
        person=profile.employee_number,
    )
    return render(
        request,
        "learners/reports/person.html",
        {"profile": profile, "rows": shown, "statuses": STATUSES, "details": details},
    )


def _details_allowed(user, paths):
    """Quiz scores and time spent: HR always; managers if HR allows it."""
    if paths is None:
        return True
    profile = StaffProfile.objects.filter(user=user).only("hr_role").first()
    if profile and profile.hr_role == StaffProfile.HrRole.COORDINATOR:
        return True
    return ReportSettings.load().managers_see == ReportSettings.ManagersSee.DETAILS


def _details(user, items):
    """Best quiz score and time spent in the current round, per course."""
    cycles = {row["course_id"]: row["cycle"] for row in items}
    scores, seconds = {}, {}
    for course_id, cycle, score in QuizAttempt.objects.filter(
        enrolment__learner=user,
        enrolment__course_id__in=cycles,
        submitted_at__isnull=False,
    ).values_list("enrolment__course_id", "enrolment__cycle", "score"):
        if cycle == cycles.get(course_id) and score is not None:
            scores[course_id] = max(scores.get(course_id, 0), score)
    for course_id, cycle, spent in LessonProgress.objects.filter(
        enrolment__learner=user, enrolment__course_id__in=cycles
    ).values_list("enrolment__course_id", "enrolment__cycle", "time_spent_seconds"):
        if cycle == cycles.get(course_id):
            seconds[course_id] = seconds.get(course_id, 0) + spent
    return scores, seconds


def _cell_values(cell):
    if cell is None or not cell.total:
        return ["", 0, 0, 0]
    return [
        "" if cell.percent is None else cell.percent,
        cell.completed,
        cell.required,
        cell.overdue,
    ]


def matrix_table(rows, courses, by_course, grand):
    """The overview as on screen, one line per unit (and the total): per
    course and for all courses, completion %, completed, required, overdue."""
    header = [str(_("Unit"))]
    parts = ("%", _("completed"), _("required"), _("overdue"))
    for title in [course.title for course in courses] + [str(_("All courses"))]:
        header += [f"{title}: {part}" for part in parts]
    lines = [header]
    for row in rows:
        line = [row.label]
        for course in courses:
            line += _cell_values(row.cells.get(course.pk))
        lines.append(line + _cell_values(row.total))
    total = [str(_("Total"))]
    for course in courses:
        total += _cell_values(by_course.get(course.pk))
    lines.append(total + _cell_values(grand))
    return lines


def _table_response(lines, name, today, export):
    """A small table (one line per unit): CSV or XLSX in one go."""
    if export == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";")
        writer.writerows(lines)
        response = HttpResponse(
            buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="kompetens-{name}-{today.isoformat()}.csv"'
        )
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31] or "Rapport")
    for line in lines:
        sheet.append(line)
    spool = tempfile.TemporaryFile()
    book.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"kompetens-{name}-{today.isoformat()}.xlsx",
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )
