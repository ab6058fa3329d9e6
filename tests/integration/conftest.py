"""Fixtures for integration tests: a real SMTP server, a real Celery worker
process on the real Redis, reading the test database pytest-django created,
and a real Ralph LRS (tests/ralph_lrs.py).

Nothing here skips: without Redis, PostgreSQL, Celery or .venv-ralph the tests
fail.
"""

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu import pools

from tests.integration import LocalSmtpServer, running_smtp_server
from tests.ralph_lrs import RalphLRS

REPO_ROOT = Path(__file__).resolve().parents[2]
# Redis DB used by the integration tests only; flushed before each worker start.
INTEGRATION_REDIS_DB = 14
WORKER_READY_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 15.0
# Concurrent test runs take turns on the integration DB, test by test.
INTEGRATION_LOCK_WAIT = 600
INTEGRATION_LOCK_EXPIRES = 600  # a test holding it longer has hung

_reports = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures know in their teardown whether the test failed.
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _test_failed(request) -> bool:
    reports = request.node.stash.get(_reports, {})
    return any(report.failed for report in reports.values())


@pytest.fixture
def smtp_server() -> LocalSmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port.

    ``.port``, ``.messages`` (every envelope received: mail_from, rcpt_tos and
    the raw bytes) and ``.wait_for(count, timeout)``.
    """
    with running_smtp_server() as server:
        yield server


def integration_redis_url() -> str:
    """The Redis of REDIS_URL, but its own DB number (or
    KOMPETENS_INTEGRATION_REDIS_URL)."""
    explicit = os.environ.get("KOMPETENS_INTEGRATION_REDIS_URL")
    if explicit:
        return explicit
    base = urlsplit(settings.REDIS_URL or "redis://127.0.0.1:6379/15")
    # Under pytest-xdist each worker (gw0, gw1, ...) has a DB of its own, 14,
    # 13, ..., so the workers' integration tests run side by side instead of
    # taking turns on one broker.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    database = INTEGRATION_REDIS_DB - int(worker.removeprefix("gw") or 0)
    return urlunsplit((base.scheme, base.netloc, f"/{database}", "", ""))


def _worker_database_url() -> str:
    """DATABASE_URL for the worker: the test run's server and credentials, and
    the database pytest-django created (test_kompetens, or a reused one)."""
    if connection.vendor != "postgresql":
        pytest.fail(f"Integration tests need PostgreSQL, not {connection.vendor}.")
    name = connection.settings_dict["NAME"]
    # cms.settings.test puts its default into os.environ, so this is always set.
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


class CeleryWorkerProcess:
    """A running ``celery -A cms worker`` and its captured log."""

    READY = re.compile(r" ready\.\s*$")

    def __init__(self, process, broker_url, queue, redis_client):
        self.process = process
        self.broker_url = broker_url
        self.queue = queue
        self.redis = redis_client
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self._lock:
                self._lines.append(line)
            if self.READY.search(line):
                self.ready.set()

    @property
    def log(self) -> str:
        with self._lock:
            return "".join(self._lines)

    def task_results(self, task_name: str) -> list[str]:
        """What the worker logged each `task_name` as returning (repr strings)."""
        pattern = re.compile(
            rf"Task {re.escape(task_name)}\[[^\]]+\] succeeded in [\d.e-]+s: (.*)$",
            re.MULTILINE,
        )
        return pattern.findall(self.log)

    def wait_for_exit(self, timeout: float = 30.0) -> int:
        """The exit code once the process has ended (-9: killed by SIGKILL)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"celery worker still running after {timeout} s:\n{self.log}"
            ) from None

    def wait_for_task_results(
        self, task_name: str, count: int, timeout: float = 30.0
    ) -> list[str]:
        """Poll until `task_name` has finished `count` times; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            results = self.task_results(task_name)
            if len(results) >= count:
                return results
            self.assert_alive()
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{task_name} finished {len(results)} time(s) within "
                    f"{timeout} s, expected {count}:\n{self.log}"
                )
            time.sleep(0.05)

    def assert_alive(self):
        if self.process.poll() is not None:
            raise AssertionError(
                f"celery worker exited with {self.process.returncode}:\n{self.log}"
            )

    def pending(self) -> int:
        """Messages waiting in the queue plus messages taken but not yet acked
        (tasks run with acks_late, so a running task counts until it is done)."""
        queued = sum(
            self.redis.llen(key)
            for key in self.redis.scan_iter(match=f"{self.queue}*")
            if self.redis.type(key) == b"list"
        )
        return queued + self.redis.hlen("unacked")

    def wait_until_idle(self, timeout: float = 20.0, settle: float = 1.0) -> None:
        """Wait until nothing is queued or running and it stays so for `settle` s."""
        deadline = time.monotonic() + timeout
        idle_since = None
        while time.monotonic() < deadline:
            self.assert_alive()
            if self.pending() == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= settle:
                    return
            else:
                idle_since = None
            time.sleep(0.05)
        raise AssertionError(
            f"celery worker still busy after {timeout} s "
            f"({self.pending()} message(s) pending):\n{self.log}"
        )

    def children(self) -> list[int]:
        """The pids of the worker's pool processes (prefork)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_all(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a power cut
        or an OOM kill of the container would."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(WORKER_STOP_TIMEOUT)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(WORKER_STOP_TIMEOUT)
        try:  # pool processes left behind by a killed master
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._reader.join(5)


