"""Benchmark for issue #5: reminders for 40,000 staff and their assignments —
planning and storing a day's sweep, handing it to the workers, and the
delivery rate through a real Celery worker to a local SMTP server.

    .venv/bin/python bench/reminder_sweeps.py                 # about 15 minutes
    .venv/bin/python bench/reminder_sweeps.py --reseed        # seed again (+2-3 min)
    .venv/bin/python bench/reminder_sweeps.py --profile next_store --profile send
    .venv/bin/python bench/reminder_sweeps.py --no-delivery   # no worker (5 minutes)

**It drops and recreates its own database** (`DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/kompetens_bench_remind; the name must
start with `kompetens_bench`) and empties Redis database 9 (`REDIS_URL`,
default redis://127.0.0.1:6379/9: the broker, the rate-limit counter and
the cache) before and after. Database 10 is the reports benchmark's, 12 the
#4 benchmark's, 13 the page benchmark's, 14-15 the tests' (and parallel test
runs pick others). Redis is shared, so the run refuses to start, and never
empties the database, while a client that is not this process or its worker
is connected to it. Settings are `cms.settings.production` with throw-away
secrets.

The data is the #4 benchmark's (`bench/assign_data.py`, the seeding of
`bench/assignment_evaluation.py`, imported, not copied): 2,000 units and 40,000 staff
through the real HR import, 20 courses, past completions, 20 rules,
`evaluate_all()`. Seeding takes about 3 minutes, so the seeded database is
kept as `bench/results/remind-seed-*.dump` (`pg_dump -Fc`, git-ignored) and
restored on later runs; it is seeded again when the seeding code or a
migration it contains has changed, or with `--reseed`. The reminders are
planned for the day the dump was seeded (the data's dates are relative to it).

Each run then sets the open assignments' due dates (seeded, deterministic):
about 5 % overdue (a third of them whole teams: one course overdue for every
member of 5 % of the units, the rest scattered, 1-60 days), about 10 % due
within 14 days (today included), the rest 15-240 days ahead. The policy is
the shipped default (14 and 3 days before, due date, overdue every 7 days,
line manager after 14 days, HR contact after 30, certificates 30 days before
expiry) with an HR specialist as HR contact, the sending window the whole
day, weekends allowed.

Reminder messages are sent by the delivery log (#14, `notifications.sender`):
`hand_out()` (beat, every minute) gives what may go now to the task
`notifications.send_messages` in chunks of SEND_CHUNK ids, at most the
policy's rate_per_minute reminders a hand-out; `send_one()` sends one.

Scenarios, in order:
1. an ordinary day, no reminders sent before (the first sweep after launch,
   the largest ordinary day): plan_day, store_plan, hand_out (no worker),
   then sweep_reminders() again as beat does ten minutes later;
2. delivery: a local aiosmtpd server and `celery -A cms worker -c 2
   --prefetch-multiplier 1`; the first --sample messages (5,000) handed out
   at once with the rate limit out of the way, timed until the SMTP server
   has them all; then the next --rate-sample (1,800) with
   rate_per_minute=600, handed out every minute as beat does, counted per
   clock minute at the SMTP server;
3. messages sent in-process (`send_one`) to the same SMTP server: 200
   ordinary ones and the largest (the HR contact's), with queries and time;
4. the next day after everything of the first was sent (steady state):
   plan, store, hand out, sweep again;
5. the personal and manager digest's weekday, from scratch: everyone with
   open training gets a digest; plan, store, hand out, sweep again; delivery
   of the first --digest-sample (2,000) digests; then the backlog at the
   shipped 120 messages per minute, handed out every minute as beat does,
   watched for --backlog-minutes (3), and a hand-out as if ENQUEUE_LEASE had
   passed (what a lost task's rows get), watched as long again.

`--no-delivery` skips the worker (2, 5's deliveries); the in-process sends
still run.

Each step reports wall time, time in SQL, queries and write statements, and
the process's peak resident memory (kernel high-water mark, reset before the
step). `--profile STEP` runs a step under cProfile (`send` profiles the
in-process send). Results: `bench/results/reminders-latest.md` and `.json`.
"""

import argparse
import gc
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import suppress
from dataclasses import asdict
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for common

