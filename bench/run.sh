#!/usr/bin/env bash
# Load benchmark: the lesson page and "My learning" for a logged-in learner,
# beside the bare Django view /ping/, against gunicorn with production settings.
# See bench/README.md. Called by `make bench`; takes about 2 minutes.
#
# Knobs (environment): BENCH_DB, BENCH_REDIS_URL, BENCH_WORKERS,
# BENCH_CONNECTIONS, BENCH_DURATION, BENCH_WARMUP, BENCH_PIN=0, KEEP_DB=1,
# BENCH_ENDPOINTS (a subset of "ping lesson course catalogue learning report"),
# BENCH_REUSE=DIR (the directory a KEEP_DB=1 run kept: its database, media
# files and target are used again, after `migrate`; nothing is dropped).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
BENCH="$ROOT/bench"
RESULTS="$BENCH/results"

DB_NAME="${BENCH_DB:-kompetens_bench}"
PG=(-h 127.0.0.1 -p 5432 -U postgres)
WORKERS="${BENCH_WORKERS:-3}"
THREADS=1
CONNECTIONS="${BENCH_CONNECTIONS:-8}"
DURATION="${BENCH_DURATION:-20s}"
WARMUP="${BENCH_WARMUP:-3s}"
KEEP_DB="${KEEP_DB:-0}"
LEARNER=anna
# The report pages' fixed cost: the demo's manager on Reports (a handful of
# people in scope, so what is measured is the request's floor).
MANAGER=chef
ENDPOINTS="${BENCH_ENDPOINTS:-ping lesson course catalogue learning report}"
export BENCH_PASSWORD=kompetens-demo # load_demo's demo password, not a secret

SECONDS=0
say() { printf '\n[%3ss] %s\n' "$SECONDS" "$*"; }
fail() {
    printf '\nBENCH FAILED: %s\n' "$*" >&2
    exit 1
}

# --- Preconditions ----------------------------------------------------------
[[ -x "$PY" && -x "$GUNICORN" ]] || fail "no .venv with gunicorn; run 'make install' first"
for tool in wrk psql createdb dropdb curl; do
    command -v "$tool" >/dev/null || fail "'$tool' is not installed"
done
psql "${PG[@]}" -d postgres -Atqc 'select 1' >/dev/null ||
    fail "PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres"

export DJANGO_SETTINGS_MODULE=cms.settings.production
export SECRET_KEY="bench-not-secret-$RANDOM$RANDOM"
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}"
# The learner and the manager sign in with a password here (production's
# default lets only superusers do so: everyone else has the city's account).
export LOCAL_LOGIN=all
export SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_SSL_REDIRECT=0
export LOG_LEVEL=WARNING

REUSE="${BENCH_REUSE:-}"
if [[ -n "$REUSE" ]]; then
    [[ -f "$REUSE/raw/target.json" ]] || fail "BENCH_REUSE=$REUSE: no raw/target.json there"
    WORK="$REUSE"
    KEEP_DB=1
else
    WORK="$(mktemp -d -t kompetens-bench.XXXXXX)"
fi
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media" KOMPETENS_VAR_DIR="$WORK/var"
RAW="$WORK/raw"
mkdir -p "$RAW" "$RESULTS"