def _forget_broker_connections(app):
    """Drop every cached broker connection and producer pool, so the next
    publish connects to the broker_url configured now."""
    pools.reset()
    pools.producers.clear()
    pools.connections.clear()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _require_worker_prerequisites(fixture_name):
    """Fail (never skip) unless a real worker can share this test's data."""
    from cms.celery import app
    from notifications.tasks import send_messages

    if not hasattr(connection, "_test_serialized_contents"):
        pytest.fail(
            f"{fixture_name} needs serialized rollback: use "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True) "
            "or no django_db marker at all."
        )
    if importlib.util.find_spec("celery") is None:
        pytest.fail("The celery package is not installed in this interpreter.")
    if send_messages.app is not app:
        pytest.fail("The delivery log's tasks are not bound to cms.celery.app.")
    return app


@contextmanager
def _taking_turns_on(broker_url):
    """Hold the integration Redis DB for one test. Test runs started at the
    same time on one machine (several people in one working tree) would
    otherwise flush each other's queues and run each other's tasks on their
    workers against the wrong test database: they take turns, test by test.
    The lock lives in REDIS_URL's DB, which no test flushes."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
    lock = client.lock(
        f"kompetens:integration-tests:{broker_url}",
        timeout=INTEGRATION_LOCK_EXPIRES,
        blocking_timeout=INTEGRATION_LOCK_WAIT,
    )
    try:
        acquired = lock.acquire()
    except redis.RedisError as error:
        client.close()
        pytest.fail(f"Redis at {settings.REDIS_URL} is not usable: {error!r}")
    if not acquired:
        client.close()
        pytest.fail(
            f"Another test run held {broker_url} for over {INTEGRATION_LOCK_WAIT} s; "
            "set KOMPETENS_INTEGRATION_REDIS_URL to a Redis DB of your own."
        )
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            pass  # expired: this test outlived INTEGRATION_LOCK_EXPIRES
        client.close()


@contextmanager
def _fresh_integration_broker():
    """The integration Redis DB, held for this test and flushed before and
    after it: (broker_url, client)."""
    broker_url = integration_redis_url()
    if broker_url.rstrip("/") == (settings.REDIS_URL or "").rstrip("/"):
        pytest.fail(f"The integration Redis DB must not be REDIS_URL ({broker_url}).")
    with _taking_turns_on(broker_url):
        redis_client = redis.Redis.from_url(broker_url, socket_connect_timeout=3)
        try:
            redis_client.flushdb()  # only the integration DB
        except redis.RedisError as error:
            pytest.fail(f"Redis at {broker_url} is not usable: {error!r}")
        try:
            yield broker_url, redis_client
        finally:
            redis_client.flushdb()
            redis_client.close()


def _worker_env(broker_url, smtp_server, extra=None):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])
        ),
        PYTHONUNBUFFERED="1",
        KOMPETENS_CELERY_EAGER="0",
        DATABASE_URL=_worker_database_url(),
        # Close the worker's connections after each task: nothing may hold the
        # test database when pytest-django drops it.
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=broker_url,
        CELERY_BROKER_URL=broker_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=str(smtp_server.port),
        EMAIL_TIMEOUT="5",
        EMAIL_USE_TLS="0",
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        # The cache in the broker's Redis, as in production: the delivery
        # log notes there what the relay accepted, shared by every worker.
        KOMPETENS_REDIS_CACHE="1",
    )
    env.update(extra or {})
    return env


def _worker_arguments(queue, pool="solo", concurrency=1):
    return [
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        queue,
        "--loglevel=INFO",
        "-n",
        f"integration-{uuid.uuid4().hex[:8]}@%h",
    ]


class CeleryBeatProcess(CeleryWorkerProcess):
    """A running ``celery -A cms beat``: it only publishes."""

    READY = re.compile(r"beat: Starting\.\.\.")

    def sent(self, task_name: str) -> int:
        """How many times it sent `task_name`."""
        return self.log.count(f"({task_name})")


def _spawn_worker(command, env, broker_url, queue, redis_client, kind=None):
    """Start the worker process and wait until it is ready (or fail)."""
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,  # its own process group: kill_all()
    )
    worker = (kind or CeleryWorkerProcess)(process, broker_url, queue, redis_client)
    deadline = time.monotonic() + WORKER_READY_TIMEOUT
    while not worker.ready.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            pytest.fail(
                f"celery worker did not become ready (exit code {process.poll()}):"
                f"\n{worker.log}"
            )
    return worker


@contextmanager
def _publishing_to(app, broker_url, monkeypatch):
    """This process publishes to the worker's broker, for real."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)  # Celery prefers it
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    _forget_broker_connections(app)
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        yield
    finally:
        _forget_broker_connections(app)
        app.conf.update(saved)


