"""Where a learner page's server time goes: cProfile over repeated requests,
in-process with Django's test client, on the database that `bench/run.sh`
seeded (run it with KEEP_DB=1 and the same environment: production settings,
DATABASE_URL, REDIS_URL).

    .venv/bin/python bench/profile_pages.py --target target.json [--runs 50]
        [--only lesson] [--top 25] [--sort tottime]

For each page: one warm-up request, then `--runs` requests under cProfile;
prints the CPU time per request (process time, so waiting for PostgreSQL is
left out) and the profile's top entries. Reads only (the sessions it logs in
are in the database like any login).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

REPORT_PATH = "/learning/reports/"


def pages(target):
    return {
        "ping": ("learner", "/ping/"),
        "lesson": ("learner", target["lesson_url"]),
        "course": ("learner", target["course_url"]),
        "catalogue": ("learner", target["catalogue_url"]),
        "learning": ("learner", "/learning/"),
        "report": ("manager", REPORT_PATH),
    }


# Where a page's time is usually spent, by the function that does it
# (cumulative CPU per request; the parts overlap: a query inside rendering
# counts in both).
PARTS = {
    "SQL: building queries (compiler.as_sql)": ("compiler.py", "as_sql"),
    "SQL: executing (CursorWrapper.execute)": ("utils.py", "execute"),
    "models: instantiation (Model.__init__)": ("base.py", "__init__"),
    "Wagtail routing (Page.route)": ("pages.py", "route"),
    "Wagtail site (Site.find_for_request)": ("sites.py", "find_for_request"),
    "session load (SessionStore.load)": ("", "load"),
    "user (auth.get_user)": ("auth/__init__.py", "get_user"),
    "template rendering (Template.render)": ("django/template/base.py", "render"),
    "StreamField (include_block)": ("wagtailcore_tags.py", "render"),
    "context processors (make_context)": ("context.py", "make_context"),
    "learner progress (course_progress_for)": ("progress.py", "course_progress_for"),
    "My learning (my_learning_context)": ("my_learning.py", "my_learning_context"),
}


def print_parts(stats, runs):
    rows = dict.fromkeys(PARTS, 0.0)
    for (filename, _line, function), entry in stats.stats.items():
        cumulative = entry[3]
        for label, (file_part, name) in PARTS.items():
            if function == name and file_part in filename:
                rows[label] = max(rows[label], cumulative)
    # cProfile slows everything down several times: as shares of the
    # profiled request, which the unprofiled CPU time above scales.
    total = stats.total_tt
    for label, seconds in rows.items():
        print(f"  {100 * seconds / total:5.1f} %  {label}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="JSON from seed_learner.py")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", action="store_true", help="times only")
    parser.add_argument(
        "--parts", action="store_true", help="CPU per request of the usual suspects"
    )
    args = parser.parse_args()
    target = json.loads(Path(args.target).read_text())
    users = get_user_model().objects
    clients = {}
    for role, username in (("learner", target["learner"]), ("manager", "chef")):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users.get(username=username))
        clients[role] = client

    for name, (role, path) in pages(target).items():
        if args.only and name not in args.only:
            continue
        client = clients[role]
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        queries = []

        def counted(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            client.get(path)
        started = time.process_time()
        for _ in range(args.runs):
            client.get(path)
        cpu_ms = (time.process_time() - started) * 1000 / args.runs
        print(
            f"\n=== {name} {path}: {cpu_ms:.2f} ms CPU/request unprofiled, "
            f"{len(queries)} queries"
        )
        if args.no_profile:
            continue
        # CPU time, not wall time: waiting for PostgreSQL is not the page's work.
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.runs):
            client.get(path)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        if args.parts:
            print_parts(stats, args.runs)


if __name__ == "__main__":
    main()
