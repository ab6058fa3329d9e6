"""Benchmark for issue #4: import 40,000 staff in 2,000 units, then evaluate 20
assignment rules over them, on PostgreSQL.

    .venv/bin/python bench/assignment_evaluation.py              # about 4 minutes
    .venv/bin/python bench/assignment_evaluation.py --profile evaluate_all_1

**It drops and recreates its own database** (`DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/kompetens_bench_assign; the name must
start with `kompetens_bench`) and empties Redis database 12 (`REDIS_URL`,
default redis://127.0.0.1:6379/12), which it uses as the Celery broker: the
import enqueues an invitation per new person and an assignment sweep, and no
worker runs, so the queue is emptied afterwards. Settings are
`cms.settings.production` with throw-away secrets, as `bench/run.sh` does.

What it does, in-process, through the same code the commands and the admin call:

1. generates a units file (2,000 units: 30 administrations → departments →
   units) and a staff file (40,000 people) in the importer's format
   (`bench/assign_data.py`, docs/hr-import.md);
2. times the dry run and the apply of each (`organisation.hr_import`), the units
   file again once the heads exist, and a second identical apply of each
   (idempotent: only the audit record may be written);
3. publishes 20 courses (one lesson each; three valid for 12 months, with past
   completions seeded for them so that keep-valid rules renew some people),
   creates 20 rules of every kind and activates them, then times
   `evaluate_all()` the first time, the second time (nothing to change) and
   `evaluate_course()` of the largest course;
4. re-imports the staff file with 2 % of people moved to other units and 1 %
   leavers, and times that import and the re-evaluation.

Each step reports wall time, time spent in SQL (inside the database driver,
fetching included), the number of queries and of write statements, and the
process's peak resident memory during the step (the kernel's high-water mark,
reset before each step). Results are printed as a table and written to
`bench/results/assignments-latest.md` and `.json` (git-ignored).
`--profile STEP` runs that step under cProfile and prints its hotspots.
"""

import argparse
import json
import os
import secrets
import shutil
import sys
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for common

