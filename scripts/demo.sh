#!/usr/bin/env bash
# Runs the demo: migrate, load demo content, then web + Celery worker with
# embedded beat together, on SQLite and kombu's filesystem broker (no servers).
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8000}"
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-cms.settings.dev}"
export SITE_URL="${SITE_URL:-http://localhost:${PORT}}"
mkdir -p var/celery-broker var/celery-processed

started=$(date +%s)
# A demo database from before the apps were split (#12) has the old
# learners-only migrations: it cannot be migrated, so it is put aside and the
# demo starts afresh (the demo content is loaded again below).
if [ -f db.sqlite3 ] && [ "$($PY - <<'PY'
import sqlite3
rows = sqlite3.connect("db.sqlite3").execute(
    "SELECT count(*) FROM sqlite_master WHERE name = 'learners_orgunit'"
).fetchone()
print(rows[0])
PY
)" != "0" ]; then
    mv db.sqlite3 "db.sqlite3.before-apps-$(date +%Y%m%d%H%M%S)"
    echo "The demo database was from before the apps were split: kept aside, starting afresh."
fi
$PY manage.py migrate --no-input -v0
$PY manage.py load_demo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/celery -A cms worker -B --loglevel=INFO --concurrency=1 \
    --schedule="var/celerybeat-schedule" >var/celery.log 2>&1 &
pids+=($!)
$PY manage.py runserver "0.0.0.0:${PORT}" --noreload &
pids+=($!)

for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:${PORT}/ping/" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
echo
echo "Kompetens is running at ${SITE_URL}/ (admin: ${SITE_URL}/admin/)"
echo "Up in $(( $(date +%s) - started )) s. Celery worker + beat log: var/celery.log. Ctrl-C stops."
wait -n "${pids[@]}"
