"""Every task has an explicit, stable name, and every name the code asks for
(`core.tasks.enqueue`, `enqueue_on_commit`, `enqueue_once`, the beat
schedule) is a task."""

import ast
import re
from pathlib import Path

from celery import current_app
from django.conf import settings

from core.tasks import task

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "notifications",
    "learners",
    "organisation",
    "assignments",
    "reminders",
    "reports",
    "xapi",
)


def _our_tasks():
    current_app.loader.import_default_modules()
    return {
        name: registered
        for name, registered in current_app.tasks.items()
        if registered.__module__.split(".")[0] in APPS
    }


def _shared_tasks_in_code():
    """(module, function name, name= given) for every @shared_task."""
    found = []
    for app in APPS:
        path = ROOT / app / "tasks.py"
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "id", "") == "shared_task"
                ):
                    names = [
                        keyword.value.value
                        for keyword in decorator.keywords
                        if keyword.arg == "name"
                    ]
                    found.append((app, node.name, names[0] if names else None))
    return found


def test_every_task_is_named_after_its_app_and_function():
    declared = _shared_tasks_in_code()
    assert declared, "no tasks found"
    for app, function, name in declared:
        assert name == f"{app}.{function}", (app, function, name)
    assert set(_our_tasks()) == {name for _app, _function, name in declared}


def test_every_name_the_code_enqueues_is_a_task():
    pattern = re.compile(r'enqueue(?:_on_commit|_once)?\(\s*"([a-z_.]+)"')
    asked = set()
    for app in (*APPS, "courses", "cms", "core"):
        for path in (ROOT / app).rglob("*.py"):
            asked |= set(pattern.findall(path.read_text()))
    assert asked, "nothing enqueued by name?"
    # The delivery log's and the sweeps' own: the pattern still finds them.
    assert {
        "notifications.send_messages",
        "notifications.hand_out",
        "learners.render_certificate_pdf",
    } <= asked
    tasks = _our_tasks()
    assert asked <= set(tasks), asked - set(tasks)
    # And the lookup the actions use finds each.
    for name in asked:
        assert task(name).name == name


def test_every_beat_entry_runs_a_task_and_expires():
    tasks = _our_tasks()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks, entry["task"]
        assert entry["options"]["expires"] > 0