import common
from common import (
    BENCH,
    Step,
    drop_database,
    flush_broker,
    recreate_database,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kompetens_bench_assign"
_WORK = common.set_up_environment(
    database_url=DEFAULT_DB,
    redis_url="redis://127.0.0.1:6379/12",
    work_prefix="kompetens-bench-assign.",
)

import assign_data  # noqa: E402

RESULTS = BENCH / "results"


# --- Measuring ---------------------------------------------------------------------


STEPS: list[Step] = []
PROFILE: set = set()


def measured(name, label):
    """Time a step: wall clock, SQL time and count, writes, peak RSS."""
    return common.measured(
        name,
        label,
        steps=STEPS,
        profile=PROFILE,
        print_profile=_print_profile,
        widths=(7, 6, 6),
    )


def _print_profile(profiler, name):
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"assignments-{name}.prof"
    common.print_profile(profiler, name, path, lines=30, strip_dirs=True)


# --- Steps -------------------------------------------------------------------------


def plan_step(name, label, kind, content, filename, mode="full"):
    from organisation import hr_import

    with measured(name, label) as step:
        plan = hr_import.plan_import(None, kind, content, filename, mode)
        step.details = plan.counts()
        step.result = _plan_result(plan)
    return step


def apply_step(name, label, kind, content, filename, mode="full", confirm=False):
    """The apply, with the commit and its on-commit work (enqueueing the
    invitations and the sweep) timed apart: an outer transaction makes the
    apply's own a savepoint, so nothing commits before the outer one does."""
    from django.db import transaction

    from organisation import hr_import

    with measured(name, label) as step:
        with transaction.atomic():
            plan = hr_import.apply_import(
                None, kind, content, filename, mode, confirm_deactivations=confirm
            )
            before_commit = time.perf_counter()
        step.details = plan.counts()
        step.details["commit_and_enqueue_s"] = round(
            time.perf_counter() - before_commit, 2
        )
        step.result = _plan_result(plan)
        if step.details["commit_and_enqueue_s"] >= 0.5:
            step.result += (
                f"; commit + enqueue {step.details['commit_and_enqueue_s']:.1f} s"
            )
    return step


def _plan_result(plan):
    c = plan.counts()
    parts = [
        f"{c[key]:,} {key}"
        for key in ("created", "changed", "moved", "deactivated", "reactivated")
        if c[key]
    ]
    if c["errors"]:
        parts.append(f"{c['errors']:,} BAD ROWS")
    if c["warnings"]:
        parts.append(f"{c['warnings']:,} warnings")
    return ", ".join(parts) or "no changes"


def evaluate_step(name, label, func):
    from assignments.models import Assignment

    before = Assignment.objects.count()
    with measured(name, label) as step:
        counts = func()
        if "matched" in counts:  # one course's plan
            counts = {"one course": counts}
        totals = {}
        for course_counts in counts.values():
            for key, value in course_counts.items():
                totals[key] = totals.get(key, 0) + value
        step.details = {"courses": len(counts), "totals": totals}
    after = Assignment.objects.count()
    step.details["rows_created"] = after - before
    changes = {
        k: v for k, v in step.details.get("totals", {}).items() if v and k != "matched"
    }
    step.result = f"{after - before:,} rows created; " + (
        ", ".join(f"{v:,} {k}" for k, v in changes.items()) or "nothing to change"
    )
    return step


# --- Courses and rules -------------------------------------------------------------

COURSES = [
    # (title, validity months or None)
    ("Informationssäkerhet för medarbetare", None),
    ("Arbetsmiljö och systematiskt arbetsmiljöarbete", None),
    ("Offentlighet och sekretess", 12),
    ("Mutor, jäv och gåvor", None),
    ("Hot och våld i arbetet", None),
    ("Första hjälpen och hjärt-lungräddning", 12),
    ("Introduktion för nyanställda", None),
    ("Likabehandling och diskriminering", None),
    ("Brandskydd på arbetsplatsen", 12),
    ("Dokumentation inom socialtjänsten", None),
    ("Introduktion för nya chefer", None),
    ("Dataskydd för registeransvariga", None),
    ("Hygien och livsmedelssäkerhet", None),
    ("Krisberedskap i staden", None),
    ("Ergonomi vid skärmarbete", None),
    ("Barnkonventionen i praktiken", None),
    ("Säker e-post och delning av filer", None),
    ("Klarspråk i stadens texter", None),
    ("Hållbara resor i tjänsten", None),
    ("Att leda möten digitalt", None),
]

HEAD_TITLES = [
    "Enhetschef",
    "Förskolechef",
    "Rektor",
    "Avdelningschef",
    "Förvaltningschef",
    "Verkställande direktör",
]


def publish_courses():
    from django.utils.text import slugify
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from courses.models import CourseIndexPage, CoursePage, LessonPage

    def publish(parent, page):
        page.live = False
        parent.add_child(instance=page)
        page.save_revision().publish()
        return type(page).objects.get(pk=page.pk)

    root = Page.get_first_root_node()
    home = publish(root, HomePage(title="Välkommen till Kompetens", slug="hem"))
    site = Site.objects.filter(is_default_site=True).first()
    site.root_page = home
    site.save()
    catalogue = publish(home, CourseIndexPage(title="Kurser", slug="kurser"))
    block = LessonPage._meta.get_field("body").stream_block
    courses = []
    for title, months in COURSES:
        course = publish(
            catalogue,
            CoursePage(
                title=title,
                slug=slugify(
                    title.replace("å", "a").replace("ä", "a").replace("ö", "o")
                ),
                summary=f"En kurs om {title.lower()} för stadens medarbetare.",
                objectives="<ul><li>Känna till reglerna</li></ul>",
                estimated_minutes=20,
                validity_kind="months" if months else "none",
                validity_months=months,
            ),
        )
        body = block.clean(
            block.to_python(
                [{"type": "text", "value": f"<h2>{title}</h2><p>Det här gäller.</p>"}]
            )
        )
        publish(
            course, LessonPage(title="Introduktion", slug="introduktion", body=body)
        )
        courses.append(course)
    return courses


def seed_completions(city, courses, today):
    """Past completions of the courses valid for 12 months, as if imported
    from the old system: completed over the last 13 months, so about one in
    thirteen has expired and one in thirteen expires within the renewal
    window. Bulk rows (certificate PDFs are not rendered)."""
    import random

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from learners.models import Certificate, Enrolment

    rng = random.Random(7)
    users = dict(
        get_user_model().objects.filter(is_active=True).values_list("username", "pk")
    )
    names = {p.number: f"{p.first} {p.last}" for p in city.people}
    shares = {
        "Offentlighet och sekretess": 0.6,
        "Första hjälpen och hjärt-lungräddning": 0.3,
        "Brandskydd på arbetsplatsen": 0.2,
    }
    total = 0
    for course in courses:
        share = shares.get(course.title)
        if not share:
            continue
        people = rng.sample(sorted(users), round(len(users) * share))
        enrolments, certificates = [], []
        for number in people:
            completed = timezone.make_aware(
                datetime.combine(
                    today - timedelta(days=rng.randint(1, 395)), datetime.min.time()
                )
                + timedelta(hours=10)
            )
            enrolment = Enrolment(
                learner_id=users[number],
                course=course,
                course_title=course.title,
                cycle=1,
                source=Enrolment.Source.IMPORTED,
                last_activity_at=completed,
                completed_at=completed,
            )
            enrolments.append(enrolment)
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
        for enrolment, number in zip(enrolments, people, strict=True):
            valid_from = timezone.localdate(enrolment.completed_at)
            certificates.append(
                Certificate(
                    enrolment=enrolment,
                    learner_id=enrolment.learner_id,
                    holder_name=names.get(number, number),
                    course=course,
                    course_title=course.title,
                    code=secrets.token_urlsafe(12),
                    completed_at=enrolment.completed_at,
                    valid_from=valid_from,
                    valid_until=course.validity.valid_until(valid_from),
                )
            )
        Certificate.objects.bulk_create(certificates, batch_size=2000)
        total += len(enrolments)
    return total


def create_rules(city, courses, today):
    """20 rules of every kind on 18 of the 20 courses (two have none)."""
    import random

    from django.contrib.auth import get_user_model

    from assignments.models import AssignmentRule
    from organisation.models import OrgUnit

    rng = random.Random(20)
    by_title = {c.title: c for c in courses}
    unit_ids = dict(OrgUnit.objects.values_list("hr_code", "pk"))
    user_ids = dict(get_user_model().objects.values_list("username", "pk"))
    admins = {u.name: u.code for u in city.units if u.level == 1}
    departments = [u for u in city.units if u.level == 2]
    leaves = city.leaf_units

    def units(codes):
        return [unit_ids[code] for code in codes]

    districts = [code for name, code in admins.items() if name.startswith("Stadsdels")]
    office_depts = [d.code for d in departments if d.kind == "office"]
    preschool_depts = [d.code for d in departments if d.name == "Förskoleavdelningen"]
    ifo_depts = [d.code for d in departments if d.name == "Individ- och familjeomsorg"]
    care_units = [u.code for u in leaves if u.kind in ("carehome", "homecare")]
    lawyers = [p.number for p in city.people if p.title in ("Jurist", "IT-tekniker")]
    named = rng.sample(lawyers, min(250, len(lawyers)))
    cooks_named = rng.sample(
        [p.number for p in city.people if p.title == "Lokalvårdare"], 20
    )
    fixed = today + timedelta(days=120)

    R = AssignmentRule
    specs = [
        (
            "Alla: informationssäkerhet",
            "Informationssäkerhet för medarbetare",
            {"everyone": True, "due_days": 60},
            {},
        ),
        (
            "Alla: arbetsmiljö",
            "Arbetsmiljö och systematiskt arbetsmiljöarbete",
            {"everyone": True, "due_kind": R.DueKind.FIXED, "due_date": fixed},
            {},
        ),
        (
            "Alla: offentlighet och sekretess, hålls giltig",
            "Offentlighet och sekretess",
            {
                "everyone": True,
                "due_days": 90,
                "recurrence": R.Recurrence.KEEP_VALID,
                "renew_days_before": 30,
            },
            {},
        ),
        (
            "Beslutsfattare: mutor och jäv",
            "Mutor, jäv och gåvor",
            {
                "due_days": 90,
                "job_titles": [
                    "Handläggare",
                    "Upphandlare",
                    "Enhetschef",
                    "Avdelningschef",
                    "Förvaltningschef",
                    "Ekonom",
                    "Controller",
                    "Inspektör",
                    "Jurist",
                    "biståndshandläggare",
                ],
            },
            {},
        ),
        (
            "Stadsdelarna och socialförvaltningen: hot och våld",
            "Hot och våld i arbetet",
            {"due_days": 90},
            {"units_with_subtree": units(districts + [admins["Socialförvaltningen"]])},
        ),
        (
            "Pedagoger: första hjälpen, hålls giltig",
            "Första hjälpen och hjärt-lungräddning",
            {
                "due_days": 60,
                "recurrence": R.Recurrence.KEEP_VALID,
                "job_titles": [
                    "Förskollärare",
                    "Barnskötare",
                    "Fritidspedagog",
                    "Grundskollärare",
                    "Elevassistent",
                    "Fritidsledare",
                ],
            },
            {},
        ),
        (
            "Idrottsförvaltningen: första hjälpen, hålls giltig",
            "Första hjälpen och hjärt-lungräddning",
            {"due_days": 60, "recurrence": R.Recurrence.KEEP_VALID},
            {"units_with_subtree": units([admins["Idrottsförvaltningen"]])},
        ),
        (
            "Nyanställda: introduktion",
            "Introduktion för nyanställda",
            {
                "due_kind": R.DueKind.AFTER_START,
                "due_days": 30,
                "new_starters_from": today - timedelta(days=90),
            },
            {},
        ),
        (
            "Alla: likabehandling",
            "Likabehandling och diskriminering",
            {"everyone": True, "due_days": 180},
            {},
        ),
        (
            "Vård och omsorg: brandskydd, hålls giltig",
            "Brandskydd på arbetsplatsen",
            {"due_days": 45, "recurrence": R.Recurrence.KEEP_VALID},
            {"units_only": units(care_units)},
        ),
        (
            "Socialsekreterare i IFO: dokumentation",
            "Dokumentation inom socialtjänsten",
            {
                "due_days": 60,
                "job_titles": [
                    "Socialsekreterare",
                    "Familjebehandlare",
                    "Biståndshandläggare",
                ],
            },
            {"units_with_subtree": units([admins["Socialförvaltningen"]] + ifo_depts)},
        ),
        (
            "Nya chefer: chefsintroduktion",
            "Introduktion för nya chefer",
            {
                "due_kind": R.DueKind.AFTER_START,
                "due_days": 90,
                "job_titles": HEAD_TITLES,
                "new_starters_from": today - timedelta(days=365),
            },
            {},
        ),
        (
            "Utsedda: dataskydd",
            "Dataskydd för registeransvariga",
            {"due_days": 30},
            {"people": [user_ids[n] for n in named]},
        ),
        (
            "Kök: hygien",
            "Hygien och livsmedelssäkerhet",
            {"due_days": 30, "job_titles": ["Kock", "Måltidsbiträde"]},
            {},
        ),
        (
            "Utsedda lokalvårdare: hygien",
            "Hygien och livsmedelssäkerhet",
            {"due_days": 30},
            {"people": [user_ids[n] for n in cooks_named]},
        ),
        (
            "Ledning och teknik: krisberedskap",
            "Krisberedskap i staden",
            {"due_kind": R.DueKind.FIXED, "due_date": fixed},
            {
                "units_with_subtree": units(
                    [
                        admins[name]
                        for name in (
                            "Stadsledningskontoret",
                            "Serviceförvaltningen",
                            "Trafikkontoret",
                            "Miljöförvaltningen",
                            "Fastighetskontoret",
                        )
                    ]
                )
            },
        ),
        (
            "Kontoren: ergonomi",
            "Ergonomi vid skärmarbete",
            {"due_days": 120},
            {"units_with_subtree": units(office_depts)},
        ),
        (
            "Förskola och skola: barnkonventionen",
            "Barnkonventionen i praktiken",
            {"due_days": 120},
            {
                "units_with_subtree": units(
                    [
                        admins["Förskoleförvaltningen"],
                        admins["Utbildningsförvaltningen"],
                    ]
                    + preschool_depts
                )
            },
        ),
        (
            "Alla: säker e-post",
            "Säker e-post och delning av filer",
            {"everyone": True, "due_kind": R.DueKind.FIXED, "due_date": fixed},
            {},
        ),
        (
            "Kommunikatörer: klarspråk",
            "Klarspråk i stadens texter",
            {"due_days": 60, "job_titles": ["Kommunikatör", "Utredare"]},
            {},
        ),
    ]
    assert len(specs) == 20
    rules = []
    for name, course_title, fields, m2m in specs:
        rule = AssignmentRule.objects.create(
            name=name, course=by_title[course_title], **fields
        )
        for attr, ids in m2m.items():
            getattr(rule, attr).set(ids)
        rules.append(rule)
    AssignmentRule.objects.filter(pk__in=[r.pk for r in rules]).update(active=True)
    return rules


# --- Sanity checks -----------------------------------------------------------------


def check_everyone(course, today):
    """An "all staff" course: one open (or completed) assignment per active
    person who has not passed their end date."""
    from django.db.models import Q

    from assignments.models import Assignment
    from organisation.models import StaffProfile

    expected = (
        StaffProfile.objects.filter(user__is_active=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .count()
    )
    got = Assignment.objects.filter(course=course).exclude(state="withdrawn").count()
    return expected, got


# --- Report ------------------------------------------------------------------------


def fmt_mb(mb):
    return f"{mb:,.0f} MB"


def table(steps):
    lines = [
        "| step | result | seconds | of which SQL | queries | writes | peak RSS |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in steps:
        if s.name.startswith("setup"):
            continue
        result = s.result if not s.error else f"**ERROR** {s.error}"
        lines.append(
            f"| {s.label} | {result} | {s.seconds:.1f} | {s.sql_seconds:.1f} | "
            f"{s.queries:,} | {s.writes:,} | {fmt_mb(s.peak_rss_mb)} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=40000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="STEP",
        help="run this step under cProfile (e.g. evaluate_all_1); repeatable",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards"
    )
    args = parser.parse_args()
    PROFILE.update(args.profile)

    db_name = recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    flush_broker()
    try:
        return run(args, db_name)
    finally:
        from django.db import connections

        connections.close_all()
        flush_broker()
        if not args.keep_db:
            drop_database(os.environ["DATABASE_URL"])
        shutil.rmtree(_WORK, ignore_errors=True)


def run(args, db_name):
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from assignments.actions.evaluation import evaluate_all, evaluate_course
    from assignments.models import Assignment
    from courses.models import CoursePage
    from organisation.hr_import import STAFF, UNITS
    from organisation.models import StaffProfile

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    print(f"Database {db_name}: migrating…", flush=True)
    call_command("migrate", verbosity=0)
    print(f"  migrate: {time.perf_counter() - started:.0f} s", flush=True)
    today = timezone.localdate()
    city = assign_data.generate(today, units=args.units, staff=args.staff)
    units_file = assign_data.units_csv(city)
    staff_file = assign_data.staff_csv(city)
    later = assign_data.moved(city)
    moved_file = assign_data.staff_csv(later)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "assign-units.csv").write_bytes(units_file)
    (RESULTS / "assign-staff.csv").write_bytes(staff_file)
    (RESULTS / "assign-staff-moved.csv").write_bytes(moved_file)
    print(
        f"Files: {len(city.units):,} units ({len(units_file) / 1e3:.0f} kB), "
        f"{len(city.people):,} staff ({len(staff_file) / 1e6:.1f} MB); "
        f"next month: {len(later.people):,} staff",
        flush=True,
    )

    print("\nHR import", flush=True)
    n_units, n_staff = f"{len(city.units):,}", f"{len(city.people):,}"
    plan_step(
        "units_plan", f"units: dry run ({n_units} new)", UNITS, units_file, "units.csv"
    )
    apply_step(
        "units_apply", f"units: apply ({n_units} new)", UNITS, units_file, "units.csv"
    )
    plan_step(
        "staff_plan", f"staff: dry run ({n_staff} new)", STAFF, staff_file, "staff.csv"
    )
    apply_step(
        "staff_apply", f"staff: apply ({n_staff} new)", STAFF, staff_file, "staff.csv"
    )
    apply_step(
        "units_heads",
        "units: apply again, heads now known",
        UNITS,
        units_file,
        "units.csv",
    )
    plan_step(
        "staff_plan_2",
        "staff: dry run, same file again",
        STAFF,
        staff_file,
        "staff.csv",
    )
    apply_step(
        "staff_apply_2",
        "staff: apply, same file again (idempotent)",
        STAFF,
        staff_file,
        "staff.csv",
    )
    apply_step(
        "units_apply_2",
        "units: apply, same file again (idempotent)",
        UNITS,
        units_file,
        "units.csv",
    )
    queued = flush_broker()
    print(
        f"  (broker: {queued:,} tasks were queued by the imports; emptied)", flush=True
    )

    print("\nCourses and rules", flush=True)
    with measured("setup_courses", "setup: publish 20 courses") as step:
        courses = publish_courses()
    with measured("setup_completions", "setup: seed past completions") as step:
        step.result = f"{seed_completions(city, courses, today):,} completions"
    with measured("setup_rules", "setup: create and activate 20 rules") as step:
        rules = create_rules(city, courses, today)
        step.result = (
            f"{len(rules)} rules on {len({r.course_id for r in rules})} courses"
        )

    print("\nEvaluation", flush=True)
    evaluate_step("evaluate_all_1", "evaluate_all(): first time", evaluate_all)
    evaluate_step(
        "evaluate_all_2", "evaluate_all(): again, nothing to change", evaluate_all
    )
    largest = (
        Assignment.objects.values("course_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    largest_course = CoursePage.objects.get(pk=largest["course_id"])
    evaluate_step(
        "evaluate_course",
        f"evaluate_course(): largest course ({largest['n']:,} assignments)",
        lambda: evaluate_course(largest_course.pk).counts(),
    )
    everyone_course = CoursePage.objects.get(
        title="Informationssäkerhet för medarbetare"
    )
    expected, got = check_everyone(everyone_course, today)

    print("\nNext month: 2 % moved, 1 % left", flush=True)
    plan_step(
        "moves_plan", "moves: staff dry run", STAFF, moved_file, "staff-moved.csv"
    )
    apply_step(
        "moves_apply", "moves: staff apply", STAFF, moved_file, "staff-moved.csv"
    )
    evaluate_step("moves_evaluate", "moves: evaluate_all()", evaluate_all)
    evaluate_step("moves_evaluate_2", "moves: evaluate_all() again", evaluate_all)
    expected_2, got_2 = check_everyone(everyone_course, today)
    flush_broker()

    totals = {
        "assignments": Assignment.objects.count(),
        "open": Assignment.objects.filter(state="open").count(),
        "active_staff": StaffProfile.objects.filter(user__is_active=True).count(),
    }
    checks = [
        f"“all staff” course after the first evaluation: {got:,} assignments for "
        f"{expected:,} active staff within their employment"
        + ("" if got == expected else " — MISMATCH"),
        f"after the moves: {got_2:,} not withdrawn for {expected_2:,}"
        + ("" if got_2 == expected_2 else " — MISMATCH"),
    ]
    for s in STEPS:
        if s.name.endswith("_2") and s.name.startswith(("evaluate", "moves_evaluate")):
            changes = {
                k: v
                for k, v in s.details.get("totals", {}).items()
                if v and k != "matched"
            }
            if changes or s.writes:
                checks.append(
                    f"{s.label}: expected no change, got {changes}, {s.writes} writes"
                )
        if s.name in ("staff_apply_2", "units_apply_2") and s.writes > 1:
            checks.append(
                f"{s.label}: {s.writes} writes (only the audit record expected)"
            )

    now = datetime.now().astimezone()
    header = (
        f"Run of {now:%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after; "
        f"{len(city.units):,} units, {len(city.people):,} staff, 20 rules on 18 "
        f"courses; {totals['assignments']:,} assignments at the end "
        f"({totals['open']:,} open)."
    )
    report = "\n".join([header, "", table(STEPS), "", *(f"- {c}" for c in checks)])
    print("\n" + report)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    (RESULTS / "assignments-latest.md").write_text(report + "\n")
    (RESULTS / f"assignments-{stamp}.md").write_text(report + "\n")
    (RESULTS / "assignments-latest.json").write_text(
        json.dumps(
            {
                "header": header,
                "checks": checks,
                "totals": totals,
                "steps": [asdict(s) for s in STEPS],
            },
            indent=1,
            default=str,
        )
    )
    return 1 if any(s.error for s in STEPS) else 0


if __name__ == "__main__":
    sys.exit(main())
