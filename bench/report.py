"""Turn one benchmark run's raw output into the Markdown report.

    python bench/report.py --raw DIR --out results/latest.md --fact key=value ...

Reads from DIR: `<endpoint>.wrk.txt` (wrk's output with the `BENCH_JSON` line
that bench/session.lua prints), `target.json` (bench/seed_learner.py),
`queries.json` (bench/query_counts.py) and `gunicorn.log`. The facts about the
run (workers, pinning, wrk settings…) come from bench/run.sh as --fact pairs.
Standard library only.
"""

import argparse
import json
import os
import platform
import re
from importlib import metadata
from pathlib import Path

ENDPOINTS = [
    ("ping", "bare Django view `/ping/`"),
    ("lesson", "lesson page (3rd lesson of the demo course)"),
    ("course", "course page (the demo course)"),
    ("catalogue", "catalogue"),
    ("learning", "My learning `/learning/`"),
    ("report", "Reports `/learning/reports/` (the demo manager: the floor)"),
]

# Lines in the server log that mean something went wrong during the run.
LOG_PROBLEM = re.compile(
    r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|Internal Server Error|"
    r"Exception|Invalid HTTP_HOST|Bad Request|Forbidden|Not Found"
)


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def wrk_result(path):
    for line in path.read_text().splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise SystemExit(f"{path}: no BENCH_JSON line (did wrk run bench/session.lua?)")


def ms(microseconds):
    value = microseconds / 1000
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def log_problems(path):
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if LOG_PROBLEM.search(line)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--fact", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    facts = dict(item.split("=", 1) for item in args.fact)
    target = json.loads((args.raw / "target.json").read_text())
    queries = json.loads((args.raw / "queries.json").read_text())
    paths = {
        "ping": "/ping/",
        "lesson": target["lesson_url"],
        "course": target.get("course_url"),
        "catalogue": target.get("catalogue_url"),
        "learning": "/learning/",
        "report": "/learning/reports/",
    }

    rows = []
    problems = []
    for key, label in ENDPOINTS:
        if not (args.raw / f"{key}.wrk.txt").exists():
            continue  # not among BENCH_ENDPOINTS in this run
        result = wrk_result(args.raw / f"{key}.wrk.txt")
        seconds = result["duration_us"] / 1_000_000
        errors = result["errors"]
        socket_errors = sum(errors[name] for name in ("connect", "read", "write"))
        socket_errors += errors["timeout"]
        latency = result["latency_us"]
        query_count = queries.get(paths[key], {}).get("queries", "?")
        cpu_before, cpu_after = map(
            float, (args.raw / f"{key}.cpu").read_text().split()
        )
        cpu = cpu_after - cpu_before
        cpu_per_request = cpu * 1000 / result["requests"] if result["requests"] else 0
        rows.append(
            f"| {label} | {result['requests'] / seconds:,.1f} | {ms(latency['p50'])} "
            f"| {ms(latency['p90'])} | {ms(latency['p99'])} | {result['non_2xx']} "
            f"| {socket_errors} | {result['requests']:,} "
            f"| {cpu_per_request:.2f} ms | {100 * cpu / seconds:.0f} % "
            f"| {query_count} |"
        )
        if result["non_2xx"]:
            problems.append(
                f"{label}: {result['non_2xx']} non-2xx responses "
                f"(by status: {result['statuses']})"
            )
        if socket_errors:
            problems.append(f"{label}: socket errors {errors}")

    server_problems = log_problems(args.raw / "gunicorn.log")
    if server_problems:
        problems.append(
            f"gunicorn log: {len(server_problems)} lines with errors, first: "
            f"`{server_problems[0][:200]}`"
        )

    workers = facts.get("workers", "?")
    pinning = facts.get("pinning", "not pinned")
    busy_note = ""
    try:
        load_before = float(facts.get("loadavg_before", "0").split()[0])
        cores = int(facts.get("nproc", os.cpu_count()))
    except ValueError:
        load_before, cores = 0.0, 1
    if load_before >= cores / 2:
        busy_note = (
            f"**The machine was busy:** load average {load_before:.1f} on {cores} "
            "cores before the run. Pinning keeps wrk off the server's core, not "
            "other processes; the figures are lower than on an idle machine (see "
            "'server CPU busy'). Compare server CPU/request between runs."
        )
    lines = [
        "# Kompetens load benchmark: latest run",
        "",
        f"Run {facts.get('date', '?')}, commit {facts.get('commit', '?')}. "
        f"Script runtime {facts.get('runtime', '?')}.",
        "",
        f"**Pinning:** {pinning}",
        "",
        *([busy_note, ""] if busy_note else []),
        f"Load: wrk {facts.get('wrk_args', '?')}, after a "
        f"{facts.get('warmup', '?')} warm-up of the same endpoint; every request "
        f"carries the logged-in learner's session cookie (also on `/ping/`). "
        f"Server: gunicorn {version('gunicorn')}, {workers} sync workers, "
        "`cms.settings.production` (DEBUG off, WhiteNoise, Redis cache, "
        "PostgreSQL with persistent connections).",
        "",
        "| endpoint | requests/s | p50 | p90 | p99 | non-2xx | socket errors "
        "| requests | server CPU/request | server CPU busy | SQL queries/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "Latency is per request as wrk sees it, including time queued behind "
        f"busy workers ({facts.get('connections', '?')} connections, {workers} "
        "workers). Server CPU is the CPU time of the gunicorn master and workers "
        "during the measurement (from /proc), per request and as a share of the "
        "measurement's wall time: 100 % means the server's core was saturated; "
        "less means it waited (on PostgreSQL, or on other processes sharing the "
        "core). SQL queries per request are counted in-process with Django's "
        "test client (bench/query_counts.py), not under load.",
        "",
        "## Problems seen in this run",
        "",
        *([f"- {problem}" for problem in problems] or ["- none"]),
        "",
        "## Machine and data",
        "",
        f"- CPU: {cpu_model()}, nproc = {facts.get('nproc', os.cpu_count())}, "
        f"memory {memory_gib()}, kernel {platform.release()}",
        f"- Load average before the run: {facts.get('loadavg_before', '?')}; "
        f"after: {facts.get('loadavg_after', '?')} (other work on the machine "
        "competes with the server and skews the figures)",
        f"- Python {platform.python_version()}, Django {version('django')}, "
        f"Wagtail {version('wagtail')}, psycopg {version('psycopg')}, "
        f"PostgreSQL {facts.get('postgresql', '?')}, {facts.get('wrk_version', 'wrk')}",
        f"- gunicorn: {workers} sync workers on 127.0.0.1, CPU(s) "
        f"{facts.get('server_cpus', 'any')}; wrk: CPU(s) "
        f"{facts.get('wrk_cpus', 'any')}",
        f"- Data: {target['live_courses']} live courses, {target['live_lessons']} "
        f"live lessons; the learner has {target['enrolments']} enrolments "
        f"({target['learning_completed']} completed, "
        f"{target['learning_in_progress']} in progress) and "
        f"{target['lesson_progress_rows']} lesson progress rows",
        f"- Lesson page: `{target['lesson_url']}` ({target['lesson_title']})",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    if problems:
        raise SystemExit(2)


if __name__ == "__main__":
    main()
