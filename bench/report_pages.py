"""Benchmark for issue #6: the reports (overview, people list, exports) over
40,000 staff in 2,000 units with 200 courses and ~1.5 million rows of
training record, each page beside the raw SQL that computes the same numbers
on the same database, on PostgreSQL.

    .venv/bin/python bench/report_pages.py  # ~10 min (+3 min to seed once)
    .venv/bin/python bench/report_pages.py --reseed  # seed again instead of restoring
    .venv/bin/python bench/report_pages.py --keep-db  # keep the database afterwards
    .venv/bin/python bench/report_pages.py --reuse-db  # the kept one, + new migrations
    .venv/bin/python bench/report_pages.py --only city --runs 9
    .venv/bin/python bench/report_pages.py --live  # the overviews also counted live
    .venv/bin/python bench/report_pages.py --jit on  # with PostgreSQL's JIT
    .venv/bin/python bench/report_pages.py --profile overview_city_course

**It drops and recreates its own database** (`DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/kompetens_bench_reports; the name must
start with `kompetens_bench`) unless `--reuse-db`, and empties Redis database
10 (`REDIS_URL`, default redis://127.0.0.1:6379/10: the cache) before and
after. Settings are `cms.settings.production` with throw-away secrets;
`collectstatic` runs into a temporary `STATIC_ROOT` (the manifest storage
needs it) alongside the seeding or the restore.

Seeding (`bench/report_data.py`): 200 courses through the Wagtail page API,
then COPY of the units (valid treebeard paths), users and staff profiles,
assignments (several cycles for some, every state), enrolments, lesson
progress and certificates, and VACUUM ANALYZE. The seeded database is kept
as `bench/results/reports-seed-*.dump` (`pg_dump -Fc`, git-ignored) and
restored on later runs; it is seeded again when the seeding code or a
migration in it has changed, or with `--reseed`. The data's dates are
relative to the seeding day; the reports are for today.

Measured, in-process with Django's test client (no network; "server time"
is the wall time of `client.get()` with the response body consumed, warm,
median of `--runs`), logged in as a central HR specialist (the city) and as
the head of the largest district administration (its subtree):
1. the overview for the city, one administration and one unit, without and
   with a course filter (which adds the trend; goals are always shown);
2. the people list (first page) of one unit, one administration and the
   whole city (the whole-scope view);
3. the CSV and XLSX export of a department (~10k rows), the administration
   and the whole city within the request (the size limits lifted: what the
   writing costs), with the process's peak RSS during the export (the
   kernel's high-water mark, reset before each request);
4. the city's CSV and XLSX as HR gets them: the confirmation's POST queues
   the export, and the worker's build (`report_exports.build`) is timed
   in-process, its file checked row by row against the raw SQL.
Beside each, the raw SQL written by hand (latest cycle per person and course
by DISTINCT ON, not withdrawn, active users, status by CASE, grouped by unit
prefix and course; for the exports COPY ... TO STDOUT of the same rows), and
a check that the page shows exactly the raw SQL's numbers (the view's
template context is captured on one extra request) and that the exports hold
exactly its rows.

The small pages (a unit's overview and people list) are also requested with
nothing in scope (the items' querysets emptied, so no data query is sent),
interleaved with the real requests: the fixed cost of a report request
(session, user, scope, unit, audit row, form, base template), and what the
page costs beyond it beside its raw SQL.

Goal: every page within 2x of its raw SQL, the city under 500 ms. A page
over either has its slowest queries EXPLAIN ANALYZEd into
`bench/results/reports-explain-<page>.txt`; `--profile PAGE` prints a
cProfile of one request and the queries of another with their times. The
big overviews read precomputed counts (materialized views,
`reports.figures.PrecomputedCounts`) that Celery beat refreshes every 5
minutes; the benchmark refreshes them after preparing the
database (timed) and again before an overview page when they are older than
5 minutes. `--live` measures the overview pages again counting live (as when
the counts are stale). `--jit on` runs with PostgreSQL's JIT, which the
settings turn off. Results: `bench/results/reports[-jit-on]-latest.md` and
`.json`.
"""

# The raw SQL is put together from constants; every value is a bound parameter.
# ruff: noqa: S608

import argparse
import codecs
import cProfile
import csv
import gc
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for common

