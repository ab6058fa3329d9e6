"""`core.tasks.enqueue_once`: a sweep that hands out work kept in the database
(an export's build, a certificate's PDF) sends each task once within its
lease, however often it runs, and again after the lease (the task may have
been lost with the broker).

The tasks go to the real broker (Redis at REDIS_URL) with no worker to take
them, so what was sent is what waits in the queue; eager Celery would run
them instead and leave nothing to count."""

import base64
import json
import uuid
from datetime import timedelta

import pytest
import redis
import time_machine
from celery import current_app
from django.core.cache import cache
from django.utils import timezone

from core.tasks import enqueue_once

NAME = "reports.build_report_export"
LEASE = timedelta(minutes=3)


@pytest.fixture
def queued():
    """The arguments of each `name` task waiting in the broker's queue since
    the test began; the test's own messages are taken out again after it."""
    app = current_app
    app.loader.import_default_modules()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(app.conf.broker_url)
    queue = app.conf.task_default_queue
    before = set(client.lrange(queue, 0, -1))

    def waiting(name):
        found = []
        for raw in client.lrange(queue, 0, -1):
            if raw in before:
                continue
            message = json.loads(raw)
            if message["headers"]["task"] == name:
                args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                found.append(args)
        return found

    cache.clear()
    try:
        yield waiting
    finally:
        app.conf.task_always_eager = eager
        cache.clear()
        for raw in client.lrange(queue, 0, -1):
            if raw not in before:
                client.lrem(queue, 0, raw)


def test_sent_once_within_the_lease_however_often_the_sweep_runs(queued):
    export_id = str(uuid.uuid4())
    assert enqueue_once(NAME, export_id, lease=LEASE) is True
    assert enqueue_once(NAME, export_id, lease=LEASE) is False
    with time_machine.travel(timezone.now() + LEASE - timedelta(seconds=5)):
        assert enqueue_once(NAME, export_id, lease=LEASE) is False
    assert queued(NAME) == [[export_id]]


def test_other_arguments_are_other_tasks(queued):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert enqueue_once(NAME, first, lease=LEASE)
    assert enqueue_once(NAME, second, lease=LEASE)
    assert not enqueue_once(NAME, first, lease=LEASE)
    assert sorted(queued(NAME)) == sorted([[first], [second]])


def test_sent_again_after_the_lease(queued):
    """The task may have been lost (a broker restarted empty, a worker
    killed): once the lease is over the sweep sends it again, once."""
    export_id = str(uuid.uuid4())
    assert enqueue_once(NAME, export_id, lease=LEASE)
    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1)):
        assert enqueue_once(NAME, export_id, lease=LEASE) is True
        assert enqueue_once(NAME, export_id, lease=LEASE) is False
    assert queued(NAME) == [[export_id], [export_id]]


def test_a_cache_that_forgot_its_marks_sends_again_at_once(queued):
    """Where the cache is the broker's Redis, a broker restarted empty has
    lost the tasks and the marks together: the next sweep sends again."""
    export_id = str(uuid.uuid4())
    assert enqueue_once(NAME, export_id, lease=LEASE)
    cache.clear()
    assert enqueue_once(NAME, export_id, lease=LEASE)
    assert queued(NAME) == [[export_id], [export_id]]


def test_a_lease_under_a_second_still_holds_for_a_second(queued):
    """The cache counts whole seconds, and a timeout of 0 would mean "do not
    keep it": a short lease is one second, not none."""
    export_id = str(uuid.uuid4())
    assert enqueue_once(NAME, export_id, lease=timedelta(milliseconds=300))
    assert not enqueue_once(NAME, export_id, lease=timedelta(milliseconds=300))
    assert queued(NAME) == [[export_id]]