GUNICORN_PID=""
STATIC_PID=""
cleanup() {
    local rc=$?
    trap - EXIT
    if [[ -n "$STATIC_PID" ]] && kill -0 "$STATIC_PID" 2>/dev/null; then
        kill "$STATIC_PID" 2>/dev/null || true
    fi
    if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$GUNICORN_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    # Keep the raw output of the last run next to the report (git-ignored).
    rm -rf "$RESULTS/raw"
    cp -r "$RAW" "$RESULTS/raw" 2>/dev/null || true
    # Database 13 is the benchmark's own: its cache and the e-mail tasks that
    # the seeded completions queued (no worker runs here).
    "$PY" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()' \
        2>/dev/null || true
    if [[ "$KEEP_DB" == 1 ]]; then
        echo "KEEP_DB=1: kept database $DB_NAME and its media files in $WORK"
    else
        dropdb "${PG[@]}" --if-exists --force "$DB_NAME" 2>/dev/null || true
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Database 13 is the benchmark's own; empty it (stale cached page paths from an
# earlier run would point at pages that no longer exist).
"$PY" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()' ||
    fail "Redis is not reachable at $REDIS_URL"

# Pin the server to one core and wrk to another, from the cores this process
# may use; with fewer than two, run unpinned and say so in the results.
read -r -a CPUS <<<"$("$PY" -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
NPROC="$(nproc)"
if [[ "${BENCH_PIN:-1}" != 0 && ${#CPUS[@]} -ge 2 ]] && command -v taskset >/dev/null; then
    SERVER_CPUS="${CPUS[0]}"
    WRK_CPUS="${CPUS[1]}"
    SERVER_PREFIX=(taskset -c "$SERVER_CPUS")
    WRK_PREFIX=(taskset -c "$WRK_CPUS")
    PINNING="gunicorn (master and $WORKERS sync workers) pinned to CPU $SERVER_CPUS"
    PINNING+=" and wrk pinned to CPU $WRK_CPUS with taskset, so that the load generator"
    PINNING+=" does not take CPU time from the server. PostgreSQL and Redis are not"
    PINNING+=" pinned: they run on either core, the load generator's included."
else
    SERVER_CPUS=any
    WRK_CPUS=any
    SERVER_PREFIX=()
    WRK_PREFIX=()
    PINNING="NOT pinned (BENCH_PIN=${BENCH_PIN:-1}, ${#CPUS[@]} usable CPU(s)):"
    PINNING+=" wrk competes with the server for the same CPU(s), so the figures are low."
fi

# --- Database, static files, content ---------------------------------------
say "$([[ -n "$REUSE" ]] && echo Reused || echo Fresh) database $DB_NAME; static files into $STATIC_ROOT"
"$PY" manage.py collectstatic --noinput -v0 >"$RAW/collectstatic.log" 2>&1 &
STATIC_PID=$!
if [[ -z "$REUSE" ]]; then
    PGOPTIONS="-c client_min_messages=warning" dropdb "${PG[@]}" --if-exists --force "$DB_NAME"
    createdb "${PG[@]}" "$DB_NAME"
fi
"$PY" manage.py migrate --noinput -v0
wait "$STATIC_PID" || fail "collectstatic failed: $(tail -5 "$RAW/collectstatic.log")"
STATIC_PID=""

if [[ -n "$REUSE" ]]; then
    say "Demo content and the learner's history from the reused database"
elif say "Demo content (load_demo) and the learner's history (bench/seed_learner.py)" &&
    ! "$PY" manage.py load_demo >"$RAW/load_demo.log" 2>&1; then
    tail -20 "$RAW/load_demo.log" >&2
    # The usual cause while the models are being changed: a missing migration.
    "$PY" manage.py makemigrations --check --dry-run >&2 ||
        fail "load_demo failed: the models have changes without migrations (above)"
    fail "manage.py load_demo failed (above; the whole log is in bench/results/raw/)"
fi
[[ -n "$REUSE" ]] || "$PY" "$BENCH/seed_learner.py" --out "$RAW/target.json"
"$PY" "$BENCH/query_counts.py" --target "$RAW/target.json" --out "$RAW/queries.json"
LESSON_URL="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["lesson_url"])' "$RAW/target.json")"

# --- Server -----------------------------------------------------------------
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
say "gunicorn on 127.0.0.1:$PORT, $WORKERS sync workers, CPU(s) $SERVER_CPUS"
"${SERVER_PREFIX[@]}" "$GUNICORN" cms.wsgi:application \
    --bind "127.0.0.1:$PORT" --workers "$WORKERS" --worker-class sync \
    --timeout 30 --graceful-timeout 5 --no-control-socket \
    --error-logfile "$RAW/gunicorn.log" --capture-output --log-level info &
GUNICORN_PID=$!
for _ in $(seq 1 100); do
    kill -0 "$GUNICORN_PID" 2>/dev/null || fail "gunicorn exited: $(tail -30 "$RAW/gunicorn.log")"
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/ping/" 2>/dev/null && break
    sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/ping/" ||
    fail "gunicorn does not answer: $(tail -30 "$RAW/gunicorn.log")"

say "Log in as $LEARNER through /login/ and check the pages with the session cookie"
SESSION_ID="$("$PY" "$BENCH/live.py" login --port "$PORT" --username "$LEARNER" \
    --password-env BENCH_PASSWORD)"
MANAGER_SESSION_ID="$("$PY" "$BENCH/live.py" login --port "$PORT" --username "$MANAGER" \
    --password-env BENCH_PASSWORD)"
"$PY" "$BENCH/live.py" check --port "$PORT" --session "$SESSION_ID" \
    --manager-session "$MANAGER_SESSION_ID" --target "$RAW/target.json"

# --- Load -------------------------------------------------------------------
LOADAVG_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
# wrk's default 2 s timeout would drop slow responses from the latency figures
# (it counts them as errors instead); 10 s keeps them in.
WRK_TIMEOUT=10s
WRK_ARGS="-t$THREADS -c$CONNECTIONS -d$DURATION --timeout $WRK_TIMEOUT --latency"
run_wrk() { # duration path output [session]
    BENCH_COOKIE="sessionid=${4:-$SESSION_ID}" "${WRK_PREFIX[@]}" wrk "-t$THREADS" \
        "-c$CONNECTIONS" "-d$1" --timeout "$WRK_TIMEOUT" --latency \
        -s "$BENCH/session.lua" "http://127.0.0.1:$PORT$2" >"$3"
}
target_field() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$RAW/target.json" "$1"; }
for endpoint in $ENDPOINTS; do
    session="$SESSION_ID"
    case "$endpoint" in
    ping) path=/ping/ ;;
    lesson) path="$LESSON_URL" ;;
    course) path="$(target_field course_url)" ;;
    catalogue) path="$(target_field catalogue_url)" ;;
    learning) path=/learning/ ;;
    report)
        path=/learning/reports/
        session="$MANAGER_SESSION_ID"
        ;;
    *) fail "unknown endpoint $endpoint" ;;
    esac
    say "wrk $WRK_ARGS $path (after $WARMUP warm-up), CPU(s) $WRK_CPUS"
    run_wrk "$WARMUP" "$path" "$RAW/$endpoint.warmup.txt" "$session"
    cpu_before="$("$PY" "$BENCH/cpu_time.py" "$GUNICORN_PID")"
    run_wrk "$DURATION" "$path" "$RAW/$endpoint.wrk.txt" "$session"
    echo "$cpu_before $("$PY" "$BENCH/cpu_time.py" "$GUNICORN_PID")" >"$RAW/$endpoint.cpu"
    grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors|BENCH_JSON' \
        "$RAW/$endpoint.wrk.txt" | sed 's/^/    /'
