"""Manager and HR reports: the overview (unit × course, one tree level at a
time), the people of a unit, one person; CSV and XLSX exports of exactly the
people list on screen. Thin: parse, check scope, call `reports.figures` and
`reports.people`, log.

Scope is `organisation.scope`: a unit outside it is a 404, whatever the id,
in HTML, CSV and XLSX alike; the people lists without a unit and the person
pages also show the viewer's direct reports wherever they sit. Every view and
export is written to the audit log.
"""

import csv
import io
import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from wagtail.models import Page

from core.spreadsheets import csv_text, filename_part, sheet_title, xlsx_value
from courses.models import CoursePage
from learners.models import LessonProgress, QuizAttempt
from learners.progress import course_progress_for
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from organisation.querysets import subtree_of
from organisation.scope import scope_of

from . import exports as report_exports
from .figures import (
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
from .forms import ReportFilterForm
from .models import ReportExport, ReportGoal, ReportSettings
from .people import (
    COLUMN_LABELS,
    ITEM_FILTERS,
    courses_by_id,
    courses_in,
    display_row,
    narrows,
    people_list,
)

MAX_GOALS = 20
GOAL_STATES = {
    "met": gettext_lazy("Met"),
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "missed": gettext_lazy("Missed"),
}

PAGE_SIZE = 50


def _scope(request):
    """The viewer's scope (`organisation.scope`); 403 for nobody in scope."""
    seen = scope_of(request.user, timezone.localdate())
    if seen.is_empty:
        return None, render(request, "reports/no_scope.html", status=403)
    return seen, None


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


def _audit(request, action, paths, unit, filters, **extra):
    AuditEvent.objects.record(
        action,
        "report" if unit else "report_all",
        {"scope": unit.name} if unit else {},
        actor=request.user,
        details={
            "scope": list(paths) if paths is not None else "city",
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
    seen, refused = _scope(request)
    if refused:
        return refused
    # The overview counts units: those in scope (a direct report's unit
    # elsewhere is not, though the person is on the people lists).
    paths = seen.unit_paths
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
    # page then does (matrix, goals, trend, and its course list), so its
    # figures agree. Whether it may depends only on the job-title and
    # due-date filters.
    # Counted live without those filters, one query counts every item in scope
    # per unit and course ("every_course"): its courses are the course list,
    # without a probe that reads every item once more, and a course filter
    # picks that course's counts from it — for a small scope; in a big one,
    # counting every course costs more than the probe saves. Otherwise the
    # courses come first (the form checks the course filter against them).
    units = len(subtree) if subtree is not None else None
    small = units is not None and units < PRECOMPUTED_MIN_UNITS
    counts = None
    may_precompute = not narrows(request.GET, ITEM_FILTERS)
    if may_precompute:
        counts = PrecomputedCounts.for_page(scope, Filters(), now, units)
    every_course = (
        may_precompute and counts is None and (small or not request.GET.get("kurs"))
    )
    if every_course:
        courses = form = filters = None
    else:
        if counts is not None:
            # From the counts: probing every course against the live items
            # cost an administration 30-210 ms (the plan varies).
            courses = courses_by_id(counts.course_ids(scope))
        else:
            courses = courses_in(items)
        form = ReportFilterForm(request.GET, courses)
        filters = form.filters()
        if not may_precompute:
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
        courses = courses_by_id(by_course)
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
        "reports/overview.html",
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
        goals = goals.filter(subtree_of(paths, "unit__path"))
    return list(goals[:MAX_GOALS])


_GOAL_COLUMNS = ", ".join(
    f"g.{field.column}" for field in ReportGoal._meta.concrete_fields
)


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 200, 30


def _svg_number(value):
    """A coordinate as SVG reads it: a point for decimals, whatever the
    language. A float handed to the template is localized ("12,5" in
    Swedish), which SVG does not parse: every dot was drawn at 0,0."""
    return f"{value:.1f}".removesuffix(".0")


def _chart(points):
    """The SVG polyline of the trend; the same figures are in the table.
    Every number is a string already, so the template's localization cannot
    reach it."""
    if not any(point.percent is not None for point in points):
        return None
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(points) - 1, 1)
    coords = []
    for index, point in enumerate(points):
        percent = point.percent or 0
        x = CHART_PAD + index * step
        y = CHART_HEIGHT - CHART_PAD - percent * (CHART_HEIGHT - 2 * CHART_PAD) / 100
        coords.append((_svg_number(x), _svg_number(y), point))
    return {
        "width": _svg_number(CHART_WIDTH),
        "height": _svg_number(CHART_HEIGHT),
        "points": " ".join(f"{x},{y}" for x, y, _p in coords),
        "dots": coords,
        "top": _svg_number(CHART_PAD),
        "bottom": _svg_number(CHART_HEIGHT - CHART_PAD),
        "left": _svg_number(CHART_PAD),
        "right": _svg_number(CHART_WIDTH - CHART_PAD),
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


@require_http_methods(["GET", "POST"])
@login_required
def people(request, unit_id=None):
    """The people of a unit with its sub-units; without a unit, everyone in
    the viewer's scope (the whole city for central HR)."""
    seen, refused = _scope(request)
    if refused:
        return refused
    paths = seen.unit_paths
    today = timezone.localdate()
    unit = _unit_in_scope(paths, unit_id) if unit_id else None
    listing = people_list(seen, unit, request.GET, today)
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
                "reports/export_confirm.html",
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
        "reports/people.html",
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
        return redirect("reports:report_exports")
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
    return redirect("reports:report_exports")


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
        "reports/exports.html",
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
    seen = scope_of(request.user, timezone.localdate())
    if not report_exports.still_covers(seen, job):
        raise Http404
    paths = seen.unit_paths
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
    seen, refused = _scope(request)
    if refused:
        return refused
    paths = seen.unit_paths
    today = timezone.localdate()
    profile = get_object_or_404(
        StaffProfile.objects.select_related("user", "unit"), pk=profile_id
    )
    # In scope: under a unit in scope, or a direct report wherever they sit.
    if profile.unit is None or not seen.sees(profile):
        raise Http404
    items = list(
        people_rows(
            current_items(None, today).filter(person=profile.user),
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
        "reports/person.html",
        {
            "profile": profile,
            "rows": shown,
            "statuses": STATUSES,
            "details": details,
            "today": today,
        },
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
        writer.writerows(
            [
                [csv_text(value) if isinstance(value, str) else value for value in line]
                for line in lines
            ]
        )
        response = HttpResponse(
            buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="kompetens-{filename_part(name)}-'
            f'{today.isoformat()}.csv"'
        )
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(name))
    for line in lines:
        sheet.append([xlsx_value(sheet, value) for value in line])
    spool = tempfile.TemporaryFile()
    book.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"kompetens-{filename_part(name)}-{today.isoformat()}.xlsx",
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )
