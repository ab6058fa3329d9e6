"""Benchmark for issue #7: how fast the xAPI outbox delivers to a real LRS.

    .venv/bin/python bench/xapi_delivery.py  # about 5 minutes
    .venv/bin/python bench/xapi_delivery.py --store-sizes 0,20000 --batch-sizes 100,500

Delivery throughput, in statements per second, from the outbox to the local
Ralph LRS (ralph-malph 5.1.0 from `.venv-ralph`, `make ralph`; started by
`tests/ralph_lrs.py`: single-process uvicorn, the file-system backend), for
several batch sizes (`LrsDestination.batch_size`), and the same flushes
against an `httpx.MockTransport` that answers 200 at once: the outbox's own
cost (claim with `select_for_update(skip_locked=True)`, bulk update, request
log) without any LRS.

Ralph's file backend keeps every statement in one file and reads all of it on
every POST (it looks for the ids already stored), so its time per request
grows with what it holds. Each case therefore starts from a store of a fixed
size (--store-sizes; the file is written by Ralph itself once, copied in
before each case with the server stopped, and the server started again) and
the report gives the store's size before and after (it grows by the
statements sent).

Each case: a new destination with the batch size, --statements pending
deliveries (--single-statements for batch size 1: it is slow), timed
`flush_destination()` in this process until none is left (no Celery: the
outbox's on-commit flush is switched off). Then checked: every delivery sent
with one request each, one request per batch, every id in Ralph's file
exactly once and nothing else added. Request latency is `LrsRequest.duration_ms`
(whole milliseconds, as the outbox logs it); Ralph's CPU from /proc.

**It drops and recreates its own database** (`DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/kompetens_bench_xapi; the name must start
with `kompetens_bench`) and drops it afterwards unless --keep-db. Redis is not
used (`REDIS_URL` is only set because the production settings want one).
Results: `bench/results/xapi-latest.md` and `.json` (git-ignored).
"""

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for common

import common
from common import BENCH, ROOT, drop_database, recreate_database

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kompetens_bench_xapi"
_WORK = Path(
    common.set_up_environment(
        database_url=DEFAULT_DB,
        redis_url="redis://127.0.0.1:6379/8",  # never touched
        work_prefix="kompetens-bench-xapi.",
        site_url="https://kompetens.stad.example.se",
    )
)

import cpu_time  # noqa: E402

from tests.ralph_lrs import RalphLRS  # noqa: E402

RESULTS = BENCH / "results"
PREFILL_BATCH = 500

COURSES = [
    ("Informationssäkerhet för medarbetare", "Information security for staff"),
    ("Brandskydd i vardagen", "Fire safety at work"),
    ("Dataskydd och GDPR i kommunen", "Data protection and GDPR"),
    ("Lågaffektivt bemötande", "Low-arousal approach"),
    ("Hot och våld i arbetsmiljön", "Threats and violence at work"),
]
LESSONS = [
    ("Vad är en personuppgift?", "What is personal data?"),
    ("Så hanterar du lösenord och inloggning", "Passwords and signing in"),
    ("Utrymning och återsamling", "Evacuation and assembly"),
    ("När något har hänt: rapportera och följa upp", "Reporting and follow-up"),
]
QUESTIONS = [
    "Vilka av följande uppgifter räknas som personuppgifter enligt "
    "dataskyddsförordningen?",
    "Vad ska du göra först om du upptäcker en brand i ett personalrum?",
    "Får du dela ditt lösenord med en kollega som behöver komma åt ett system?",
]


# --- Statements shaped like the builders' (xapi/statements.py) --------


def realistic_statements(count, kind):
    """`count` statements with ids from `statement_id(kind, n)`, made with the
    builders' own helpers and in their shapes: lesson experienced and
    completed, question answered, quiz passed, course registered and
    completed, in turn, from different people and courses."""
    from django.conf import settings

    from xapi.statements import (
        PLATFORM,
        activity,
        duration,
        extension,
        statement_id,
        timestamp,
        verb,
    )
    from xapi.vocab import ATTEMPT, COMPLETION_SOURCE, ENGLISH, PROGRESS, SWEDISH

    rng = random.Random(f"xapi-{kind}")  # deterministic test data
    start = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    out = []
    for n in range(count):
        course_no = rng.randrange(len(COURSES))
        course = activity("course", 100 + course_no, *COURSES[course_no])
        lesson_no = rng.randrange(len(LESSONS))
        lesson = activity("lesson", 1000 + lesson_no, *LESSONS[lesson_no])
        ctx = {
            "registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "platform": PLATFORM,
            "language": SWEDISH if rng.random() < 0.9 else ENGLISH,
        }
        shape = n % 6
        result = None
        if shape == 0:
            verb_key, obj = "experienced", lesson
            ctx["contextActivities"] = {"parent": [course]}
            result = {"extensions": {PROGRESS: rng.randrange(0, 100)}}
        elif shape == 1:
            verb_key, obj = "completed", lesson
            ctx["contextActivities"] = {"parent": [course]}
            result = {
                "completion": True,
                "duration": duration(rng.randrange(60, 3600)),
                "extensions": {PROGRESS: 100},
            }
        elif shape == 2:
            quiz = activity("quiz", 500 + course_no, "Kunskapstest", "Knowledge test")
            prompt = rng.choice(QUESTIONS)
            verb_key = "answered"
            obj = activity(
                "question",
                f"{500 + course_no}/{rng.randrange(1, 40)}",
                prompt,
                prompt,
                interactionType="choice",
            )
            ctx["contextActivities"] = {"parent": [quiz], "grouping": [course]}
            ctx["extensions"] = {extension(ATTEMPT): 1}
            result = {"success": rng.random() < 0.8, "completion": True}
        elif shape == 3:
            quiz = activity("quiz", 500 + course_no, "Kunskapstest", "Knowledge test")
            score = rng.randrange(60, 101)
            verb_key, obj = "passed", quiz
            ctx["contextActivities"] = {"parent": [course]}
            ctx["extensions"] = {extension(ATTEMPT): 1}
            result = {
                "score": {"scaled": score / 100, "raw": score, "min": 0, "max": 100},
                "success": True,
                "completion": True,
                "duration": duration(rng.randrange(60, 900)),
            }
        elif shape == 4:
            verb_key, obj = "registered", course
        else:
            verb_key, obj = "completed", course
            ctx["extensions"] = {extension(COMPLETION_SOURCE): "platform"}
            result = {
                "completion": True,
                "duration": duration(rng.randrange(600, 7200)),
                "extensions": {PROGRESS: 100},
            }
        statement = {
            "id": str(statement_id(kind, n)),
            "actor": {
                "objectType": "Agent",
                "account": {
                    "homePage": settings.SITE_URL,
                    "name": f"{rng.getrandbits(128):032x}",
                },
            },
            "verb": verb(verb_key),
            "object": obj,
            "context": ctx,
            "timestamp": timestamp(start + timedelta(seconds=7 * n)),
        }
        if result is not None:
            statement["result"] = result
        out.append(statement)
    return out


# --- The database -------------------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements this process sends (DEBUG is off)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


# --- Ralph's store ------------------------------------------------------------------


def build_store_templates(lrs, sizes, statements):
    """For each size, a copy of Ralph's data file holding that many statements,
    written by Ralph itself (POSTed in batches), so the lines are exactly as
    it stores them."""
    import httpx

    templates = {}
    largest = max(sizes)
    lrs.stop()
    lrs.clear()
    lrs.start()
    with httpx.Client(
        headers=lrs.headers() | {"Content-Type": "application/json"}, timeout=120
    ) as client:
        done = 0
        for size in sorted(sizes):
            while done < size:
                chunk = statements[done : min(size, done + PREFILL_BATCH)]
                response = client.post(lrs.statements_url, json=chunk)
                response.raise_for_status()
                done += len(chunk)
            if size:
                template = _WORK / f"store-{size}.jsonl"
                shutil.copyfile(lrs.data_file, template)
                templates[size] = template
    lrs.stop()
    for size, template in templates.items():
        with template.open() as lines:
            assert sum(1 for _ in lines) == size, (size, template)
    assert largest == 0 or largest in templates
    return templates


def reset_store(lrs, size, templates):
    """Ralph stopped, its file replaced by `size` statements, started again,
    and warmed up (a GET: it reads the first page only, stores nothing)."""
    import httpx

    lrs.stop()
    lrs.clear()
    if size:
        lrs.data_directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(templates[size], lrs.data_file)
    lrs.start()
    httpx.get(
        lrs.statements_url, params={"limit": 1}, headers=lrs.headers(), timeout=60
    ).raise_for_status()


def line_count(path):
    try:
        with open(path, "rb") as lines:
            return sum(1 for _ in lines)
    except FileNotFoundError:
        return 0


# --- One case -----------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def run_case(*, statement_rows, batch_size, lrs=None, store_size=None):
    """Flush `statement_rows` (Statement instances) to a new destination with
    `batch_size`: to Ralph if `lrs`, else to a MockTransport answering 200."""
    import httpx
    from django.db import connection, transaction

    from xapi.delivery import flush_destination, make_client
    from xapi.models import LrsDestination, LrsRequest, StatementDelivery

    label = f"store {store_size}" if lrs else "mock"
    with transaction.atomic():
        destination = LrsDestination.objects.create(
            name=f"bench {label} batch {batch_size}",
            endpoint=lrs.url if lrs else "http://lrs.invalid/xAPI/",
            username=lrs.username if lrs else "bench",
            password=lrs.password if lrs else "bench",
            batch_size=batch_size,
        )
        StatementDelivery.objects.bulk_create(
            StatementDelivery(
                statement=row, destination=destination, created_at=row.created_at
            )
            for row in statement_rows
        )
    count = len(statement_rows)
    client = None
    if lrs is None:
        client = make_client(
            transport=httpx.MockTransport(lambda request: httpx.Response(200))
        )
    lines_before = line_count(lrs.data_file) if lrs else None
    ralph_cpu_before = cpu_time.cpu_seconds(lrs.process.pid) if lrs else None
    queries = QueryCounter()
    own_cpu_before = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        counts = flush_destination(destination.pk, client=client, time_budget=3600)
    seconds = time.perf_counter() - started
    own_cpu = time.process_time() - own_cpu_before
    ralph_cpu = (
        cpu_time.cpu_seconds(lrs.process.pid) - ralph_cpu_before if lrs else None
    )
    if client is not None:
        client.close()

    problems = []
    expected_requests = math.ceil(count / batch_size)
    if counts["sent"] != count or counts["requests"] != expected_requests:
        problems.append(
            f"flush counts {counts}, expected {count} in {expected_requests}"
        )
    states = Counter(
        StatementDelivery.objects.filter(destination=destination).values_list(
            "state", "attempts"
        )
    )
    if states != Counter({("sent", 1): count}):
        problems.append(f"deliveries (state, attempts): {dict(states)}")
    requests = list(
        LrsRequest.objects.filter(destination=destination).values_list(
            "status", "duration_ms", "statements"
        )
    )
    statuses = Counter(status for status, _, _ in requests)
    if statuses != Counter({200: expected_requests}):
        problems.append(f"statuses {dict(statuses)}")
    lines_after = None
    if lrs:
        ids = Counter(lrs.statement_ids())
        lines_after = sum(ids.values())
        sent = {str(row.pk) for row in statement_rows}
        missing = [i for i in sent if ids[i] == 0]
        repeated = [i for i, n in ids.items() if n > 1]
        if missing or repeated or lines_after != lines_before + count:
            problems.append(
                f"Ralph's file: {len(missing)} missing, {len(repeated)} repeated, "
                f"{lines_before:,} → {lines_after:,} lines for {count:,} sent"
            )
    durations = [duration for _, duration, _ in requests]
    destination.delete()  # its deliveries and requests with it
    return {
        "target": "ralph" if lrs else "mock",
        "store_size": store_size,
        "batch_size": batch_size,
        "statements": count,
        "requests": counts["requests"],
        "seconds": round(seconds, 3),
        "statements_per_second": round(count / seconds, 1),
        "request_ms_mean": round(statistics.fmean(durations), 1),
        "request_ms_p50": percentile(durations, 0.50),
        "request_ms_p95": percentile(durations, 0.95),
        "ms_per_request_wall": round(1000 * seconds / counts["requests"], 2),
        "ms_per_statement_wall": round(1000 * seconds / count, 3),
        "http_share": round(sum(durations) / 1000 / seconds, 3),
        "queries": queries.count,
        "queries_per_batch": round(queries.count / counts["requests"], 1),
        "own_cpu_seconds": round(own_cpu, 2),
        "ralph_cpu_seconds": round(ralph_cpu, 2) if lrs else None,
        "ralph_cpu_ms_per_request": (
            round(1000 * ralph_cpu / counts["requests"], 1) if lrs else None
        ),
        "store_before": lines_before,
        "store_after": lines_after,
        "problems": problems,
    }