import common
from common import (
    BENCH,
    ROOT,
    Step,
    drop_database,
    dump_paths,
    migration_files,
    pg_dump,
    pg_restore,
    recreate_database,
    sha256_file,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kompetens_bench_remind"
_WORK = common.set_up_environment(
    database_url=DEFAULT_DB,
    redis_url="redis://127.0.0.1:6379/9",
    work_prefix="kompetens-bench-remind.",
    site_url="https://kompetens.stad.example.se",
)

import assign_data  # noqa: E402
import assignment_evaluation as assignments  # noqa: E402  (the #4 seeding: imported, not copied)
import cpu_time  # noqa: E402

RESULTS = BENCH / "results"
EVERYONE_COURSE = "Informationssäkerhet för medarbetare"
WHOLE_DAY = (dtime(0, 0), dtime(23, 59, 59, 999999))
UNLIMITED = 1_000_000
# What the seeded dump depends on: when one of these changes, seed again.
SEED_SOURCES = [BENCH / "assign_data.py", BENCH / "assignment_evaluation.py"]
DUMP_PREFIX = "remind"  # bench/results/remind-seed-*.dump


# --- Measuring ---------------------------------------------------------------------


STEPS: list[Step] = []
PROFILE: set = set()
DELIVERIES: list[dict] = []
BACKLOG: list[dict] = []


def measured(name, label):
    """Wall clock, SQL time and count, writes, peak RSS of a step; an error is
    reported and the run goes on."""
    return common.measured(
        name,
        label,
        steps=STEPS,
        profile=PROFILE,
        print_profile=print_profile,
        widths=(6, 5, 5),
    )


def print_profile(profiler, name):
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"reminders-{name}.prof"
    common.print_profile(profiler, name, path, lines=35, strip_dirs=False)


# --- The local SMTP server ---------------------------------------------------------


def smtp_server_class():
    from tests.integration import LocalSmtpServer

    message_id = re.compile(rb"^Message-ID:\s*(\S+)", re.M | re.I)

    class TimedSmtpServer(LocalSmtpServer):
        """The tests' aiosmtpd server, keeping only when each message arrived,
        its Message-ID and size (not 40,000 bodies)."""

        def __init__(self):
            super().__init__()
            self.arrivals = []  # (time.time(), message-id, bytes, recipients)

        def _record(self, message):
            found = message_id.search(message.content)
            arrival = (
                time.time(),
                found.group(1).decode() if found else "",
                len(message.content),
                len(message.rcpt_tos),
            )
            with self._lock:
                self.arrivals.append(arrival)

        def since(self, index):
            with self._lock:
                return self.arrivals[index:]

        def count(self):
            with self._lock:
                return len(self.arrivals)

    return TimedSmtpServer


# --- Redis: shared with other people's runs --------------------------------------

WORKER_PIDS: list = []  # the worker's processes, while one runs


def _socket_inodes(pids):
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:["):
                        inodes.add(link[8:-1])
        except OSError:
            continue
    return inodes


def _local_ports(inodes):
    ports = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(path) as table:
            for line in table.readlines()[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def foreign_redis_clients():
    """Clients of our Redis database that are neither this process nor the
    worker it started (matched by their sockets' local ports in /proc)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.ping()  # connected before our sockets are listed
    db = int(client.connection_pool.connection_kwargs.get("db", 0))
    pids = [os.getpid()]
    for pid in WORKER_PIDS:
        pids.append(pid)
        with suppress(OSError):
            pids += [int(child) for child in cpu_time.children(pid)]
    mine = _local_ports(_socket_inodes(pids))
    foreign = []
    for entry in client.client_list():
        if int(entry.get("db", -1)) != db:
            continue
        port = int(entry["addr"].rsplit(":", 1)[1])
        if port not in mine:
            foreign.append(f"{entry['addr']} (age {entry['age']} s, {entry['cmd']})")
    client.close()
    return foreign


class RedisInUse(RuntimeError):
    pass


def check_redis_is_ours():
    foreign = foreign_redis_clients()
    if foreign:
        raise RedisInUse(
            f"Another client uses Redis {os.environ['REDIS_URL']}: "
            + ", ".join(foreign[:5])
            + ". Set REDIS_URL to a database of your own (nothing was emptied)."
        )


def flush_broker():
    """Empty our Redis database, unless someone else is using it."""
    check_redis_is_ours()
    return common.flush_broker()


# --- Seeding (the #4 benchmark's) --------------------------------------------------


def seed(args, day):
    """The #4 benchmark's data through its own code: HR import of units and
    staff, courses, past completions, rules, evaluate_all()."""
    from django.core.management import call_command
    from django.db import transaction

    from assignments.actions.evaluation import evaluate_all
    from organisation.hr_import import STAFF, UNITS, apply_import

    call_command("migrate", verbosity=0)
    city = assign_data.generate(day, units=args.units, staff=args.staff)
    units_file = assign_data.units_csv(city)
    staff_file = assign_data.staff_csv(city)
    for kind, content, name in (
        (UNITS, units_file, "units.csv"),
        (STAFF, staff_file, "staff.csv"),
        (UNITS, units_file, "units.csv"),  # again: the heads now exist
    ):
        with transaction.atomic():
            apply_import(None, kind, content, name, "full")
    flush_broker()  # the invitations; no worker runs
    courses = assignments.publish_courses()
    completions = assignments.seed_completions(city, courses, day)
    rules = assignments.create_rules(city, courses, day)
    counts = evaluate_all()
    flush_broker()
    return {
        "completions": completions,
        "rules": len(rules),
        "courses": len(counts),
    }


def prepare_database(args):
    """Restore the dump, or seed and dump. Returns (day, how)."""
    import django

    url = os.environ["DATABASE_URL"]
    meta, why = common.dump_is_usable(args, DUMP_PREFIX, SEED_SOURCES)
    dump, meta_path = dump_paths(args, DUMP_PREFIX)
    started = time.perf_counter()
    if meta:
        recreate_database(url)
        print(f"Restoring {dump.name} (seeded {meta['day']})…", flush=True)
        pg_restore(url, dump)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # migrations added since
        how = f"restored from {dump.name} in {time.perf_counter() - started:.0f} s"
        return date.fromisoformat(meta["day"]), how
    print(f"Seeding ({why}): about 3 minutes…", flush=True)
    recreate_database(url)
    django.setup()
    from django.utils import timezone

    day = timezone.localdate()
    counts = seed(args, day)
    seconds = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    RESULTS.mkdir(exist_ok=True)
    pg_dump(url, dump)
    meta_path.write_text(
        json.dumps(
            {
                "day": day.isoformat(),
                "staff": args.staff,
                "units": args.units,
                "seeded_at": datetime.now().astimezone().isoformat(),
                "seed_seconds": round(seconds),
                "counts": counts,
                "sources": {p.name: sha256_file(p) for p in SEED_SOURCES},
                "migrations": migration_files(),
            },
            indent=1,
        )
    )
    how = (
        f"seeded in {seconds:.0f} s and dumped to {dump.name} "
        f"({dump.stat().st_size / 1e6:.0f} MB)"
    )
    return day, how


# --- Due dates and the policy ------------------------------------------------------


def set_due_dates(day, seed=5):
    """Due dates of every open assignment: ~5 % overdue (a third by whole
    teams), ~10 % within 14 days, the rest later. Bulk, by COPY."""
    from django.db import connection

    from assignments.models import Assignment

    rng = random.Random(seed)
    rows = list(
        Assignment.objects.filter(state=Assignment.State.OPEN)
        .order_by("pk")
        .values_list("pk", "course_title", "person__staff_profile__unit_id")
    )
    units = sorted({unit for _pk, _title, unit in rows if unit})
    team_overdue = {
        unit: rng.randint(1, 60) for unit in rng.sample(units, round(len(units) * 0.05))
    }
    due = []
    for pk, title, unit in rows:
        if title == EVERYONE_COURSE and unit in team_overdue:
            days = -team_overdue[unit]
        else:
            roll = rng.random()
            if roll < 0.035:
                days = -rng.randint(1, 60)
            elif roll < 0.135:
                days = rng.randint(0, 14)
            else:
                days = rng.randint(15, 240)
        due.append((pk, day + timedelta(days=days)))
    connection.ensure_connection()
    table = Assignment._meta.db_table
    with connection.connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_due (id bigint, due date)")
        with cursor.copy("COPY bench_due (id, due) FROM STDIN") as copy:
            for row in due:
                copy.write_row(row)
        cursor.execute(  # the table name is the model's, not input
            f"UPDATE {table} a SET due_date = d.due "  # noqa: S608
            "FROM bench_due d WHERE a.id = d.id"
        )
        cursor.execute("DROP TABLE bench_due")
    overdue = sum(1 for _pk, d in due if d < day)
    soon = sum(1 for _pk, d in due if day <= d <= day + timedelta(days=14))
    return {
        "open": len(due),
        "overdue": overdue,
        "within_14_days": soon,
        "teams_overdue": len(team_overdue),
    }


def hr_contact():
    from organisation.models import StaffProfile

    profile = (
        StaffProfile.objects.filter(job_title="HR-specialist", user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return profile.user


def set_policy(**fields):
    from reminders.models import ReminderPolicy

    rules = ReminderPolicy.load()
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.full_clean()
    rules.save()
    return ReminderPolicy.load()


def base_policy(day, contact, digest_day):
    """The shipped defaults, the HR contact, the whole day, no limit; the
    digests on `day`'s weekday or three days later."""
    weekday = day.weekday() if digest_day else (day.weekday() + 3) % 7
    return set_policy(
        before_days="14, 3",
        on_due_date=True,
        overdue_every_days=7,
        escalate_to_manager_after=14,
        escalate_to_hr_after=30,
        expiring_days_before=30,
        hr_contact=contact,
        digest_weekday=weekday,
        manager_digest_weekday=weekday,
        window_start=WHOLE_DAY[0],
        window_end=WHOLE_DAY[1],
        send_on_weekends=True,
        rate_per_minute=UNLIMITED,
    )


# --- Steps -------------------------------------------------------------------------


def describe(messages):
    kinds = Counter(m.kind for m in messages)
    triggers = Counter(item.trigger for m in messages for item in m.items)
    sizes = sorted((len(m.items) for m in messages), reverse=True)
    return {
        "messages": len(messages),
        "items": sum(sizes),
        "kinds": dict(kinds),
        "triggers": dict(triggers),
        "largest": sizes[:3],
    }


def _fmt_counts(counts):
    return ", ".join(
        f"{v:,} {k}" for k, v in sorted(counts.items(), key=lambda x: -x[1])
    )


def table_counts():
    from notifications.models import Notification
    from reminders.models import NotificationItem

    return Notification.objects.count(), NotificationItem.objects.count()


def plan_and_store(tag, label, day, rules):
    from reminders.planning import plan_day, store_plan

    messages = []
    with measured(f"{tag}_plan", f"{label}: plan_day()") as step:
        messages = plan_day(day, rules)
        step.details = describe(messages)
        d = step.details
        step.result = (
            f"{d['messages']:,} messages ({_fmt_counts(d['kinds'])}), "
            f"{d['items']:,} items ({_fmt_counts(d['triggers'])}); largest "
            + ", ".join(f"{n:,}" for n in d["largest"])
            + " items"
        )
    before = table_counts()
    with measured(f"{tag}_store", f"{label}: store_plan(), first") as step:
        ready = store_plan(messages)
        after = table_counts()
        step.details = {
            "ready": len(ready),
            "notifications": after[0] - before[0],
            "items": after[1] - before[1],
        }
        step.result = (
            f"{after[0] - before[0]:,} messages and {after[1] - before[1]:,} items "
            f"written; {len(ready):,} ready"
        )
    del messages
    gc.collect()


def enqueue_step(tag, label):
    """hand_out with no worker: every pending id to Redis (the policy here
    has no rate limit), in send_messages tasks."""
    import redis

    from cms.celery import app
    from notifications import sender

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    queue = app.conf.task_default_queue
    before = client.llen(queue)
    with measured(f"{tag}_enqueue", f"{label}: hand_out()") as step:
        count = sender.hand_out()
        tasks = client.llen(queue) - before
        step.details = {"ids": count, "tasks": tasks}
        step.result = f"{count:,} ids in {tasks:,} send_messages tasks"


def sweep_again_step(tag, label, day):
    """What beat runs every ten minutes once the day is planned and handed
    out: the whole plan again (nothing new) and a hand-out (nothing: leased
    for ENQUEUE_LEASE)."""
    from reminders.tasks import sweep_reminders

    before = table_counts()
    with measured(f"{tag}_sweep_again", f"{label}: sweep_reminders() again") as step:
        enqueued = sweep_reminders(day.isoformat())
        after = table_counts()
        added = (after[0] - before[0], after[1] - before[1])
        step.details = {"enqueued": enqueued, "added": added}
        step.result = (
            f"{added[0]:,} messages and {added[1]:,} items added, {enqueued:,} enqueued"
        )
        if added != (0, 0) or enqueued:
            step.result += " — EXPECTED NOTHING"


def settle_other_mail():
    """The seeding's other mail (the HR import's invitations) is not what is
    measured: as if sent before the launch day, so that the hand-outs here
    give out reminders only. Returns how many."""
    from django.utils import timezone

    from notifications.models import Notification
    from reminders.sending import REMINDER_KINDS

    return (
        Notification.objects.exclude(kind__in=REMINDER_KINDS)
        .exclude(status__in=[Notification.Status.SENT, Notification.Status.NOT_SENT])
        .update(status=Notification.Status.SENT, sent_at=timezone.now())
    )


def reset_handout():
    """Empty the broker and forget the hand-out, as if nothing was enqueued."""
    from notifications.models import Notification

    flush_broker()
    Notification.objects.update(enqueued_at=None)


def delete_reminders():
    """Every reminder message and item, in two statements."""
    from django.db import connection

    from notifications.models import Notification
    from reminders.models import NotificationItem
    from reminders.sending import REMINDER_KINDS

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {NotificationItem._meta.db_table}")  # noqa: S608
        cursor.execute(
            f"DELETE FROM {Notification._meta.db_table} WHERE kind = ANY(%s)",  # noqa: S608
            [[str(kind) for kind in REMINDER_KINDS]],
        )


def clear_rate_counter():
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match="kompetens:rate:*"):
        client.delete(key)


# --- The worker and delivery -------------------------------------------------------


class Worker:
    """`celery -A cms worker -c N --prefetch-multiplier 1`, logging to a file."""

    def __init__(self, smtp_port, concurrency, log_path):
        env = dict(os.environ)
        env.update(
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(ROOT), env.get("PYTHONPATH")])
            ),
            PYTHONUNBUFFERED="1",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="0",
        )
        env.pop("CELERY_BROKER_URL", None)  # the broker is REDIS_URL
        self.log_path = log_path
        self._log = open(log_path, "w")  # closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cms",
                "worker",
                "-c",
                str(concurrency),
                "--prefetch-multiplier",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"remind-bench-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        WORKER_PIDS.append(self.process.pid)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.tail()}")
            if re.search(r" ready\.\s*$", Path(self.log_path).read_text(), re.M):
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout} s:\n{self.tail()}")

    def tail(self, lines=40):
        return "\n".join(Path(self.log_path).read_text().splitlines()[-lines:])

    def cpu_seconds(self):
        total = cpu_time.cpu_seconds(self.process.pid)
        for child in cpu_time.children(self.process.pid):
            try:
                total += cpu_time.cpu_seconds(child)
            except FileNotFoundError:
                continue
        return total

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        with suppress(ValueError):
            WORKER_PIDS.remove(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                for child in cpu_time.children(self.process.pid):
                    try:
                        os.kill(int(child), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.process.kill()
                self.process.wait(10)
        self._log.close()


def broker_busy():
    import redis

    from cms.celery import app

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    return client.llen(app.conf.task_default_queue) + client.hlen("unacked")


def _keep_handed_out(ids):
    """Every reminder but `ids` marked as handed out just now, so that the
    hand-outs of a delivery step give out `ids` only (for ENQUEUE_LEASE:
    the marks are renewed before it ends)."""
    from django.utils import timezone

    from notifications.models import Notification

    Notification.objects.exclude(pk__in=ids).update(enqueued_at=timezone.now())


def deliver(name, label, ids, smtp, worker, rate_per_minute, timeout):
    """Hand out exactly `ids` (everything else is marked as handed out), again
    every minute as beat does (what the rate limit held back), and wait until
    each is sent or settled and the broker is empty. Measures from the start
    of the first hand-out to the last message at the SMTP server."""
    from django.db.models import Count

    from notifications import sender
    from notifications.models import Notification

    set_policy(rate_per_minute=rate_per_minute)
    clear_rate_counter()
    flush_broker()
    Notification.objects.filter(pk__in=ids).update(enqueued_at=None)
    _keep_handed_out(ids)
    gc.collect()
    first_arrival = smtp.count()
    cpu_worker, cpu_self = worker.cpu_seconds(), time.process_time()
    load_before = os.getloadavg()[0]
    started = time.time()
    enqueued = sender.hand_out()
    enqueue_seconds = time.time() - started
    next_hand_out = started + 60
    statuses = {}
    settled = ("sent", "not_sent", "failed")
    deadline = time.monotonic() + timeout
    timed_out = False
    progress_at = time.monotonic()
    polls = 0
    vanished_since = None
    while True:
        polls += 1
        if polls % 20 == 0:
            check_redis_is_ours()
        statuses = dict(
            Notification.objects.filter(pk__in=ids)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        done = sum(statuses.get(s, 0) for s in settled)
        busy = broker_busy()
        if done >= len(ids) and not busy:
            break
        if time.time() >= next_hand_out:  # beat's minute
            next_hand_out += 60
            _keep_handed_out(ids)
            enqueued += sender.hand_out()
            busy = broker_busy()
        if busy or statuses.get("sending"):
            vanished_since = None
        elif vanished_since is None:
            vanished_since = time.monotonic()
        elif time.monotonic() - vanished_since > 90:
            # Longer than a minute: what the rate limit held back waits for
            # the next hand-out, with nothing queued meanwhile.
            raise RuntimeError(
                f"{len(ids) - done:,} messages unsettled and nothing queued or "
                "running for 90 s: did another client consume or empty the broker?"
            )
        if not worker.alive():
            raise RuntimeError(f"worker died:\n{worker.tail()}")
        if time.monotonic() > deadline:
            timed_out = True
            break
        if time.monotonic() - progress_at > 15:
            progress_at = time.monotonic()
            print(
                f"    … {done:,}/{len(ids):,} settled, "
                f"{smtp.count() - first_arrival:,} at the SMTP server",
                flush=True,
            )
        time.sleep(0.25)
    finished = time.time()
    cpu_worker = worker.cpu_seconds() - cpu_worker
    cpu_self = time.process_time() - cpu_self
    arrivals = smtp.since(first_arrival)
    received = len(arrivals)
    last = max((a[0] for a in arrivals), default=started)
    elapsed = last - started
    ids_seen = [a[1] for a in arrivals]
    per_minute = Counter(int(a[0] // 60) for a in arrivals)
    times = sorted(a[0] for a in arrivals)
    sliding = 0
    j = 0
    for i, t in enumerate(times):  # the most in any 60 s
        while times[j] <= t - 60:
            j += 1
        sliding = max(sliding, i - j + 1)
    sent_rows = statuses.get("sent", 0)
    result = {
        "name": name,
        "label": label,
        "messages": len(ids),
        "enqueued": enqueued,
        "enqueue_seconds": round(enqueue_seconds, 2),
        "received": received,
        "statuses": statuses,
        "seconds_to_last": round(elapsed, 1),
        "seconds_to_settled": round(finished - started, 1),
        "per_second": round(received / elapsed, 1) if elapsed > 0 else 0,
        "per_minute_by_clock": [per_minute[k] for k in sorted(per_minute)],
        "max_in_any_60s": sliding,
        "rate_per_minute": rate_per_minute,
        "duplicates": len(ids_seen) - len(set(ids_seen)),
        "received_not_marked_sent": received - sent_rows,
        "bytes_mean": round(sum(a[2] for a in arrivals) / received) if received else 0,
        "bytes_max": max((a[2] for a in arrivals), default=0),
        "worker_cpu_seconds": round(cpu_worker, 1),
        "worker_cpu_ms_per_message": round(1000 * cpu_worker / received, 1)
        if received
        else 0,
        "bench_process_cpu_seconds": round(cpu_self, 1),
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
        "timed_out": timed_out,
    }
    DELIVERIES.append(result)
    per_min = ", ".join(f"{n:,}" for n in result["per_minute_by_clock"])
    print(
        f"  {label:<58} {received:,} received in {elapsed:.1f} s = "
        f"{result['per_second']:.1f}/s; statuses {statuses}; worker CPU "
        f"{result['worker_cpu_ms_per_message']} ms/message; per clock minute "
        f"[{per_min}], max in any 60 s {sliding:,}"
        + (" — TIMED OUT" if timed_out else ""),
        flush=True,
    )
    return result


def _log_minutes(text, *patterns):
    """How many worker log lines contain all `patterns`, per minute of the
    log's timestamps."""
    counts = Counter()
    for line in text.splitlines():
        if all(pattern in line for pattern in patterns):
            found = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d)", line)
            if found:
                counts[found.group(1)] += 1
    return counts


def backlog(smtp, worker, minutes, rate):
    """The digest day's backlog at the shipped rate_per_minute, handed out
    every minute as beat does (at most `rate` a hand-out), watched for
    `minutes`: messages per clock minute, send_messages runs per minute
    (and those that found the minute's tokens spent and put the rest back),
    what the worker holds. Then hand-outs as if ENQUEUE_LEASE had passed
    since the last (`now` moved on: every row handed out and not yet sent is
    handed out again, as after a lost task), watched as long again."""
    from django.utils import timezone

    from notifications import sender
    from notifications.models import Notification

    set_policy(rate_per_minute=rate)
    clear_rate_counter()
    flush_broker()
    Notification.objects.update(enqueued_at=None)
    first = _watch_backlog(
        smtp,
        worker,
        minutes,
        rate,
        "digest day: handed out every minute",
        lambda: sender.hand_out(),
    )
    ahead = sender.ENQUEUE_LEASE + timedelta(minutes=1)
    second = _watch_backlog(
        smtp,
        worker,
        minutes,
        rate,
        f"… hand-outs {ahead.total_seconds() / 60:.0f} minutes ahead (the lease "
        "passed): what was handed out and not sent goes again",
        lambda: sender.hand_out(now=timezone.now() + ahead),
    )
    return first, second


def _watch_backlog(smtp, worker, minutes, rate, label, hand_out):
    """Run `hand_out` now and every minute for `minutes`, and watch."""
    import redis

    from cms.celery import app
    from notifications import sender

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    log_offset = len(Path(worker.log_path).read_text())
    first_arrival = smtp.count()
    cpu_worker = worker.cpu_seconds()
    started = time.time()
    enqueued = hand_out()
    tasks = -(-enqueued // sender.SEND_CHUNK)
    enqueue_seconds = time.time() - started
    next_hand_out = started + 60
    samples = []
    while time.time() < started + 60 * minutes:
        if not worker.alive():
            raise RuntimeError(f"worker died:\n{worker.tail()}")
        check_redis_is_ours()
        if time.time() >= next_hand_out:  # beat's minute
            next_hand_out += 60
            handed = hand_out()
            enqueued += handed
            tasks += -(-handed // sender.SEND_CHUNK)
        samples.append(
            (
                round(time.time() - started),
                client.llen(app.conf.task_default_queue),
                client.hlen("unacked"),
            )
        )
        time.sleep(5)
    cpu_worker = worker.cpu_seconds() - cpu_worker
    arrivals = smtp.since(first_arrival)
    log = Path(worker.log_path).read_text()[log_offset:]
    runs = _log_minutes(log, "notifications.send_messages[", "succeeded")
    limited = _log_minutes(log, "notifications.send_messages[", "'rate limited'")
    per_minute = Counter(int(a[0] // 60) for a in arrivals)
    result = {
        "label": label,
        "minutes": minutes,
        "rate_per_minute": rate,
        "enqueued": enqueued,
        "tasks": tasks,
        "enqueue_seconds": round(enqueue_seconds, 1),
        "received": len(arrivals),
        "per_minute_by_clock": [per_minute[k] for k in sorted(per_minute)],
        "task_runs_per_minute": [runs[k] for k in sorted(runs)],
        "rate_limited_per_minute": [limited[k] for k in sorted(limited)],
        "max_unacked": max((s[2] for s in samples), default=0),
        "queue_and_unacked": samples,
        "worker_cpu_seconds": round(cpu_worker, 1),
    }
    BACKLOG.append(result)
    print(
        f"  {label}: {enqueued:,} ids at {rate}/minute, watched {minutes} minutes: "
        f"{len(arrivals):,} sent, per clock minute "
        f"{result['per_minute_by_clock']}; send_messages runs per minute "
        f"{result['task_runs_per_minute']}, of which put back (rate limited) "
        f"{result['rate_limited_per_minute']}; at most "
        f"{result['max_unacked']:,} tasks held by the worker; worker CPU "
        f"{cpu_worker:.0f} s",
        flush=True,
    )
    return result


def send_in_process(label, ids, name="send"):
    """send_one() in this process, to the local SMTP server."""
    from notifications.sender import send_one

    with measured(name, label) as step:
        started = time.perf_counter()
        outcomes = Counter(send_one(pk) for pk in ids)
        per = (time.perf_counter() - started) / max(1, len(ids))
        step.details = {"messages": len(ids), "outcomes": dict(outcomes)}
        step.result = (
            f"{_fmt_counts(dict(outcomes))}; {1000 * per:.1f} ms and "
            f"{step.queries / max(1, len(ids)):.1f} queries per message"
        )
    return step


# --- Report ------------------------------------------------------------------------


def steps_table(steps):
    lines = [
        "| step | result | seconds | of which SQL | queries | writes | peak RSS |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in steps:
        result = s.result if not s.error else f"**ERROR** {s.error}"
        lines.append(
            f"| {s.label} | {result} | {s.seconds:.1f} | {s.sql_seconds:.1f} | "
            f"{s.queries:,} | {s.writes:,} | {s.peak_rss_mb:,.0f} MB |"
        )
    return "\n".join(lines)


def backlog_table(backlog):
    lines = [
        "| backlog | handed out | rate_per_minute | sent per clock minute | "
        "send_messages runs per minute | of which rate-limited, put back | "
        "most tasks held by the worker | worker CPU |",
        "| --- | ---: | ---: | --- | --- | --- | ---: | ---: |",
    ]
    for b in backlog:
        lines.append(
            f"| {b['label']} | {b['enqueued']:,} ids in {b['tasks']:,} tasks "
            f"| {b['rate_per_minute']} "
            f"| {', '.join(f'{n:,}' for n in b['per_minute_by_clock'])} "
            f"| {', '.join(f'{n:,}' for n in b['task_runs_per_minute'])} "
            f"| {', '.join(f'{n:,}' for n in b['rate_limited_per_minute'])} "
            f"| {b['max_unacked']:,} | {b['worker_cpu_seconds']:.0f} s "
            f"in {b['minutes']} min |"
        )
    return "\n".join(lines)


def delivery_table(deliveries):
    lines = [
        "| delivery | messages | at SMTP | not sent (no email etc.) | "
        "enqueue | to last at SMTP | messages/s | per clock minute | max in any 60 s "
        "| worker CPU/message | mean / largest email |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for d in deliveries:
        lines.append(
            f"| {d['label']} | {d['messages']:,} | {d['received']:,} | "
            f"{d['statuses'].get('not_sent', 0):,} | {d['enqueue_seconds']:.1f} s | "
            f"{d['seconds_to_last']:.1f} s | {d['per_second']:.1f} | "
            + ", ".join(f"{n:,}" for n in d["per_minute_by_clock"])
            + f" | {d['max_in_any_60s']:,} | {d['worker_cpu_ms_per_message']} ms | "
            f"{d['bytes_mean'] / 1e3:.1f} / {d['bytes_max'] / 1e3:.0f} kB |"
        )
    return "\n".join(lines)


# --- Main --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=40000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=5000, help="delivery sample")
    parser.add_argument(
        "--rate-sample", type=int, default=1800, help="messages at 600/minute"
    )
    parser.add_argument("--rate", type=int, default=600, help="rate_per_minute")
    parser.add_argument("--digest-sample", type=int, default=2000)
    parser.add_argument(
        "--backlog-minutes",
        type=int,
        default=3,
        help="watch the whole digest day handed out at 120/minute this long (0: no)",
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--no-delivery", action="store_true", help="skip the worker and SMTP steps"
    )
    parser.add_argument("--reseed", action="store_true", help="ignore the dump")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="STEP",
        help="run this step under cProfile (normal_plan, normal_store, send, …)",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards"
    )
    args = parser.parse_args()
    PROFILE.update(args.profile)
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    if not name.startswith("kompetens_bench"):
        sys.exit(f"Refusing to use {name!r}: its name must start with kompetens_bench")

    try:
        check_redis_is_ours()
    except RedisInUse as error:
        sys.exit(str(error))
    smtp = smtp_server_class()()
    smtp.start()
    # The in-process sends go to the same server as the worker's.
    os.environ["EMAIL_HOST"] = "127.0.0.1"
    os.environ["EMAIL_PORT"] = str(smtp.port)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    flush_broker()
    try:
        return run(args, name, smtp)
    finally:
        from django.db import connections

        connections.close_all()
        try:
            flush_broker()
        except RedisInUse as error:
            print(f"!! Redis not emptied: {error}", flush=True)
        except Exception:  # noqa: BLE001 - Redis gone: nothing to empty
            print("!! Redis not reachable: not emptied", flush=True)
        if not args.keep_db:
            drop_database(os.environ["DATABASE_URL"])
        if smtp:
            smtp.stop()
        shutil.rmtree(_WORK, ignore_errors=True)
        shutil.rmtree(assignments._WORK, ignore_errors=True)


def run(args, db_name, smtp):
    load_before = os.getloadavg()[0]
    day, how = prepare_database(args)
    print(f"Database {db_name}: {how}; planning for {day} ({day:%A})", flush=True)

    from django.core.cache import cache
    from django.db.models import Count

    from assignments.models import Assignment
    from notifications import sender
    from notifications.models import Notification
    from organisation.models import StaffProfile
    from reminders.sending import REMINDER_KINDS

    contact = hr_contact()
    worker = None
    try:
        print("\nSetup", flush=True)
        with measured("setup_due", "setup: due dates of open assignments") as step:
            due = set_due_dates(day)
            step.details = due
            step.result = (
                f"{due['open']:,} open: {due['overdue']:,} overdue "
                f"({100 * due['overdue'] / due['open']:.1f} %, {due['teams_overdue']} "
                f"teams), {due['within_14_days']:,} within 14 days "
                f"({100 * due['within_14_days'] / due['open']:.1f} %)"
            )
            settled = settle_other_mail()
            step.details["other_mail_settled"] = settled
            step.result += f"; {settled:,} other messages (invitations) settled"

        print(f"\nAn ordinary day, {day} (nothing sent before)", flush=True)
        base_policy(day, contact, digest_day=False)
        plan_and_store("normal", "ordinary day", day, None)
        enqueue_step("normal", "ordinary day")
        sweep_again_step("normal", "ordinary day", day)
        reset_handout()

        pending = list(
            Notification.objects.filter(
                kind__in=REMINDER_KINDS, status=Notification.Status.PENDING
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sample = pending[: args.sample]
        rate_sample = pending[args.sample : args.sample + args.rate_sample]
        # The message with the most items (the HR contact's): sent in-process
        # at the end, again if the worker sent it already.
        largest = (
            Notification.objects.filter(kind__in=REMINDER_KINDS)
            .annotate(n=Count("items"))
            .order_by("-n")
            .values_list("pk", "n")
            .first()
        )
        in_process = [
            pk
            for pk in pending[args.sample + args.rate_sample :][:201]
            if pk != largest[0]
        ][:200]

        if not args.no_delivery:
            print(
                f"\nDelivery: SMTP server on 127.0.0.1:{smtp.port}, "
                f"celery worker -c {args.concurrency}",
                flush=True,
            )
            RESULTS.mkdir(exist_ok=True)
            worker = Worker(
                smtp.port, args.concurrency, RESULTS / "reminders-worker.log"
            )
            worker.wait_ready()
            deliver(
                "normal_delivery",
                f"ordinary day: first {len(sample):,} messages, no rate limit",
                sample,
                smtp,
                worker,
                UNLIMITED,
                timeout=max(900, len(sample)),
            )
            deliver(
                "normal_rate",
                f"ordinary day: next {len(rate_sample):,}, rate_per_minute={args.rate}",
                rate_sample,
                smtp,
                worker,
                args.rate,
                timeout=120 + 60 * (len(rate_sample) // args.rate + 2),
            )
            worker.stop()
            worker = None
            set_policy(rate_per_minute=UNLIMITED)
            reset_handout()

        print("\nOne message at a time, in-process", flush=True)
        send_in_process(
            f"send_one() in-process, {len(in_process)} messages",
            in_process,
        )
        Notification.objects.filter(pk=largest[0]).update(
            status=Notification.Status.PENDING, attempts=0, next_attempt_at=None
        )
        # Sent by the worker already, perhaps: forget that the relay took it,
        # or send_one would only mark it sent again.
        cache.delete(sender._accepted_key(largest[0]))
        send_in_process(
            f"send_one() in-process, the largest ({largest[1]:,} items)",
            [largest[0]],
            name="send_largest",
        )
        size = smtp.since(smtp.count() - 1)[0][2] if smtp.count() else 0
        STEPS[-1].result += f"; the email is {size / 1e6:.2f} MB"
        STEPS[-1].details["bytes"] = size
        print(f"    (the largest email: {size / 1e6:.2f} MB)", flush=True)

        print(
            f"\nThe next day, {day + timedelta(days=1)}, after the first was sent",
            flush=True,
        )
        Notification.objects.filter(kind__in=REMINDER_KINDS).update(
            status=Notification.Status.SENT, attempts=1
        )
        next_day = day + timedelta(days=1)
        plan_and_store("next", "next day (steady state)", next_day, None)
        enqueue_step("next", "next day (steady state)")
        sweep_again_step("next", "next day (steady state)", next_day)
        reset_handout()

        print(f"\nDigest day: {day} as the digests' weekday, from scratch", flush=True)
        delete_reminders()
        base_policy(day, contact, digest_day=True)
        plan_and_store("digest", "digest day", day, None)
        enqueue_step("digest", "digest day")
        sweep_again_step("digest", "digest day", day)
        reset_handout()
        if not args.no_delivery and (args.digest_sample or args.backlog_minutes):
            digests = list(
                Notification.objects.filter(kind=Notification.Kind.DIGEST)
                .order_by("pk")
                .values_list("pk", flat=True)[: args.digest_sample]
            )
            worker = Worker(
                smtp.port, args.concurrency, RESULTS / "reminders-worker-digest.log"
            )
            worker.wait_ready()
            if digests:
                deliver(
                    "digest_delivery",
                    f"digest day: first {len(digests):,} digests, no rate limit",
                    digests,
                    smtp,
                    worker,
                    UNLIMITED,
                    timeout=max(900, len(digests)),
                )
            if args.backlog_minutes:
                backlog(smtp, worker, args.backlog_minutes, 120)
            worker.stop()
            worker = None
    finally:
        if worker:
            worker.stop()

    totals = {
        "assignments": Assignment.objects.count(),
        "open": Assignment.objects.filter(state="open").count(),
        "active_staff": StaffProfile.objects.filter(user__is_active=True).count(),
    }
    now = datetime.now().astimezone()
    header = (
        f"Run of {now:%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after; database "
        f"{how}; {totals['active_staff']:,} active staff, "
        f"{totals['assignments']:,} assignments ({totals['open']:,} open); "
        f"planned for {day} ({day:%A})."
    )
    checks = []
    for s in STEPS:
        if s.name.endswith("_sweep_again") and (
            s.details.get("added") != (0, 0) or s.details.get("enqueued")
        ):
            checks.append(f"{s.label}: expected nothing, got {s.details}")
    for d in DELIVERIES:
        if d["duplicates"] or d["received_not_marked_sent"] or d["timed_out"]:
            checks.append(
                f"{d['label']}: {d['duplicates']} duplicate Message-IDs, "
                f"{d['received_not_marked_sent']} received but not marked sent, "
                f"timed out: {d['timed_out']}"
            )
        if (
            d["rate_per_minute"] < UNLIMITED
            and max(d["per_minute_by_clock"], default=0) > d["rate_per_minute"]
        ):
            checks.append(f"{d['label']}: more than {d['rate_per_minute']} in a minute")
    report = "\n".join(
        [
            header,
            "",
            steps_table(STEPS),
            "",
            delivery_table(DELIVERIES) if DELIVERIES else "(no delivery steps)",
            "",
            *([backlog_table(BACKLOG), ""] if BACKLOG else []),
            *(f"- CHECK FAILED: {c}" for c in checks),
            *(["- checks passed"] if not checks else []),
        ]
    )
    print("\n" + report)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reminders-latest.md").write_text(report + "\n")
    (RESULTS / f"reminders-{stamp}.md").write_text(report + "\n")
    data = json.dumps(
        {
            "header": header,
            "checks": checks,
            "totals": totals,
            "steps": [asdict(s) for s in STEPS],
            "deliveries": DELIVERIES,
            "backlog": BACKLOG,
        },
        indent=1,
        default=str,
    )
    (RESULTS / "reminders-latest.json").write_text(data)
    (RESULTS / f"reminders-{stamp}.json").write_text(data)
    return 1 if checks or any(s.error for s in STEPS) else 0


if __name__ == "__main__":
    sys.exit(main())
