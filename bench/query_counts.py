"""SQL queries per request for the benchmark's endpoints, to read beside the
throughput figures.

    .venv/bin/python bench/query_counts.py --target target.json --out queries.json

Renders each page in-process through Django's test client, logged in as the
learner, with the same settings and database as the server, after one warm-up
request. Writes {path: {"queries": n, "sql_ms": t, "wall_ms": t, "slowest": [...]}}.
Reads only (the session it creates is in the cache or database like any login).
"""

import argparse
import json
import os
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


def measure(client, path):
    response = client.get(path)  # warm-up: template loading, site lookup cache
    if response.status_code != 200:
        sys.exit(f"GET {path} answered {response.status_code} in-process")
    queries = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            queries.append({"ms": round(ms, 2), "sql": sql[:200]})

    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        response = client.get(path)
        wall_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"GET {path} answered {response.status_code} in-process")
    return {
        "queries": len(queries),
        "sql_ms": round(sum(query["ms"] for query in queries), 1),
        "wall_ms": round(wall_ms, 1),
        "slowest": sorted(queries, key=lambda query: query["ms"], reverse=True)[:3],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="JSON from seed_learner.py")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    target = json.loads(Path(args.target).read_text())

    users = get_user_model().objects
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users.get(username=target["learner"]))
    results = {
        path: measure(client, path)
        for path in (
            "/ping/",
            target["lesson_url"],
            target["course_url"],
            target["catalogue_url"],
            "/learning/",
        )
    }
    manager = Client(HTTP_HOST="127.0.0.1")
    manager.force_login(users.get(username=target["manager"]))
    results[REPORT_PATH] = measure(manager, REPORT_PATH)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    for path, result in results.items():
        print(
            f"  {path}: {result['queries']} queries, {result['sql_ms']} ms in SQL, "
            f"{result['wall_ms']} ms in all (in-process, one request)"
        )


if __name__ == "__main__":
    main()