# --- The report ---------------------------------------------------------------------


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ralph_table(rows):
    out = [
        "| store before → after | batch size | statements | requests | seconds "
        "| statements/s | request mean | p50 | p95 | Ralph CPU/request | checks |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        out.append(
            f"| {r['store_before']:,} → {r['store_after']:,} | {r['batch_size']} "
            f"| {r['statements']:,} | {r['requests']:,} | {fmt(r['seconds'], 1)} "
            f"| **{fmt(r['statements_per_second'])}** "
            f"| {fmt(r['request_ms_mean'], 1)} ms "
            f"| {r['request_ms_p50']} ms | {r['request_ms_p95']} ms "
            f"| {fmt(r['ralph_cpu_ms_per_request'], 1)} ms "
            f"| {'; '.join(r['problems']) or 'ok'} |"
        )
    return "\n".join(out)


def mock_table(rows):
    out = [
        "| batch size | statements | requests | seconds | statements/s "
        "| ms per statement | ms per request | SQL per request | checks |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        out.append(
            f"| {r['batch_size']} | {r['statements']:,} | {r['requests']:,} "
            f"| {fmt(r['seconds'], 2)} | **{fmt(r['statements_per_second'])}** "
            f"| {fmt(r['ms_per_statement_wall'], 3)} "
            f"| {fmt(r['ms_per_request_wall'], 2)} "
            f"| {fmt(r['queries_per_batch'], 1)} | {'; '.join(r['problems']) or 'ok'} |"
        )
    return "\n".join(out)


def facts(started_at, load_before, payload_sizes, runtime):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("show server_version")
        pg = cursor.fetchone()[0]
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += " (with uncommitted changes)"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": started_at.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "commit": commit,
        "cores": os.cpu_count(),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "postgresql": pg,
        "ralph": "ralph-malph 5.1.0, single-process uvicorn, file-system backend",
        "payload_bytes_mean": round(statistics.fmean(payload_sizes)),
        "payload_bytes_min": min(payload_sizes),
        "payload_bytes_max": max(payload_sizes),
        "runtime_seconds": round(runtime),
    }


# --- Main ---------------------------------------------------------------------------


