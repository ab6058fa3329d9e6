"""Fixtures for integration tests: a real SMTP server and a real Celery worker
process on the real Redis, reading the test database pytest-django created.

Nothing here skips: without Redis, PostgreSQL or Celery the tests fail.
"""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu import pools

from tests.integration import LocalSmtpServer, running_smtp_server

REPO_ROOT = Path(__file__).resolve().parents[2]
# Redis DB used by the integration tests only; flushed before each worker start.
INTEGRATION_REDIS_DB = 14
WORKER_READY_TIMEOUT = 60.0
WORKER_STOP_TIMEOUT = 15.0

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
    return urlunsplit((base.scheme, base.netloc, f"/{INTEGRATION_REDIS_DB}", "", ""))


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
            if re.search(r" ready\.\s*$", line):
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

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(WORKER_STOP_TIMEOUT)
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
    from cms.celery import app
    from learners.tasks import send_course_completed_email

    if not hasattr(connection, "_test_serialized_contents"):
        pytest.fail(
            "celery_worker_process needs serialized rollback: use "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True) "
            "or no django_db marker at all."
        )
    if importlib.util.find_spec("celery") is None:
        pytest.fail("The celery package is not installed in this interpreter.")
    if send_course_completed_email.app is not app:
        pytest.fail("learners.tasks are not bound to cms.celery.app.")

    broker_url = integration_redis_url()
    if broker_url.rstrip("/") == (settings.REDIS_URL or "").rstrip("/"):
        pytest.fail(f"The integration Redis DB must not be REDIS_URL ({broker_url}).")
    redis_client = redis.Redis.from_url(broker_url, socket_connect_timeout=3)
    try:
        redis_client.flushdb()  # only the integration DB
    except redis.RedisError as error:
        pytest.fail(f"Redis at {broker_url} is not usable: {error!r}")

    queue = app.conf.task_default_queue
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
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=INFO",
            "-n",
            f"integration-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    worker = CeleryWorkerProcess(process, broker_url, queue, redis_client)
    try:
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while not worker.ready.wait(0.1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"celery worker did not become ready (exit code {process.poll()}):"
                    f"\n{worker.log}"
                )

        # This process publishes to the worker's broker, for real.
        saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
        monkeypatch.setenv("CELERY_BROKER_URL", broker_url)  # Celery prefers it
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        _forget_broker_connections(app)
        app.conf.update(broker_url=broker_url, task_always_eager=False)
        try:
            yield worker
        finally:
            _forget_broker_connections(app)
            app.conf.update(saved)
    finally:
        worker.stop()
        if _test_failed(request):
            print(  # noqa: T201 - shown under the failed test in CI
                f"\n----- celery worker log (exit code {process.returncode}) -----\n"
                f"{worker.log}",
                file=sys.stderr,
            )
        redis_client.flushdb()
        redis_client.close()