import common
from common import (
    BENCH,
    ROOT,
    database_exists,
    drop_database,
    dump_paths,
    migration_files,
    pg_dump,
    pg_restore,
    recreate_database,
    reset_peak,
    sha256_file,
    status_kb,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kompetens_bench_reports"
_WORK = common.set_up_environment(
    database_url=DEFAULT_DB,
    redis_url="redis://127.0.0.1:6379/10",
    work_prefix="kompetens-bench-reports.",
    allowed_hosts="127.0.0.1,localhost,testserver",
)

import report_data  # noqa: E402

RESULTS = BENCH / "results"
SEED_SOURCES = [BENCH / "report_data.py", BENCH / "assign_data.py"]
DUMP_PREFIX = "reports"  # bench/results/reports-seed-*.dump
TZ_NAME = "Europe/Stockholm"
CITY_BUDGET_MS = 500
RATIO_BUDGET = 2.0
TAG = [""]  # "-jit-on" for a run with JIT: the results' file names


# --- Memory and time ---------------------------------------------------------------


@dataclass
class Sample:
    ms: float
    cpu_ms: float
    sql_ms: float
    queries: int
    size: int = 0
    rss_before_mb: float = 0.0
    peak_mb: float = 0.0


@contextmanager
def counted(queries=None):
    """Count the queries and the time in the database driver; `queries`, if
    given, collects (ms, sql, params)."""
    from django.db import connection

    box = {"n": 0, "s": 0.0}

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            box["n"] += 1
            box["s"] += spent
            if queries is not None:
                queries.append((spent * 1000, sql, params))

    with connection.execute_wrapper(wrapper):
        yield box


def _consume(response):
    if response.streaming:
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
        return size
    return len(response.content)


def request_once(client, url, queries=None):
    gc.collect()
    reset_peak()
    rss = status_kb("VmRSS", 0) / 1024
    cpu = time.process_time()
    started = time.perf_counter()
    with counted(queries) as box:
        response = client.get(url)
        size = _consume(response)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    return Sample(
        ms=ms,
        cpu_ms=(time.process_time() - cpu) * 1000,
        sql_ms=box["s"] * 1000,
        queries=box["n"],
        size=size,
        rss_before_mb=rss,
        peak_mb=status_kb("VmHWM", 0) / 1024,
    )


def raw_once(statements):
    """Run the raw statements; returns (ms, results)."""
    from django.db import connection

    results = []
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for kind, sql, params in statements:
            if kind == "copy":
                raw = cursor.cursor
                size = 0
                with raw.copy(sql, params) as copy:
                    for block in copy:
                        size += len(block)
                results.append(size)
            else:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
    return (time.perf_counter() - started) * 1000, results


def median(values):
    return statistics.median(values) if values else 0.0


# --- The database and its dump -----------------------------------------------------


def flush_cache():
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def prepare_database(args):
    """Reuse, restore or seed. Returns (meta, how)."""
    import django

    url = os.environ["DATABASE_URL"]
    dump, meta_path = dump_paths(args, DUMP_PREFIX)
    started = time.perf_counter()
    if args.reuse_db:
        if not database_exists(url) or not meta_path.exists():
            sys.exit("--reuse-db: no kept database (run once with --keep-db)")
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # migrations added since it was kept
        return json.loads(meta_path.read_text()), "reused the kept database"
    meta, why = common.dump_is_usable(args, DUMP_PREFIX, SEED_SOURCES)
    if meta:
        recreate_database(url)
        print(f"Restoring {dump.name} (seeded {meta['day']})…", flush=True)
        pg_restore(url, dump)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # migrations added since
        report_data.vacuum()  # pg_restore brings no statistics
        return (
            meta,
            f"restored from {dump.name} in {time.perf_counter() - started:.0f} s",
        )
    print(f"Seeding ({why}): about 4 minutes…", flush=True)
    recreate_database(url)
    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    print(f"  migrate: {time.perf_counter() - started:.0f} s", flush=True)
    day = timezone.localdate()
    facts = report_data.seed(day, units=args.units, staff=args.staff, workdir=_WORK)
    vac = time.perf_counter()
    report_data.vacuum()
    print(f"  VACUUM ANALYZE: {time.perf_counter() - vac:.0f} s", flush=True)
    seconds = time.perf_counter() - started
    connections.close_all()
    RESULTS.mkdir(exist_ok=True)
    pg_dump(url, dump)
    meta = {
        "day": day.isoformat(),
        "staff": args.staff,
        "units": args.units,
        "seeded_at": datetime.now().astimezone().isoformat(),
        "seed_seconds": round(seconds),
        "facts": facts,
        "sources": {p.name: sha256_file(p) for p in SEED_SOURCES},
        "migrations": migration_files(),
    }
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta, (
        f"seeded in {seconds:.0f} s and dumped to {dump.name} "
        f"({dump.stat().st_size / 1e6:.0f} MB)"
    )


def start_collectstatic():
    env = dict(os.environ)
    log = open(os.path.join(_WORK, "collectstatic.log"), "w")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


# --- The raw SQL -------------------------------------------------------------------
#
# The current items written by hand: the latest cycle of each person and
# course (DISTINCT ON over the unique (person, course, cycle) index), unless
# withdrawn; active users with a unit under the prefix; the status by CASE.
# `in_progress` needs the enrolment of the same cycle: only the people list
# and the exports join it (no aggregate counts it).

STATUS_CASE = """CASE WHEN a.state = 'exempt' THEN 'exempt'
                     WHEN a.state = 'completed' THEN 'completed'
                     WHEN a.due_date < %(day)s THEN 'overdue'
                     {in_progress}
                     ELSE 'not_started' END"""


def items_sql(prefix, course=None, courses=None, people_columns=False, reports=False):
    """`WITH items AS (...)`: the current items of the people in the units
    whose path starts with `prefix` ('' for the city); with `reports`, also
    of the direct reports of the user `%(reports_of)s`, wherever they sit."""
    in_scope = "u.path LIKE %(prefix)s"
    if reports:
        in_scope = f"({in_scope} OR s.line_manager_id = %(reports_of)s)"
    where = [
        "a.course_id IS NOT NULL",
        "a.state <> 'withdrawn'",
        "p.is_active",
        in_scope,
        # The latest cycle: no later one of the same person and course.
        "NOT EXISTS (SELECT 1 FROM assignments_assignment n WHERE n.person_id = "
        "a.person_id AND n.course_id = a.course_id AND n.cycle > a.cycle)",
    ]
    if course:
        where.append("a.course_id = %(course)s")
    if courses:
        where.append("a.course_id = ANY(%(courses)s)")
    if people_columns:
        status = STATUS_CASE.format(
            in_progress="WHEN e.last_activity_at IS NOT NULL THEN 'in_progress'"
        )
        more = (
            "s.id AS profile_id, s.employee_number, p.last_name, p.first_name, "
            "u.name AS unit_name, s.job_title, cert.valid_until, "
        )
        joins = (
            "LEFT JOIN learners_enrolment e ON e.learner_id = a.person_id "
            "AND e.course_id = a.course_id AND e.cycle = a.cycle "
            "LEFT JOIN learners_certificate cert ON cert.enrolment_id = e.id "
            "AND cert.revoked_at IS NULL"
        )
    else:
        status = STATUS_CASE.format(in_progress="")
        more, joins = "", ""
    return f"""
WITH items AS (
    SELECT a.id, a.person_id, a.course_id, a.course_title, a.cycle, a.state,
           a.due_date, a.completed_at, s.unit_id, u.path, {more}{status} AS status
      FROM assignments_assignment a
      JOIN auth_user p ON p.id = a.person_id
      JOIN organisation_staffprofile s ON s.user_id = a.person_id
      JOIN organisation_orgunit u ON u.id = s.unit_id
      {joins}
     WHERE {" AND ".join(where)}
)"""


def matrix_sql(prefix, length, course, day):
    # Per unit (integer keys, at most units x courses groups), then rolled up
    # to the level's path prefix.
    sql = (
        items_sql(prefix, course=course)
        + """, per_unit AS (
    SELECT unit_id, course_id, count(*) AS total,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'overdue') AS overdue,
           count(*) FILTER (WHERE status = 'exempt') AS exempt
      FROM items GROUP BY 1, 2
)
SELECT substr(u.path, 1, %(length)s) AS grp, course_id, sum(total)::bigint,
       sum(completed)::bigint, sum(overdue)::bigint, sum(exempt)::bigint
  FROM per_unit JOIN organisation_orgunit u ON u.id = per_unit.unit_id
 GROUP BY 1, 2"""
    )
    return (
        "rows",
        sql,
        {"prefix": prefix + "%", "length": length, "course": course, "day": day},
    )


def courses_sql(prefix, day):
    """The courses with an item in scope: one probe per course that stops
    at the first item (LIMIT 1 keeps it a per-course probe, not a join over
    every item)."""
    sql = items_sql(prefix).replace("WITH items AS (", "", 1).rstrip()[:-1]
    sql = f"""
SELECT pg.id, pg.title
  FROM wagtailcore_page pg JOIN courses_coursepage cp ON cp.page_ptr_id = pg.id
 WHERE EXISTS (SELECT 1 FROM ({sql}) AS items WHERE items.course_id = pg.id LIMIT 1)
 ORDER BY pg.title"""
    return ("rows", sql, {"prefix": prefix + "%", "day": day})


def goals_sql(goals, day):
    """Every goal in one query: the city's items of the goals' courses per
    unit and course, then summed over each goal's unit prefix."""
    since = day - timedelta(days=28)
    sql = (
        items_sql("", courses=True)
        + f""", per_unit AS (
    SELECT unit_id, course_id, count(*) AS total,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'overdue') AS overdue,
           count(*) FILTER (WHERE status = 'exempt') AS exempt,
           count(*) FILTER (WHERE status = 'completed' AND
                            (completed_at AT TIME ZONE '{TZ_NAME}')::date > %(since)s)
               AS recent
      FROM items GROUP BY 1, 2
)
SELECT g.goal, sum(total)::bigint, sum(completed)::bigint, sum(overdue)::bigint,
       sum(exempt)::bigint, sum(recent)::bigint
  FROM unnest(%(ids)s::int[], %(gcourses)s::int[], %(prefixes)s::text[])
       AS g(goal, course, prefix)
  JOIN per_unit pu ON pu.course_id = g.course
  JOIN organisation_orgunit u ON u.id = pu.unit_id AND u.path LIKE g.prefix
 GROUP BY g.goal"""
    )
    return (
        "rows",
        sql,
        {
            "prefix": "%",
            "day": day,
            "since": since,
            "courses": sorted({g.course_id for g in goals}),
            "ids": [g.pk for g in goals],
            "gcourses": [g.course_id for g in goals],
            "prefixes": [(g.unit.path if g.unit_id else "") + "%" for g in goals],
        },
    )


def trend_sql(prefix, course, day):
    sql = (
        items_sql(prefix, course=course)
        + f"""
SELECT (completed_at AT TIME ZONE '{TZ_NAME}')::date,
       count(*) FILTER (WHERE status = 'completed' AND completed_at IS NOT NULL),
       count(*) FILTER (WHERE status <> 'exempt')
  FROM items GROUP BY 1"""
    )
    return ("rows", sql, {"prefix": prefix + "%", "course": course, "day": day})


PEOPLE_SELECT = f"""
SELECT employee_number, last_name, first_name, unit_name, job_title, course_title,
       status, due_date, (completed_at AT TIME ZONE '{TZ_NAME}')::date,
       valid_until{{extra}}
  FROM items ORDER BY last_name, first_name, course_title, id"""


def people_page_sql(prefix, day, size, reports_of=None):
    sql = (
        items_sql(prefix, people_columns=True, reports=reports_of is not None)
        + PEOPLE_SELECT.format(extra=", count(*) OVER ()")
        + " LIMIT %(size)s"
    )
    params = {"prefix": prefix + "%", "day": day, "size": size}
    return ("rows", sql, {**params, "reports_of": reports_of})


def export_sql(prefix, day, copy=False):
    sql = items_sql(prefix, people_columns=True) + PEOPLE_SELECT.format(extra="")
    params = {"prefix": prefix + "%", "day": day}
    if not copy:
        return ("rows", sql, params)
    # COPY takes no parameters: inline them (our own values, not input).
    from django.db import connection

    with connection.cursor() as cursor:
        sql = cursor.mogrify(sql, params)
    return ("copy", f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", None)


# --- Scenarios ---------------------------------------------------------------------


@dataclass
class Page:
    name: str
    label: str
    who: str  # "hr" or "manager"
    url: str
    kind: str  # overview, people, csv, xlsx
    scope: str  # the viewer's scope path ('' for the city)
    unit: object = None  # OrgUnit or None
    course: int | None = None
    city_page: bool = False
    reports_of: int | None = None  # a manager's whole scope: their direct reports
    samples: list = field(default_factory=list)
    raw_ms: list = field(default_factory=list)
    raw_results: object = None
    checks: list = field(default_factory=list)
    rows: int = 0
    notes: list = field(default_factory=list)
    source: str = ""  # an overview's figures: "precomputed" or "live"
    floor: list = field(default_factory=list)  # samples with nothing in scope

    def stat(self, key):
        return median([getattr(s, key) for s in self.samples])

    @property
    def ratio(self):
        raw = median(self.raw_ms)
        return self.stat("ms") / raw if raw else None

    @property
    def over(self):
        if self.kind not in ("overview", "people"):
            return False
        ratio = self.ratio
        return (ratio is not None and ratio > RATIO_BUDGET) or (
            self.city_page and self.stat("ms") > CITY_BUDGET_MS
        )


# Direct reports of the head of administration who sit in other
# administrations: their whole-scope people list has them too (the scope's
# OR on the line manager, which a query by unit paths alone did not have).
DIRECT_REPORTS_ELSEWHERE = 20


def give_the_manager_reports_elsewhere(meta, count):
    """The first `count` active staff outside the manager's administration
    report to the manager (the same ones on every run)."""
    from django.db import connection

    from organisation.models import OrgUnit

    admin = OrgUnit.objects.get(hr_code=meta["facts"]["admin"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE organisation_staffprofile SET line_manager_id = %s WHERE id IN ("
            "SELECT s.id FROM organisation_staffprofile s "
            "JOIN auth_user p ON p.id = s.user_id "
            "JOIN organisation_orgunit u ON u.id = s.unit_id "
            "WHERE p.is_active AND u.path NOT LIKE %s ORDER BY s.id LIMIT %s)",
            [meta["facts"]["manager"], admin.path + "%", count],
        )


def build_pages(meta, day):
    from organisation.models import OrgUnit
    from reports.models import ReportGoal

    facts = meta["facts"]
    admin = OrgUnit.objects.get(hr_code=facts["admin"])
    # The largest unit of the administration; a department of ~10k rows.
    from django.db.models import Count, Q

    unit = (
        OrgUnit.objects.filter(path__startswith=admin.path, depth=3)
        .annotate(n=Count("staff", filter=Q(staff__user__is_active=True)))
        .order_by("-n", "path")
        .first()
    )
    rows_by_dept = dict(
        raw_once(
            [
                (
                    "rows",
                    items_sql("")
                    + " SELECT substr(path, 1, 8), count(*) FROM items GROUP BY 1",
                    {"prefix": "%", "day": day},
                )
            ]
        )[1][0]
    )
    dept_path = min(
        (p for p in rows_by_dept if len(p) == 8),
        key=lambda p: abs(rows_by_dept[p] - 10000),
    )
    dept = OrgUnit.objects.get(path=dept_path)
    course = facts["courses_everyone"][0]
    city = OrgUnit(
        pk=0, path="", depth=0, name="Staden (hela staden)", hr_code="STADEN"
    )
    base = "/learning/reports/"
    unit_url = lambda u: f"{base}units/{u.pk}/"  # noqa: E731
    people_url = lambda u: f"{base}units/{u.pk}/people/"  # noqa: E731
    k = f"?kurs={course}"
    pages = [
        Page(
            "overview_city",
            "overview: city",
            "hr",
            base,
            "overview",
            "",
            city_page=True,
        ),
        Page(
            "overview_city_course",
            "overview: city, one course",
            "hr",
            base + k,
            "overview",
            "",
            course=course,
            city_page=True,
        ),
        Page(
            "overview_admin_hr",
            "overview: administration (HR)",
            "hr",
            unit_url(admin),
            "overview",
            "",
            unit=admin,
        ),
        Page(
            "overview_admin_hr_course",
            "overview: administration (HR), one course",
            "hr",
            unit_url(admin) + k,
            "overview",
            "",
            unit=admin,
            course=course,
        ),
        Page(
            "overview_top_manager",
            "overview: administration, manager's start page",
            "manager",
            base,
            "overview",
            admin.path,
        ),
        Page(
            "overview_top_manager_course",
            "overview: administration, manager's start page, one course",
            "manager",
            base + k,
            "overview",
            admin.path,
            course=course,
        ),
        Page(
            "overview_admin_manager",
            "overview: administration (manager)",
            "manager",
            unit_url(admin),
            "overview",
            admin.path,
            unit=admin,
        ),
        Page(
            "overview_admin_manager_course",
            "overview: administration (manager), one course",
            "manager",
            unit_url(admin) + k,
            "overview",
            admin.path,
            unit=admin,
            course=course,
        ),
        Page(
            "overview_unit_hr",
            "overview: unit (HR)",
            "hr",
            unit_url(unit),
            "overview",
            "",
            unit=unit,
        ),
        Page(
            "overview_unit_hr_course",
            "overview: unit (HR), one course",
            "hr",
            unit_url(unit) + k,
            "overview",
            "",
            unit=unit,
            course=course,
        ),
        Page(
            "overview_unit_manager",
            "overview: unit (manager)",
            "manager",
            unit_url(unit),
            "overview",
            admin.path,
            unit=unit,
        ),
        Page(
            "overview_unit_manager_course",
            "overview: unit (manager), one course",
            "manager",
            unit_url(unit) + k,
            "overview",
            admin.path,
            unit=unit,
            course=course,
        ),
        Page(
            "people_unit_hr",
            "people, first page: unit (HR)",
            "hr",
            people_url(unit),
            "people",
            "",
            unit=unit,
        ),
        Page(
            "people_unit_manager",
            "people, first page: unit (manager)",
            "manager",
            people_url(unit),
            "people",
            admin.path,
            unit=unit,
        ),
        Page(
            "people_admin_hr",
            "people, first page: administration (HR)",
            "hr",
            people_url(admin),
            "people",
            "",
            unit=admin,
        ),
        Page(
            "people_admin_manager",
            "people, first page: administration (manager)",
            "manager",
            people_url(admin),
            "people",
            admin.path,
            unit=admin,
        ),
    ]
    pages.append(
        # The manager's whole scope (People in all your units): their
        # administration and their direct reports, wherever those sit.
        Page(
            "people_all_manager",
            "people, first page: all in scope (manager)",
            "manager",
            f"{base}people/",
            "people",
            admin.path,
            reports_of=facts["manager"],
        )
    )
    pages.append(
        Page(
            "people_city_hr",
            "people, first page: whole city (HR)",
            "hr",
            f"{base}people/",
            "people",
            "",
            unit=city,
            city_page=True,
        )
    )
    for fmt in ("csv", "xlsx"):
        pages += [
            Page(
                f"export_dept_{fmt}",
                f"export {fmt.upper()}: department (HR)",
                "hr",
                people_url(dept) + f"?format={fmt}",
                fmt,
                "",
                unit=dept,
            ),
            Page(
                f"export_admin_{fmt}",
                f"export {fmt.upper()}: administration (manager)",
                "manager",
                people_url(admin) + f"?format={fmt}",
                fmt,
                admin.path,
                unit=admin,
            ),
            Page(
                f"export_city_{fmt}",
                f"export {fmt.upper()}: whole city (HR)",
                "hr",
                f"{base}people/?format={fmt}",
                fmt,
                "",
                unit=city,
            ),
        ]
    # What HR gets: the city's export is too big for a request, so it is
    # queued; the worker's build is timed in-process (the same code).
    pages += [
        Page(
            f"background_city_{fmt}",
            f"export {fmt.upper()}: whole city (HR), queued and built by the worker",
            "hr",
            f"{base}people/?format={fmt}",
            "background",
            "",
            unit=city,
        )
        for fmt in ("csv", "xlsx")
    ]
    context = {
        "admin": admin,
        "unit": unit,
        "dept": dept,
        "city": city,
        "course": course,
        "goals": list(ReportGoal.objects.select_related("unit").order_by("deadline")),
    }
    return pages, context


def goals_for(page, all_goals):
    """The goals the view shows (reports.views._goals)."""
    if page.unit is not None:
        return [g for g in all_goals if g.unit_id == page.unit.pk]
    if page.scope:
        return [
            g for g in all_goals if g.unit_id and g.unit.path.startswith(page.scope)
        ]
    return all_goals


def raw_statements(page, context, day):
    """The raw SQL computing what `page` shows."""
    from organisation.models import OrgUnit
    from reports.views import PAGE_SIZE

    prefix = page.unit.path if page.unit is not None else page.scope
    if page.kind == "overview":
        if page.unit is not None:
            length = (page.unit.depth + 1) * OrgUnit.steplen
        else:
            length = OrgUnit.steplen  # the top level: administrations
        statements = [matrix_sql(prefix, length, page.course, day)]
        # The course list is the courses of the unit (or of the viewer's scope
        # at the top); without a course filter, those of the matrix.
        if page.course:
            statements.append(courses_sql(prefix, day))
        goals = goals_for(page, context["goals"])
        if goals:
            statements.append(goals_sql(goals, day))
        if page.course:
            statements.append(trend_sql(prefix, page.course, day))
        return statements
    if page.kind == "people":
        return [people_page_sql(prefix, day, PAGE_SIZE, page.reports_of)]
    return [export_sql(prefix, day, copy=True)]


# --- Checking the numbers ------------------------------------------------------------


@contextmanager
def captured_context():
    """The template context of the report views' render() calls."""
    from reports import views as report_views

    seen = []
    real = report_views.render

    def render(request, template, context=None, *args, **kwargs):
        seen.append(context)
        return real(request, template, context, *args, **kwargs)

    with mock.patch.object(report_views, "render", render):
        yield seen


def check_overview(page, ctx, results, statements, day):
    problems = []
    matrix_rows = results[0]
    cells = {(g, c): (t, done, over, ex) for g, c, t, done, over, ex in matrix_rows}
    shown_paths = set()
    for row in ctx["rows"]:
        path = row.unit.path if row.unit else None
        shown_paths.add(path)
        for course_id, cell in row.cells.items():
            got = (cell.total, cell.completed, cell.overdue, cell.exempt)
            if cells.get((path, course_id)) != got:
                problems.append(
                    f"cell {path}/{course_id}: page {got}, "
                    f"SQL {cells.get((path, course_id))}"
                )
    for (g, c), value in cells.items():
        if g in shown_paths:
            row = next(r for r in ctx["rows"] if r.unit and r.unit.path == g)
            if c not in row.cells:
                problems.append(f"cell {g}/{c}: missing on the page, SQL {value}")
        elif value[0]:
            problems.append(f"group {g}: {value} in SQL, no row on the page")
    totals = [sum(v[i] for v in cells.values()) for i in range(4)]
    grand = ctx["grand"]
    if (grand.total, grand.completed, grand.overdue, grand.exempt) != tuple(totals):
        problems.append(f"grand total: page {grand}, SQL {totals}")
    # The course list.
    index = 1
    shown = [c.title for c in ctx["courses"]]
    if page.course:
        listed = results[index]
        index += 1
        expected = [t for pk, t in listed if not page.course or pk == page.course]
        if shown != expected:
            problems.append(f"course list: page {len(shown)}, SQL {len(expected)}")
    elif sorted({c for _g, c in cells}) != sorted(c.pk for c in ctx["courses"]):
        problems.append("course list differs from the matrix's courses")
    # Goals.
    goals = ctx["goals"]
    if goals:
        by_goal = {r[0]: r[1:] for r in results[index]}
        index += 1
        for status in goals:
            c = status.cell
            got = (c.total, c.completed, c.overdue, c.exempt, status.recent)
            want = tuple(by_goal.get(status.goal.pk, (0, 0, 0, 0, 0)))
            if got != want:
                problems.append(f"goal {status.goal.pk}: page {got}, SQL {want}")
    elif goals_sql_expected(statements):
        problems.append("goals expected, none shown")
    # Trend.
    if page.course:
        by_day = results[index]
        required = sum(r[2] for r in by_day)
        for point in ctx["trend"]:
            done = sum(
                r[1] for r in by_day if r[0] is not None and r[0] <= point.week_ending
            )
            if (point.completed, point.required) != (done, required):
                problems.append(
                    f"trend {point.week_ending}: page "
                    f"{point.completed}/{point.required}, SQL {done}/{required}"
                )
    return problems, totals[0]


def goals_sql_expected(statements):
    return any("unnest(%(ids)s" in s[1] for s in statements)


def _status_labels():
    from django.utils import translation

    from reports.forms import STATUS_LABELS

    with translation.override("sv"):
        return {key: str(label) for key, label in STATUS_LABELS.items()}


def _iso(value):
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def raw_row(row, labels):
    values = list(row[:10])
    values[6] = labels[values[6]]
    return tuple(_iso(v) for v in values)


def check_people(page, ctx, results, day):
    labels = _status_labels()
    raw = results[0]
    problems = []
    count = raw[0][10] if raw else 0
    if ctx["page"].paginator.count != count:
        problems.append(f"count: page {ctx['page'].paginator.count}, SQL {count}")
    keys = [key for key, _label in ctx["columns"]]
    shown = [tuple(_iso(row[key]) for key in keys) for row in ctx["rows"]]
    expected = [raw_row(r, labels) for r in raw]
    if shown != expected:
        first = next(
            (
                i
                for i, (a, b) in enumerate(zip(shown, expected, strict=False))
                if a != b
            ),
            min(len(shown), len(expected)),
        )
        problems.append(
            f"first page differs from row {first}: page "
            f"{shown[first] if first < len(shown) else None}, SQL "
            f"{expected[first] if first < len(expected) else None}"
        )
    return problems, count


def digest(rows):
    h = hashlib.sha256()
    n = 0
    for row in rows:
        h.update(("\x1f".join(row) + "\n").encode())
        n += 1
    return n, h.hexdigest()


def export_rows(page, client, response=None, kind=None):
    """The export's data rows as tuples of strings, streamed (one extra
    request, or `response`: anything with `streaming_content`; nothing held
    in memory but the row at hand)."""
    kind = kind or page.kind
    if response is None:
        response = client.get(page.url)
    if kind == "csv":

        def lines():
            # A chunk holds many lines (about 500); split them, carrying a
            # partial line (and a partial character) to the next chunk.
            decoder = codecs.getincrementaldecoder("utf-8")()
            rest = ""
            for chunk in response.streaming_content:
                text = rest + decoder.decode(chunk)
                *complete, rest = text.split("\r\n")
                for line in complete:
                    yield line.lstrip("\ufeff") + "\r\n"
            rest += decoder.decode(b"", final=True)
            if rest:
                yield rest.lstrip("\ufeff")

        reader = csv.reader((line for line in lines() if line), delimiter=";")
        next(reader)
        yield from (tuple(r) for r in reader)
        return
    from openpyxl import load_workbook

    with tempfile.TemporaryFile(dir=_WORK) as spool:
        for chunk in response.streaming_content:
            spool.write(chunk)
        spool.seek(0)
        book = load_workbook(spool, read_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        next(rows)
        yield from (tuple(_iso(v) if v is not None else "" for v in r) for r in rows)
        book.close()


def raw_export_rows(page, day, labels):
    """The raw SQL's rows, through a server-side cursor."""
    from django.db import connection, transaction

    _kind, sql, params = export_sql(page.unit.path, day)
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            yield from (raw_row(r, labels) for r in batch)


def check_export(page, client, day):
    labels = _status_labels()
    want = digest(raw_export_rows(page, day, labels))
    got = digest(export_rows(page, client))
    problems = []
    if got != want:
        problems.append(
            f"export: {got[0]:,} rows (sha {got[1][:10]}), "
            f"SQL {want[0]:,} rows (sha {want[1][:10]})"
        )
    return problems, want[0]


# --- Profiling and EXPLAIN ---------------------------------------------------------


def explain(page, client, top=3):
    """EXPLAIN (ANALYZE, BUFFERS) of the page's slowest queries."""
    from django.db import connection

    queries = []
    request_once(client, page.url, queries)
    queries.sort(key=lambda q: -q[0])
    out = [f"# {page.label}: {page.url}\n"]
    with connection.cursor() as cursor:
        for ms, sql, params in queries[:top]:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            text = cursor.mogrify(sql, params)
            out.append(f"## {ms:.1f} ms in the request\n\n{text}\n\n{plan}\n")
    path = RESULTS / f"reports-explain{TAG[0]}-{page.name}.txt"
    path.write_text("\n".join(out))
    return path, [(round(ms, 1), sql[:120]) for ms, sql, _p in queries[:top]]


def profile(page, client):
    """A cProfile of one request, then the queries of another (ms, SQL)."""
    profiler = cProfile.Profile()
    profiler.enable()
    request_once(client, page.url)
    profiler.disable()
    queries = []
    request_once(client, page.url, queries)
    path = RESULTS / f"reports-{page.name}.prof"
    common.print_profile(profiler, page.name, path, lines=30, strip_dirs=True)
    print(f"\n--- queries of {page.name}: {len(queries)} ---")
    for ms, sql, _params in queries:
        print(f"{ms:7.2f} ms  {' '.join(sql.split())[:400]}")


# --- The precomputed counts ---------------------------------------------------------
#
# The big overviews read materialized views (reports.figures.PrecomputedCounts)
# refreshed by Celery beat every 5 minutes. Here the benchmark refreshes them
# itself: once after preparing the database (timed), and again before an
# overview page whenever they are older than beat would let them get.

KEEP_FRESH = timedelta(minutes=5)


def refresh_counts_timed():
    """Refresh the views (plainly if never populated, else CONCURRENTLY) and
    return (ms, rows in the counts view, rows in the days view)."""
    from django.db import connection

    from reports.figures import COUNTS_VIEW, DAYS_VIEW, refresh_counts

    started = time.perf_counter()
    refresh_counts()
    ms = (time.perf_counter() - started) * 1000
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {COUNTS_VIEW}), "
            f"(SELECT count(*) FROM {DAYS_VIEW})"
        )
        counts_rows, days_rows = cursor.fetchone()
    return ms, counts_rows, days_rows


def keep_counts_fresh():
    from django.db import connection
    from django.utils import timezone

    from reports.figures import COUNTS_REFRESHED, refresh_counts

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT refreshed_at FROM {COUNTS_REFRESHED} WHERE id = 1")
        row = cursor.fetchone()
    if row is None or timezone.now() - row[0] > KEEP_FRESH:
        refresh_counts()


@contextmanager
def nothing_in_scope():
    """The same page with no item in scope: every query and template but the
    data's (the items' querysets are empty, so Django sends no query for
    them). What a report request costs whatever it reports: session, user,
    scope, unit, audit row, form, base template and its navigation."""
    from reports import views as report_views

    real = report_views.current_items
    with mock.patch.object(
        report_views,
        "current_items",
        lambda *a, **k: real(*a, **k).filter(pk__in=[]),
    ):
        yield


FLOOR_PAGES = ("overview_unit", "people_unit")


@contextmanager
def counting_live():
    """The overview as it is without fresh precomputed counts."""
    from reports.figures import PrecomputedCounts

    with mock.patch.object(PrecomputedCounts, "for_page", lambda *a, **k: None):
        yield


# --- Running -----------------------------------------------------------------------


def measure(page, clients, context, day, args):
    client = clients[page.who]
    runs = args.export_runs if page.kind in ("csv", "xlsx") else args.runs
    patches = []
    if page.kind == "background":
        return measure_background(page, client, day, args)
    if page.kind in ("csv", "xlsx"):
        # Within the request whatever its size (a bigger one is queued and the
        # worker writes it with the same code): the writing is what is timed.
        from django.test import override_settings

        patches.append(
            override_settings(
                REPORT_EXPORT_DIRECT_MAX_ROWS={"csv": 10**9, "xlsx": 10**9}
            )
        )
    for p in patches:
        p.start() if hasattr(p, "start") else p.enable()
    try:
        if page.kind == "overview":
            keep_counts_fresh()
        statements = raw_statements(page, context, day)
        if page.kind in ("overview", "people"):
            request_once(client, page.url)  # warm-up (an export is its own)
        raw_once(statements)
        floor = page.name.startswith(FLOOR_PAGES) and not page.name.endswith("_live")
        if floor:
            with nothing_in_scope():
                request_once(client, page.url)  # warm-up
        for _ in range(runs):
            page.samples.append(request_once(client, page.url))
            ms, results = raw_once(statements)
            page.raw_ms.append(ms)
            if floor:  # interleaved: the same load on the machine
                with nothing_in_scope():
                    page.floor.append(request_once(client, page.url))
        if page.kind == "overview":
            with captured_context() as seen:
                request_once(client, page.url)
            page.checks, page.rows = check_overview(
                page, seen[0], results, statements, day
            )
            page.source = "precomputed" if seen[0].get("precomputed") else "live"
        elif page.kind == "people":
            with captured_context() as seen:
                request_once(client, page.url)
            page.checks, page.rows = check_people(page, seen[0], results, day)
        elif not args.no_export_check:
            page.checks, page.rows = check_export(page, client, day)
        else:
            page.rows = count_rows(page, day)
        if page.over and not args.no_explain:
            path, slowest = explain(page, client)
            page.notes.append(f"EXPLAIN of the slowest queries: {path.name}")
        if page.name in args.profile:
            profile(page, client)
    finally:
        for p in patches:
            p.stop() if hasattr(p, "stop") else p.disable()
    print_page(page)


class _FileContent:
    def __init__(self, handle):
        self.streaming_content = iter(lambda: handle.read(1 << 16), b"")


def measure_background(page, client, day, args):
    """An export too big for the request: the confirmation's POST queues it
    (a 302 to My exports; timed as a note), and the worker's build is timed here,
    in-process (`report_exports.build`, the task's body: the rows, the file
    written to private storage, the mail), beside the raw SQL's COPY of the
    same rows; the file is then checked row by row against the raw SQL."""
    from django.test import override_settings

    from reports import exports as report_exports
    from reports.models import ReportExport

    fmt = page.url.rsplit("=", 1)[-1]
    statements = [export_sql(page.unit.path, day, copy=True)]
    user = client.session.get("_auth_user_id")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        for _ in range(max(1, args.export_runs // 2)):
            ReportExport.objects.filter(requested_by_id=user).delete()
            started = time.perf_counter()
            response = client.post(page.url)  # the confirmation page's button
            queued_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 302:
                raise RuntimeError(f"{page.url}: {response.status_code}, not queued")
            export = ReportExport.objects.get(requested_by_id=user)
            gc.collect()
            reset_peak()
            rss = status_kb("VmRSS", 0) / 1024
            cpu = time.process_time()
            started = time.perf_counter()
            with counted() as box:
                outcome = report_exports.build(export.pk)
            ms = (time.perf_counter() - started) * 1000
            if outcome != "ready":
                raise RuntimeError(f"build: {outcome}")
            export.refresh_from_db()
            page.samples.append(
                Sample(
                    ms=ms,
                    cpu_ms=(time.process_time() - cpu) * 1000,
                    sql_ms=box["s"] * 1000,
                    queries=box["n"],
                    size=export.file.size,
                    rss_before_mb=rss,
                    peak_mb=status_kb("VmHWM", 0) / 1024,
                )
            )
            page.notes.append(f"queued by the request in {queued_ms:.0f} ms")
            raw_ms, _results = raw_once(statements)
            page.raw_ms.append(raw_ms)
    if not args.no_export_check:
        want = digest(raw_export_rows(page, day, _status_labels()))
        with export.file.open("rb") as handle:
            got = digest(
                export_rows(page, client, response=_FileContent(handle), kind=fmt)
            )
        if got != want:
            page.checks.append(
                f"export: {got[0]:,} rows (sha {got[1][:10]}), "
                f"SQL {want[0]:,} rows (sha {want[1][:10]})"
            )
        page.rows = want[0]
    else:
        page.rows = export.rows
    export.file.delete(save=False)
    ReportExport.objects.filter(requested_by_id=user).delete()
    print_page(page)
    print(f"    {page.notes[-1]}", flush=True)


def print_page(page):
    s = page
    ratio = s.ratio
    if s.floor:
        print(
            f"  {'  the same, nothing in scope':<62} "
            f"{median([f.ms for f in s.floor]):8.0f} ms  "
            f"cpu {median([f.cpu_ms for f in s.floor]):6.0f}  "
            f"sql {median([f.sql_ms for f in s.floor]):6.0f}  "
            f"{median([f.queries for f in s.floor]):3.0f} q",
            flush=True,
        )
    print(
        f"  {s.label:<62} {s.stat('ms'):8.0f} ms  cpu {s.stat('cpu_ms'):6.0f}  "
        f"sql {s.stat('sql_ms'):6.0f}  {s.stat('queries'):3.0f} q  "
        f"raw {median(s.raw_ms):7.0f} ms  x{ratio:4.1f}  {s.rows:>8,} rows"
        + (
            f"  peak {s.stat('peak_mb'):.0f} MB"
            if s.kind in ("csv", "xlsx", "background")
            else ""
        )
        + (f"  {s.source}" if s.source else "")
        + ("  OVER" if s.over else "")
        + (
            "  CHECK FAILED: " + "; ".join(s.checks[:3])
            if s.checks
            else "  numbers equal"
        ),
        flush=True,
    )


def count_rows(page, day):
    _ms, (rows,) = raw_once(
        [
            (
                "rows",
                items_sql(page.unit.path) + " SELECT count(*) FROM items",
                {"prefix": page.unit.path + "%", "day": day},
            )
        ]
    )
    return rows[0][0]


def _floor_text(page):
    floor = median([f.ms for f in page.floor])
    beyond = page.stat("ms") - floor
    return (
        f"{page.label} {floor:.0f} ms (cpu "
        f"{median([f.cpu_ms for f in page.floor]):.0f}, "
        f"{median([f.queries for f in page.floor]):.0f} queries in "
        f"{median([f.sql_ms for f in page.floor]):.0f} ms), beyond it {beyond:.0f} "
        f"ms = {beyond / median(page.raw_ms):.1f}× raw"
    )


def table(pages):
    lines = [
        "| page | who | items / rows | server time (median) | of which SQL | queries "
        "| raw SQL | ratio | peak RSS (growth) | numbers |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for p in pages:
        if not p.samples:
            continue
        export = p.kind in ("csv", "xlsx", "background")
        growth = max(0.0, p.stat("peak_mb") - p.stat("rss_before_mb"))
        mem = f"{p.stat('peak_mb'):.0f} MB (+{growth:.0f})" if export else ""
        who = "central HR" if p.who == "hr" else "head of administration"
        numbers = "equal" if not p.checks else "DIFFER: " + "; ".join(p.checks[:2])
        if p.source:
            numbers += f" ({p.source})"
        verdict = ""
        if p.kind in ("overview", "people"):
            verdict = " **over**" if p.over else ""
        lines.append(
            f"| {p.label} | {who} | {p.rows:,} | {p.stat('ms'):,.0f} ms{verdict} | "
            f"{p.stat('sql_ms'):,.0f} ms | {p.stat('queries'):.0f} | "
            f"{median(p.raw_ms):,.0f} ms | {p.ratio:.1f}× | {mem} | {numbers} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=40000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5, help="warm runs per page")
    parser.add_argument("--export-runs", type=int, default=2)
    parser.add_argument("--reseed", action="store_true", help="ignore the dump")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="use the kept database as it is (implies --keep-db)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="pages whose name contains TEXT",
    )
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="PAGE",
        help="cProfile one request of PAGE",
    )
    parser.add_argument(
        "--jit",
        choices=("app", "on"),
        default="app",
        help="PostgreSQL JIT as the app sets it (off, in the settings), or on",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="measure the overview pages again counting live (no precomputed counts)",
    )
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--no-export-check", action="store_true", help="skip re-reading the exports"
    )
    args = parser.parse_args()
    if args.reuse_db:
        args.keep_db = True
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    if not name.startswith("kompetens_bench"):
        sys.exit(f"Refusing to use {name!r}: its name must start with kompetens_bench")
    static = start_collectstatic()
    try:
        return run(args, name, static)
    finally:
        if static.poll() is None:
            static.kill()
            static.wait()
        from django.db import connections

        connections.close_all()
        try:
            flush_cache()
        except Exception:  # noqa: BLE001, S110 - Redis gone: nothing to empty
            pass
        if not args.keep_db:
            drop_database(os.environ["DATABASE_URL"])
        shutil.rmtree(_WORK, ignore_errors=True)


def run(args, db_name, static):
    load_before = os.getloadavg()[0]
    meta, how = prepare_database(args)
    print(f"Database {db_name}: {how}", flush=True)
    if static.wait() != 0:
        log = Path(_WORK, "collectstatic.log").read_text()[-2000:]
        sys.exit(f"collectstatic failed:\n{log}")
    flush_cache()
    from django.db import connection

    if args.jit == "on":
        TAG[0] = "-jit-on"
        # The settings turn JIT off for every connection; as it was before.
        connection.settings_dict.setdefault("OPTIONS", {})["options"] = "-c jit=on"
        connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    from django.contrib.staticfiles.storage import staticfiles_storage

    # The manifest is read when the storage is first used, which may have been
    # before collectstatic finished.
    manifest = staticfiles_storage.load_manifest()
    staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = manifest
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from assignments.models import Assignment
    from learners.models import Certificate, Enrolment, LessonProgress
    from organisation.models import StaffProfile

    day = timezone.localdate()
    refresh_ms, counts_rows, days_rows = refresh_counts_timed()
    again_ms, _c, _d = refresh_counts_timed()
    counts_line = (
        f"- precomputed counts: {counts_rows:,} rows (matrix) and {days_rows:,} "
        f"(goals, trend); refreshed in {refresh_ms:,.0f} ms after preparing the "
        f"database, then CONCURRENTLY in {again_ms:,.0f} ms"
    )
    print(counts_line, flush=True)
    User = get_user_model()
    clients = {}
    for who, pk in (
        ("hr", meta["facts"]["central"]),
        ("manager", meta["facts"]["manager"]),
    ):
        client = Client()
        client.force_login(User.objects.get(pk=pk))
        clients[who] = client
    give_the_manager_reports_elsewhere(meta, DIRECT_REPORTS_ELSEWHERE)
    pages, context = build_pages(meta, day)
    if args.only:
        pages = [p for p in pages if any(text in p.name for text in args.only)]
    counts = {
        "users (active)": User.objects.filter(is_active=True).count(),
        "users": User.objects.count(),
        "staff profiles": StaffProfile.objects.count(),
        "assignments": Assignment.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "lesson progress": LessonProgress.objects.count(),
        "certificates": Certificate.objects.count(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db_size = cursor.fetchone()[0]
    print(
        "Data: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + f"; database {db_size / 1e9:.1f} GB",
        flush=True,
    )
    print(
        f"Viewers: central HR (the city) and the head of {context['admin'].name} "
        f"({context['admin'].hr_code}); unit {context['unit'].name}, department "
        f"{context['dept'].name} ({context['dept'].hr_code}); course filter: "
        f"{context['course']}",
        flush=True,
    )
    print(
        f"\nPages (warm, median of {args.runs}; exports of {args.export_runs})",
        flush=True,
    )
    for page in pages:
        try:
            measure(page, clients, context, day, args)
        except Exception as error:  # noqa: BLE001 - report it and carry on
            import traceback

            page.checks.append(f"ERROR {type(error).__name__}: {error}")
            print(f"\n!! {page.label}: {error}\n{traceback.format_exc()}", flush=True)

    if args.live:
        print("\nThe overview pages again, counting live", flush=True)
        live = []
        for page in [p for p in pages if p.kind == "overview"]:
            again = Page(
                page.name + "_live",
                page.label + " — live",
                page.who,
                page.url,
                page.kind,
                page.scope,
                unit=page.unit,
                course=page.course,
                city_page=page.city_page,
            )
            live.append(again)
            try:
                with counting_live():
                    measure(again, clients, context, day, args)
            except Exception as error:  # noqa: BLE001
                import traceback

                again.checks.append(f"ERROR {type(error).__name__}: {error}")
                print(
                    f"\n!! {again.label}: {error}\n{traceback.format_exc()}", flush=True
                )
        pages += live

    now = datetime.now().astimezone()
    header = (
        f"Run of {now:%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after; data seeded "
        f"{meta['day']} ("
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + f"; {db_size / 1e9:.1f} GB); {how}; PostgreSQL jit={jit}, "
        f"work_mem={work_mem}."
    )
    over = [p for p in pages if p.over]
    bad = [p for p in pages if p.checks]
    summary = [
        "- over the goal (2× raw SQL, or 500 ms for the city): "
        + (
            ", ".join(
                f"{p.label} ({p.stat('ms'):.0f} ms, {p.ratio:.1f}×)" for p in over
            )
            or "none"
        ),
        "- numbers: "
        + (
            "equal on every page"
            if not bad
            else "DIFFER on " + ", ".join(p.label for p in bad)
        ),
    ]
    floors = [p for p in pages if p.floor]
    if floors:
        summary.append(
            "- the same page with nothing in scope (the fixed cost of a report "
            "request: session, user, scope, unit, audit row, form, base template; "
            "no data query), and what the page costs beyond it beside its raw SQL: "
            + "; ".join(_floor_text(p) for p in floors)
        )
    summary.append(counts_line)
    report = "\n".join([header, "", table(pages), "", *summary])
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    tag = TAG[0]
    (RESULTS / f"reports{tag}-latest.md").write_text(report + "\n")
    (RESULTS / f"reports{tag}-{stamp}.md").write_text(report + "\n")
    data = json.dumps(
        {
            "header": header,
            "counts": counts,
            "pages": [
                {
                    "name": p.name,
                    "label": p.label,
                    "url": p.url,
                    "rows": p.rows,
                    "ms": p.stat("ms") if p.samples else None,
                    "raw_ms": median(p.raw_ms),
                    "ratio": p.ratio if p.samples else None,
                    "over": p.over if p.samples else None,
                    "checks": p.checks,
                    "notes": p.notes,
                    "source": p.source,
                    "samples": [asdict(s) for s in p.samples],
                    "floor": [asdict(s) for s in p.floor],
                    "raw_samples": p.raw_ms,
                }
                for p in pages
            ],
        },
        indent=1,
        default=str,
    )
    (RESULTS / f"reports{tag}-latest.json").write_text(data)
    (RESULTS / f"reports{tag}-{stamp}.json").write_text(data)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