def sizes(text):
    return [int(part) for part in text.split(",") if part.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-sizes", type=sizes, default=[0, 20000])
    parser.add_argument("--batch-sizes", type=sizes, default=[1, 10, 50, 100, 250, 500])
    parser.add_argument(
        "--statements", type=int, default=2000, help="sent per case (batch size > 1)"
    )
    parser.add_argument(
        "--single-statements", type=int, default=200, help="sent with batch size 1"
    )
    parser.add_argument("--no-mock", action="store_true", help="skip the mock runs")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    db_name = recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    lrs = RalphLRS(_WORK / "ralph")
    try:
        return run(args, db_name, lrs)
    finally:
        lrs.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(os.environ["DATABASE_URL"])
        shutil.rmtree(_WORK, ignore_errors=True)


def run(args, db_name, lrs):
    from django.core.management import call_command
    from django.utils import timezone

    from xapi import outbox
    from xapi.models import Statement

    # No Celery here: the flushes below are the only ones.
    outbox.schedule_flush = lambda: None

    started_at = timezone.localtime()
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    print(f"Database {db_name}: migrating…", flush=True)
    call_command("migrate", verbosity=0)

    count = max(args.statements, args.single_statements)
    print(f"Recording {count:,} statements in the outbox…", flush=True)
    outbox.record_many(
        (statement, None) for statement in realistic_statements(count, "bench-send")
    )
    rows = list(Statement.objects.order_by("created_at", "pk"))
    payload_sizes = [len(row.payload.encode()) for row in rows]

    results = []
    if not args.no_mock:
        for batch_size in args.batch_sizes:
            n = args.single_statements if batch_size == 1 else args.statements
            result = run_case(statement_rows=rows[:n], batch_size=batch_size)
            results.append(result)
            print(
                f"  mock, batch {batch_size:>4}: "
                f"{result['statements_per_second']:>8,.0f}"
                f" statements/s {'; '.join(result['problems'])}",
                flush=True,
            )

    store_sizes = sorted(set(args.store_sizes))
    print(f"Ralph: writing stores of {store_sizes} statements…", flush=True)
    prefill = realistic_statements(max(store_sizes), "bench-store")
    templates = build_store_templates(lrs, store_sizes, prefill)
    del prefill
    for store_size in store_sizes:
        for batch_size in args.batch_sizes:
            n = args.single_statements if batch_size == 1 else args.statements
            reset_store(lrs, store_size, templates)
            result = run_case(
                statement_rows=rows[:n],
                batch_size=batch_size,
                lrs=lrs,
                store_size=store_size,
            )
            results.append(result)
            print(
                f"  Ralph, store {store_size:>6,}, batch {batch_size:>4}: "
                f"{result['statements_per_second']:>7,.0f} statements/s, "
                f"request p50 {result['request_ms_p50']} ms "
                f"{'; '.join(result['problems'])}",
                flush=True,
            )
    lrs.stop()

    info = facts(started_at, load_before, payload_sizes, time.perf_counter() - began)
    header = (
        f"Run of {info['date']} ({info['commit']}): {info['cores']} cores, load "
        f"average {info['load_before']} before and {info['load_after']} after; "
        f"PostgreSQL {info['postgresql']}; {info['ralph']}, on the same machine. "
        f"Statements of {info['payload_bytes_min']}–{info['payload_bytes_max']} bytes "
        f"(mean {info['payload_bytes_mean']}). `flush_destination()` in-process, one "
        f"call per case (time budget raised so that it sends everything). "
        f"Runtime {info['runtime_seconds']} s."
    )
    ralph_rows = [r for r in results if r["target"] == "ralph"]
    mock_rows = [r for r in results if r["target"] == "mock"]
    parts = [header, ""]
    if mock_rows:
        parts += ["Our side alone (MockTransport answering 200 at once):", ""]
        parts += [mock_table(mock_rows), ""]
    parts += ["To Ralph:", "", ralph_table(ralph_rows), ""]
    report = "\n".join(parts)
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "xapi-latest.md").write_text(report)
    (RESULTS / "xapi-latest.json").write_text(
        json.dumps({"facts": info, "cases": results}, indent=1, default=str)
    )
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
