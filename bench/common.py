"""What the benchmarks share (`bench/assignment_evaluation.py`,
`reminder_sweeps.py`, `report_pages.py`, `xapi_delivery.py`): one place for the
measuring and database helpers.

- `set_up_environment()`: the project and `bench/` on `sys.path`, the
  environment's defaults (database, Redis, `cms.settings.production` with
  throw-away secrets) and a temporary work directory for
  `KOMPETENS_VAR_DIR`, `MEDIA_ROOT` and `STATIC_ROOT`. Each script calls it
  at the top, before anything imports Django, with its own database, Redis
  database and work directory prefix.
- Measuring: `Step` and `measured()` (wall time, time in SQL, queries, write
  statements and peak RSS of a step), the kernel's memory counters
  (`status_kb()`, `reset_peak()`) and `print_profile()`.
- The database: `recreate_database()` and `drop_database()` (only a
  database whose name starts with `kompetens_bench`), `database_exists()`,
  and the seeded dump (`pg_dump -Fc`) kept in `bench/results/` with what it
  depends on (`dump_paths()`, `dump_is_usable()`, `pg_dump()`,
  `pg_restore()`).
- Redis: `flush_broker()`.

Nothing here reads settings or imports Django at import time.
"""

import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import re
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PROJECT_APPS = ("cms", "courses", "learners")
BENCH_PREFIX = "kompetens_bench"


# --- The environment ---------------------------------------------------------------


def set_up_environment(
    *,
    database_url,
    redis_url,
    work_prefix,
    allowed_hosts="127.0.0.1,localhost",
    site_url=None,
):
    """Put the project and `bench/` on `sys.path` and set the environment's
    defaults (a variable already set is kept). Returns the new temporary work
    directory (a str), which holds `KOMPETENS_VAR_DIR`, `MEDIA_ROOT` and
    `STATIC_ROOT` unless they are set; the caller removes it."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("REDIS_URL", redis_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")
    os.environ.setdefault("SECRET_KEY", "bench-not-secret-" + secrets.token_hex(8))
    os.environ.setdefault("ALLOWED_HOSTS", allowed_hosts)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if site_url is not None:
        os.environ.setdefault("SITE_URL", site_url)
    work = tempfile.mkdtemp(prefix=work_prefix)
    for name in ("KOMPETENS_VAR_DIR", "MEDIA_ROOT", "STATIC_ROOT"):
        os.environ.setdefault(name, os.path.join(work, name.lower()))
    return work


# --- Measuring ---------------------------------------------------------------------


def status_kb(key, default=None):
    """A `kB` field of /proc/self/status (VmRSS, VmHWM), or `default`."""
    try:
        with open("/proc/self/status") as f:
            match = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
        return int(match.group(1)) if match else default
    except OSError:
        return default


def reset_peak():
    """Reset the kernel's peak-RSS mark (VmHWM) for this process (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


@dataclass
class Step:
    name: str
    label: str
    seconds: float = 0.0
    sql_seconds: float = 0.0
    queries: int = 0
    writes: int = 0
    rss_before_mb: float = 0.0
    peak_rss_mb: float = 0.0
    result: str = ""
    details: dict = field(default_factory=dict)
    error: str = ""