def _print_worker_log(worker, label="celery worker"):
    print(  # noqa: T201 - shown under the failed test in CI
        f"\n----- {label} log (exit code {worker.process.returncode}) -----\n"
        f"{worker.log}",
        file=sys.stderr,
    )


@pytest.fixture
def celery_worker_process(
    request, transactional_db, django_db_serialized_rollback, smtp_server, monkeypatch
) -> CeleryWorkerProcess:
    """A real Celery worker process on a dedicated Redis DB, sending mail to
    `smtp_server`, with this test process enqueuing to the same broker.

    Tests using it are transactional (their writes are committed, so the worker
    sees them) with serialized rollback: the flush after the test would
    otherwise leave later tests without Wagtail's root page and locale.
    """
    app = _require_worker_prerequisites("celery_worker_process")
    queue = app.conf.task_default_queue
    command = [sys.executable, "-m", "celery", "-A", "cms", *_worker_arguments(queue)]
    with _fresh_integration_broker() as (broker_url, redis_client):
        worker = _spawn_worker(
            command,
            _worker_env(broker_url, smtp_server),
            broker_url,
            queue,
            redis_client,
        )
        try:
            with _publishing_to(app, broker_url, monkeypatch):
                yield worker
        finally:
            worker.stop()
            if _test_failed(request):
                _print_worker_log(worker)


# --- Several workers, restarts and test-only settings ------------------------

