"""Benchmark for issue #15: the person and unit choosers (organisation.choosers)
over a city of 40,000 staff in 2,000 units, on PostgreSQL.

    .venv/bin/python bench/chooser.py             # ~3 minutes
    .venv/bin/python bench/chooser.py --runs 60   # more searches per kind
    .venv/bin/python bench/chooser.py --keep-db   # keep the database afterwards

**It drops and recreates its own database** (`DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/kompetens_bench_chooser; the name must
start with `kompetens_bench`). Redis (`REDIS_URL`, default
redis://127.0.0.1:6379/2) is the cache of the production settings; nothing is
queued. Settings are `cms.settings.production` with throw-away secrets;
`collectstatic` runs into a temporary `STATIC_ROOT` (the manifest storage
needs it).

Seeding: the units and staff of the reports' benchmark (`bench/report_data.py`
with `bench/assign_data.py`: 30 administrations → departments → units, 2,000
units; 40,000 staff with Swedish names, 1,200 leavers, 60 without a unit),
written with COPY, then VACUUM ANALYZE. No courses or training record: the
choosers read only units, profiles and users.

Measured in-process with Django's test client (no network; a request's time is
the wall time of `client.get()` with the body consumed, warm), logged in as
central HR (the city) and as the local coordinator of the largest
administration: the chooser's results for `--runs` different searches of each
kind — a name prefix (3 letters of a last name), a first and a last name, a
whole employee number, the first 4 digits of one, a word of a unit's name,
nothing (the first page) — with p50, p95 and the slowest, and the SQL queries
per request (the same for every search). For the coordinator, every person
listed is checked to be in their administration, and searches for people
outside it must find nobody. Then the modal itself, the "chosen" step, and the
unit chooser. Finally EXPLAIN (ANALYZE) of the slowest kind's query, to show
which indexes answer it.

Goal (issue #15): p95 under 100 ms at 40,000 staff, constant queries, scoped.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

# Plain HTTP in-process, as bench/run.sh: no redirect to HTTPS, cookies sent;
# the viewers are logged in by the test client, without a second factor.
for _name in (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "REQUIRE_TWO_FACTOR",
):
    os.environ.setdefault(_name, "0")

_WORK = common.set_up_environment(
    database_url="postgres://postgres@127.0.0.1:5432/kompetens_bench_chooser",
    redis_url="redis://127.0.0.1:6379/2",
    work_prefix="kompetens-bench-chooser-",
    allowed_hosts="testserver,127.0.0.1,localhost",  # the test client's host
)

import assign_data  # noqa: E402
import report_data  # noqa: E402

GOAL_MS = 100
CHOSEN = re.compile(r"/admin/people/chosen/(\d+)/")


def seed(args):
    import django

    url = os.environ["DATABASE_URL"]
    common.recreate_database(url)
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrate: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    day = timezone.localdate()
    city = assign_data.generate(day, units=args.units, staff=args.staff)
    rng = random.Random(report_data.SEED)
    with transaction.atomic():
        cursor = connection.cursor().cursor  # the psycopg cursor, for COPY
        unit_ids = report_data.seed_units(city, cursor, _WORK)
        people = report_data.seed_people(city, unit_ids, day, rng, cursor, _WORK)
        for table in ("auth_user", "organisation_staffprofile", "organisation_orgunit"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    print(
        f"  {len(unit_ids):,} units, {len(people):,} people: "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    started = time.perf_counter()
    report_data.vacuum()
    print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.0f} s", flush=True)
    return city, unit_ids, people


def viewers(city, unit_ids, people):
    """Central HR, and the coordinator of the largest administration (both
    HR administrators, so both reach the admin)."""
    from django.contrib.auth import get_user_model

    from cms.roles import ensure_hr_admin_group
    from organisation.models import OrgUnit, StaffProfile

    size = {}
    for person in people:
        if person["active"] and person["unit"]:
            size[person["admin"]] = size.get(person["admin"], 0) + 1
    admin = max(size, key=size.get)
    office = next(
        u.code
        for u in city.units
        if u.level == 1 and u.code != admin and size.get(u.code)
    )
    central = next(
        p for p in people if p["active"] and p["unit"] and p["admin"] == office
    )
    coordinator = next(
        p
        for p in people
        if p["active"] and p["unit"] and p["admin"] == admin and not p["head"]
    )
    StaffProfile.objects.filter(user_id=central["id"]).update(hr_role="central")
    StaffProfile.objects.filter(user_id=coordinator["id"]).update(
        hr_role="coordinator", coordinator_of_id=unit_ids[admin][0]
    )
    group = ensure_hr_admin_group()
    User = get_user_model()
    users = {
        "central HR": User.objects.get(pk=central["id"]),
        "coordinator": User.objects.get(pk=coordinator["id"]),
    }
    for user in users.values():
        user.groups.add(group)
    admin_unit = OrgUnit.objects.get(pk=unit_ids[admin][0])
    return users, admin_unit, size[admin]


def searches(people, city, admin_code, rng, runs, inside):
    """`runs` searches of each kind, from people in (or, with `inside`
    False, outside) the administration."""
    active = [p for p in people if p["active"] and p["unit"]]
    pool = [p for p in active if (p["admin"] == admin_code) == inside]
    units = [u for u in city.units if (u.admin == admin_code) == inside]
    picks = [rng.choice(pool) for _ in range(runs)]
    unit_words = [max(rng.choice(units).name.split(), key=len) for _ in range(runs)]
    return {
        "name prefix": [p["p"].last[:3] for p in picks],
        "first and last name": [f"{p['p'].first} {p['p'].last}" for p in picks],
        "employee number": [p["p"].number for p in picks],
        "number prefix": [p["p"].number[:4] for p in picks],
        "unit word": unit_words,
        "first page": [""] * runs,
    }


def timed(client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, params)
        body = response.content
        ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        where = response.get("Location", "")
        raise SystemExit(f"{url} {params}: {response.status_code} {where}")
    return ms, len(queries.captured_queries), body.decode()


def summary(times):
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=40000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=40, help="searches per kind")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    static = common_collectstatic()
    print("Seeding (about 2 minutes)…", flush=True)
    city, unit_ids, people = seed(args)
    if static.wait() != 0:
        sys.exit("collectstatic failed")
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from organisation.models import StaffProfile

    manifest = staticfiles_storage.load_manifest()
    staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = manifest
    users, admin_unit, admin_size = viewers(city, unit_ids, people)
    User = get_user_model()
    lines = [
        "# The choosers at city scale (`bench/chooser.py`)",
        "",
        f"Data: {User.objects.filter(is_active=True).count():,} active people "
        f"({User.objects.count():,} users), {len(unit_ids):,} units; the "
        f"coordinator's administration {admin_unit.name} has {admin_size:,} people.",
        f"{args.runs} different searches per kind and viewer, warm, in-process "
        "(Django's test client, production settings, PostgreSQL "
        f"{connection.cursor().connection.info.server_version // 10000}).",
        "",
        "| viewer | chooser | search | p50 ms | p95 ms | slowest ms | queries |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    rng = random.Random(15)
    results_url = reverse("person_chooser:choose_results")
    worst = (0, None)
    failures = []
    inside_paths = admin_unit.path
    for who, user in users.items():
        client = Client()
        client.force_login(user)
        timed(client, results_url, {"q": ""})  # warm
        kinds = searches(people, city, admin_unit.hr_code, rng, args.runs, True)
        for kind, terms in kinds.items():
            times, counts = [], set()
            for term in terms:
                ms, queries, html = timed(client, results_url, {"q": term})
                times.append(ms)
                counts.add(queries)
                if who == "coordinator":
                    ids = {int(pk) for pk in CHOSEN.findall(html)}
                    outside = (
                        StaffProfile.objects.filter(user_id__in=ids)
                        .exclude(unit__path__startswith=inside_paths)
                        .count()
                    )
                    if outside:
                        failures.append(f"{who} {kind} {term!r}: {outside} outside")
                    if kind != "first page" and not ids:
                        failures.append(f"{who} {kind} {term!r}: found nobody")
            p50, p95, slowest = summary(times)
            worst = max(worst, (p95, (who, kind, terms[0])))
            lines.append(
                f"| {who} | people | {kind} | {p50:.1f} | {p95:.1f} | "
                f"{slowest:.1f} | {'/'.join(map(str, sorted(counts)))} |"
            )
        if who == "coordinator":
            outside = searches(people, city, admin_unit.hr_code, rng, args.runs, False)
            times = []
            numbers = {p["p"].number: p["id"] for p in people}
            for term in outside["employee number"]:
                ms, _queries, html = timed(client, results_url, {"q": term})
                times.append(ms)
                if str(numbers[term]) in CHOSEN.findall(html):
                    failures.append(f"coordinator found {term!r} outside")
            p50, p95, slowest = summary(times)
            lines.append(
                f"| {who} | people | someone outside (must find nobody) | "
                f"{p50:.1f} | {p95:.1f} | {slowest:.1f} | – |"
            )
        # The modal itself, the chosen step, the unit chooser.
        pick = next(
            p["id"]
            for p in people
            if p["active"] and p["unit"] and p["admin"] == admin_unit.hr_code
        )
        for label, url, params_list in (
            ("people", reverse("person_chooser:choose"), [{}] * args.runs),
            (
                "people",
                reverse("person_chooser:chosen", args=[pick]),
                [{}] * args.runs,
            ),
            (
                "units",
                reverse("unit_chooser:choose_results"),
                [{"q": w} for w in kinds["unit word"]],
            ),
            (
                "units",
                reverse("unit_chooser:choose_results"),
                [{"q": ""}] * args.runs,
            ),
        ):
            times, counts = [], set()
            timed(client, url, params_list[0])
            for params in params_list:
                ms, queries, _html = timed(client, url, params)
                times.append(ms)
                counts.add(queries)
            p50, p95, slowest = summary(times)
            step = url.rstrip("/").split("/")[-1]
            what = {
                "people": "the modal (first page)",
                str(pick): "chosen (one person)",
                "results": "unit word" if params_list[0].get("q") else "first page",
            }.get(step, step)
            lines.append(
                f"| {who} | {label} | {what} | {p50:.1f} | {p95:.1f} | "
                f"{slowest:.1f} | {'/'.join(map(str, sorted(counts)))} |"
            )
    # The fixed cost of a request (session, user, scope, the admin's
    # templates): an HR administrator without an HR role has nobody in scope,
    # so no data query is sent.
    nobody = next(
        p["id"]
        for p in people
        if p["active"] and p["id"] not in {u.pk for u in users.values()}
    )
    nobody = User.objects.get(pk=nobody)
    nobody.groups.add(*users["central HR"].groups.all())
    client = Client()
    client.force_login(nobody)
    timed(client, results_url, {"q": ""})
    times, counts = [], set()
    for term in kinds["name prefix"]:
        ms, queries, _html = timed(client, results_url, {"q": term})
        times.append(ms)
        counts.add(queries)
    p50, p95, slowest = summary(times)
    lines.append(
        f"| nobody in scope | people | name prefix (the request's fixed cost) | "
        f"{p50:.1f} | {p95:.1f} | {slowest:.1f} | "
        f"{'/'.join(map(str, sorted(counts)))} |"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    load = os.getloadavg()
    lines.append("")
    lines.append(
        f"Load average during the run (1/5/15 min): {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} on {os.cpu_count()} cores."
    )
    lines.append("")
    lines.append(
        f"Goal: p95 < {GOAL_MS} ms. Worst p95: {worst[0]:.1f} ms ({worst[1][0]}, "
        f"{worst[1][1]})."
    )
    if failures:
        lines.append("")
        lines.append("**Problems:** " + "; ".join(failures[:20]))
    lines.extend(["", "EXPLAIN (ANALYZE) of a name-prefix search as the coordinator:"])
    lines.extend(["", "```", *explain(users["coordinator"], "and"), "```"])
    report = "\n".join(lines)
    print(report, flush=True)
    common.RESULTS.mkdir(exist_ok=True)
    (common.RESULTS / "chooser-latest.md").write_text(report + "\n")
    connection.close()
    if not args.keep_db:
        common.drop_database(os.environ["DATABASE_URL"])
    if failures or worst[0] >= GOAL_MS:
        sys.exit(1)


def explain(user, term):
    from django.db import connection

    from organisation.choosers import choosable_people, search_people
    from organisation.scope import scope_of

    people = search_people(choosable_people(scope_of(user)), term).order_by(
        "last_name", "first_name", "id"
    )[:10]
    sql, params = people.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def common_collectstatic():
    import subprocess

    log = open(os.path.join(_WORK, "collectstatic.log"), "w")
    return subprocess.Popen(
        [
            sys.executable,
            str(common.ROOT / "manage.py"),
            "collectstatic",
            "--noinput",
            "-v0",
        ],
        cwd=common.ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


if __name__ == "__main__":
    main()