done
LOADAVG_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# The session must still be valid and the pages still right after the load.
"$PY" "$BENCH/live.py" check --port "$PORT" --session "$SESSION_ID" \
    --manager-session "$MANAGER_SESSION_ID" --target "$RAW/target.json"

# --- Report -----------------------------------------------------------------
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    COMMIT+=" (with uncommitted changes)"
fi
STAMP="$(date +%Y%m%d-%H%M%S)"
say "Report: $RESULTS/latest.md"
report_rc=0
"$PY" "$BENCH/report.py" --raw "$RAW" --out "$RESULTS/latest.md" \
    --fact "date=$(date '+%Y-%m-%d %H:%M %Z')" \
    --fact "commit=$COMMIT" \
    --fact "runtime=${SECONDS} s up to the report" \
    --fact "nproc=$NPROC" \
    --fact "workers=$WORKERS" \
    --fact "connections=$CONNECTIONS" \
    --fact "warmup=$WARMUP" \
    --fact "wrk_args=$WRK_ARGS" \
    --fact "endpoints=$ENDPOINTS" \
    --fact "wrk_version=$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}' || true)" \
    --fact "server_cpus=$SERVER_CPUS" \
    --fact "wrk_cpus=$WRK_CPUS" \
    --fact "pinning=$PINNING" \
    --fact "postgresql=$(psql "${PG[@]}" -d postgres -Atqc 'show server_version')" \
    --fact "loadavg_before=$LOADAVG_BEFORE" \
    --fact "loadavg_after=$LOADAVG_AFTER" || report_rc=$?
cp "$RESULTS/latest.md" "$RESULTS/$STAMP.md"
say "Done in ${SECONDS} s (cleanup follows)."
if [[ $report_rc -ne 0 ]]; then
    fail "the run saw problems (see 'Problems seen in this run' above)"
fi