# Runs `celery worker` like `celery -A cms worker` does, after applying the
# overrides in KOMPETENS_TEST_WORKER_OVERRIDES inside the worker process:
# - "broker_transport_options": merged into app.conf (a short visibility
#   timeout, so a killed worker's unacknowledged task comes back in seconds);
# - "module_attributes": {"module.NAME": value} set on imported modules (a
#   timedelta attribute takes seconds). A name that does not exist fails the
#   worker's start, so a renamed constant cannot silently stop applying.
_WORKER_BOOTSTRAP = """
import datetime, importlib, json, os, sys
import django
django.setup()
from cms.celery import app
overrides = json.loads(os.environ["KOMPETENS_TEST_WORKER_OVERRIDES"])
options = overrides.get("broker_transport_options")
if options:
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}), **options
    }
for dotted, value in overrides.get("module_attributes", {}).items():
    module_name, _, name = dotted.rpartition(".")
    module = importlib.import_module(module_name)
    current = getattr(module, name)
    if isinstance(current, datetime.timedelta):
        value = datetime.timedelta(seconds=value)
    elif type(current) is not type(value):
        raise TypeError(f"{dotted} is {current!r}, not like {value!r}")
    setattr(module, name, value)
print("integration worker overrides:", json.dumps(overrides), flush=True)
app.worker_main(sys.argv[1:])
"""


class CeleryWorkers:
    """Starts real workers on one integration broker: several at once, with
    extra environment (KOMPETENS_CRASH_AT, ...), broker transport options or
    module constants for the test, and restarts with the same configuration."""

    def __init__(self, app, broker_url, redis_client, smtp_server):
        self.app = app
        self.broker_url = broker_url
        self.redis = redis_client
        self.queue = app.conf.task_default_queue
        self.smtp_server = smtp_server
        self.started: list[CeleryWorkerProcess] = []

    def start(
        self,
        *,
        env=None,
        transport_options=None,
        module_attributes=None,
        pool="solo",
        concurrency=1,
    ) -> CeleryWorkerProcess:
        """A worker: `pool="prefork"` for a master process and `concurrency`
        child processes (`.children()`), as in production."""
        overrides = {}
        if transport_options:
            overrides["broker_transport_options"] = dict(transport_options)
        if module_attributes:
            overrides["module_attributes"] = dict(module_attributes)
        extra_env = dict(env or {})
        if overrides:
            extra_env["KOMPETENS_TEST_WORKER_OVERRIDES"] = json.dumps(overrides)
            launcher = [sys.executable, "-c", _WORKER_BOOTSTRAP]
        else:
            launcher = [sys.executable, "-m", "celery", "-A", "cms"]
        return self._launch(launcher, extra_env, (pool, concurrency))

    def _launch(self, launcher, extra_env, pool):
        worker = _spawn_worker(
            [*launcher, *_worker_arguments(self.queue, *pool)],
            _worker_env(self.broker_url, self.smtp_server, extra_env),
            self.broker_url,
            self.queue,
            self.redis,
        )
        worker.launcher, worker.extra_env, worker.pool = launcher, extra_env, pool
        self.started.append(worker)
        return worker

    def restart(self, worker: CeleryWorkerProcess) -> CeleryWorkerProcess:
        """A new worker process configured as `worker` was, on the same
        broker (its unacknowledged tasks stay there). A live `worker` is shut
        down warm first."""
        worker.stop()
        return self._launch(worker.launcher, worker.extra_env, worker.pool)

    def start_beat(self, tmp_path, *, every_seconds=1.0) -> CeleryBeatProcess:
        """A real beat process whose every entry runs each `every_seconds`
        (cms.settings.test, KOMPETENS_BEAT_EVERY_SECONDS), with a schedule
        file of its own: start two for two beats."""
        number = sum(isinstance(w, CeleryBeatProcess) for w in self.started) + 1
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "beat",
            "--loglevel=INFO",
            "-s",
            str(tmp_path / f"beat-{number}-schedule"),
            "--pidfile",
            str(tmp_path / f"beat-{number}.pid"),
        ]
        env = _worker_env(
            self.broker_url,
            self.smtp_server,
            {"KOMPETENS_BEAT_EVERY_SECONDS": str(every_seconds)},
        )
        beat = _spawn_worker(
            command, env, self.broker_url, self.queue, self.redis, CeleryBeatProcess
        )
        self.started.append(beat)
        return beat

    def stop_all(self):
        """Warm shutdown of all at once (each may wait for its running task)."""
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in self.started:
            worker.stop()