@contextmanager
def measured(name, label, *, steps, profile, print_profile, widths=(7, 6, 6)):
    """Time a step: wall clock, SQL time and count, writes, peak RSS. The step
    is appended to `steps` and printed as a line (`widths`: of the queries,
    writes and MB columns); an error is reported and the run goes on. A step
    whose name is in `profile` runs under cProfile, and
    `print_profile(profiler, name)` is called after it."""
    from django.db import connection

    step = Step(name, label)
    gc.collect()
    exact_peak = reset_peak()
    step.rss_before_mb = (status_kb("VmRSS") or 0) / 1024
    writes = ("INSERT", "UPDATE", "DELETE")

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            step.sql_seconds += time.perf_counter() - started
            step.queries += 1
            if sql.lstrip()[:6].upper() in writes:
                step.writes += 1

    profiler = cProfile.Profile() if name in profile else None
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(wrapper):
            if profiler:
                profiler.enable()
            try:
                yield step
            finally:
                if profiler:
                    profiler.disable()
    except Exception as error:  # noqa: BLE001 - report it and carry on
        import traceback

        step.error = f"{type(error).__name__}: {error}"
        step.details["traceback"] = traceback.format_exc()
        print(f"\n!! {label}: {step.error}\n{step.details['traceback']}", flush=True)
    finally:
        step.seconds = time.perf_counter() - started
        peak = status_kb("VmHWM")
        if not exact_peak:  # whole-process peak only
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        step.peak_rss_mb = (peak or 0) / 1024
        steps.append(step)
        q, w, mb = widths
        print(
            f"  {label:<58} {step.seconds:7.1f} s  {step.queries:{q},} q  "
            f"{step.writes:{w},} w  {step.peak_rss_mb:{mb}.0f} MB  {step.result}",
            flush=True,
        )
        if profiler:
            print_profile(profiler, name)


def print_profile(profiler, name, path, *, lines=30, strip_dirs=True):
    """Write the profile to `path` and print its top `lines` by cumulative and
    by own time."""
    profiler.dump_stats(path)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        if strip_dirs:
            stats = stats.strip_dirs()
        stats.sort_stats(order).print_stats(lines)
        print(f"\n--- cProfile of {name}, by {order} (full: {path}) ---")
        print(out.getvalue())


# --- The database ------------------------------------------------------------------


def _admin_url(url):
    """(name, the server's `postgres` database URL); refuses, exiting, a
    database whose name does not start with kompetens_bench."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith(BENCH_PREFIX):
        sys.exit(f"Refusing to drop {name!r}: its name must start with {BENCH_PREFIX}")
    return name, parts._replace(path="/postgres").geturl()


def recreate_database(url):
    """Drop (closing its connections) and create the database; its name."""
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(url):
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(url):
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
        )


# --- The seeded dump ---------------------------------------------------------------


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def migration_files():
    """{path: sha256} of the project's migrations."""
    files = {}
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app / "migrations").glob("[0-9]*.py")):
            files[str(path.relative_to(ROOT))] = sha256_file(path)
    return files


def dump_paths(args, prefix):
    """The dump and its metadata: `bench/results/<prefix>-seed-<staff>x<units>`."""
    stem = RESULTS / f"{prefix}-seed-{args.staff}x{args.units}"
    return stem.with_suffix(".dump"), stem.with_suffix(".json")


def dump_is_usable(args, prefix, seed_sources):
    """(the dump's metadata, "") if the seeding code (`seed_sources`) and every
    migration in it are unchanged (new migrations are applied after the
    restore); else (None, why not)."""
    dump, meta_path = dump_paths(args, prefix)
    if args.reseed:
        return None, "--reseed"
    if not dump.exists() or not meta_path.exists():
        return None, "no dump"
    meta = json.loads(meta_path.read_text())
    for path in seed_sources:
        if meta["sources"].get(path.name) != sha256_file(path):
            return None, f"{path.name} changed since the dump"
    now = migration_files()
    for path, digest in meta["migrations"].items():
        if now.get(path) != digest:
            return None, f"{path} changed or removed since the dump"
    return meta, ""


def pg_dump(url, path):
    tmp = path.with_suffix(".dump.part")
    subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", "-f", str(tmp), "-d", url], check=True
    )
    tmp.replace(path)


def pg_restore(url, path):
    subprocess.run(
        ["pg_restore", "--no-owner", "-j", "2", "-d", url, str(path)], check=True
    )


# --- Redis -------------------------------------------------------------------------


def flush_broker():
    """Empty the Redis database of `REDIS_URL`; returns how many messages were
    queued (in its lists)."""
    import redis

    url = os.environ["REDIS_URL"]
    client = redis.Redis.from_url(url)
    queued = sum(
        client.llen(key) for key in client.keys("*") if client.type(key) == b"list"
    )
    client.flushdb()
    return queued
