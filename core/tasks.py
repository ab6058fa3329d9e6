"""Background work asked for by name.

An action that needs work done after its transaction commits (a mail, a PDF,
a flush of the xAPI outbox) asks for the task by its explicit, stable name
(`name=` on every task), so that no action imports a tasks module and no
lower app imports a higher one's code. The task itself is Celery's: eager in
the unit tests, through the broker everywhere else.
"""

from celery import current_app
from django.core.cache import cache


def task(name):
    """The registered task called `name`; KeyError for a name nobody defines.

    A web process has imported only what its requests needed: the first time
    a name is unknown, the apps' tasks modules are imported (Celery's
    autodiscovery, which a worker runs at start)."""
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(name, *args, **kwargs):
    """Send the task now (from a sweep, or outside any transaction)."""
    return task(name).delay(*args, **kwargs)


def enqueue_on_commit(name, *args, **kwargs):
    """Send the task when the current transaction commits (at once outside
    one); nothing is sent if it rolls back."""
    task(name).delay_on_commit(*args, **kwargs)


def enqueue_once(name, *args, lease):
    """Send the task unless the same one (name and arguments) was sent within
    `lease` (a timedelta): for sweeps that hand out work kept in the database
    (a certificate's PDF, an export's build), so that a task waiting in the
    queue is not sent again every sweep, and one lost with the broker is sent
    again after the lease. The mark lives in the cache: where the cache is the
    broker's Redis, a broker restarted empty forgets the marks too, and the
    next sweep sends everything again at once. Returns whether it was sent."""
    mark = "kompetens:handed-out:" + name + ":" + ":".join(map(str, args))
    if not cache.add(mark, 1, timeout=max(1, int(lease.total_seconds()))):
        return False
    enqueue(name, *args)
    return True