@pytest.fixture
def celery_workers(
    request, transactional_db, django_db_serialized_rollback, smtp_server, monkeypatch
) -> CeleryWorkers:
    """Real Celery worker processes started by the test (``.start(env=...,
    transport_options=..., module_attributes=...)``, ``.restart(worker)``) on
    a dedicated, flushed Redis DB, sending mail to `smtp_server`; this test
    process publishes to the same broker. Transactional with serialized
    rollback, as `celery_worker_process`."""
    app = _require_worker_prerequisites("celery_workers")
    with _fresh_integration_broker() as (broker_url, redis_client):
        workers = CeleryWorkers(app, broker_url, redis_client, smtp_server)
        try:
            with _publishing_to(app, broker_url, monkeypatch):
                yield workers
        finally:
            workers.stop_all()
            if _test_failed(request):
                for number, worker in enumerate(workers.started, 1):
                    _print_worker_log(worker, f"celery worker #{number}")


class PrivateRedis:
    """A redis-server of the test's own, on a free port, without persistence:
    `.kill()` (SIGKILL) and `.start()` again on the same port bring it back
    empty, as a broker restarted after a crash does."""

    def __init__(self, directory: Path):
        from tests.ralph_lrs import free_port

        self.directory = directory
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server on {self.port} did not start")
                time.sleep(0.05)
        client.close()
        return self

    def kill(self):
        self.process.kill()
        self.process.wait(10)

    def client(self):
        return redis.Redis.from_url(self.url, socket_connect_timeout=3)


@pytest.fixture
def broker_celery_workers(
    request,
    transactional_db,
    django_db_serialized_rollback,
    smtp_server,
    monkeypatch,
    tmp_path,
):
    """(workers, broker): like `celery_workers`, on a Redis of the test's own
    that the test may kill and start again empty (`broker.kill()`,
    `broker.start()`)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server).")
    app = _require_worker_prerequisites("broker_celery_workers")
    broker = PrivateRedis(tmp_path).start()
    client = broker.client()
    workers = CeleryWorkers(app, broker.url, client, smtp_server)
    try:
        with _publishing_to(app, broker.url, monkeypatch):
            yield workers, broker
    finally:
        workers.stop_all()
        if _test_failed(request):
            for number, worker in enumerate(workers.started, 1):
                _print_worker_log(worker, f"celery process #{number}")
        client.close()
        if broker.process.poll() is None:
            broker.kill()


# --- Ralph LRS ----------------------------------------------------------------


def _print_ralph_log(lrs: RalphLRS):
    print(  # noqa: T201 - shown under the failed test in CI
        f"\n----- Ralph LRS log ({lrs.log_file}) -----\n{lrs.log(tail=200)}",
        file=sys.stderr,
    )


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory) -> RalphLRS:
    """A real Ralph LRS for the whole test run, started once (about 1 s), on
    127.0.0.1 and a free port, in a directory of its own: ``.url`` (the xAPI
    base, ending in "/xAPI/"), ``.statements_url``, ``.username``,
    ``.password``, ``.headers()``; what it stored with ``.statement_ids()``,
    ``.statements()`` and ``.raw_lines()``.

    Shared by every test that uses it, so a test sees earlier tests'
    statements: use new statement ids, and compare with what was there before.
    Do not stop it; a test that stops, restarts or clears the LRS takes
    `fresh_ralph_lrs`. Needs .venv-ralph (`make ralph`); fails, never skips.
    No database and no Redis: parallel test runs each have their own server.
    """
    lrs = RalphLRS(tmp_path_factory.mktemp("ralph-lrs"))
    lrs.start()
    try:
        yield lrs
    finally:
        lrs.stop()


@pytest.fixture
def fresh_ralph_lrs(request, tmp_path) -> RalphLRS:
    """A Ralph LRS of this test's own, empty, on its own port: the test may
    ``.stop()``, ``.start()``, ``.restart()`` and, while it is stopped,
    ``.clear()`` it. Its log is printed if the test fails."""
    lrs = RalphLRS(tmp_path / "ralph-lrs")
    lrs.start()
    try:
        yield lrs
    finally:
        lrs.stop()
        if _test_failed(request):
            _print_ralph_log(lrs)
