"""Background work asked for by name.

An action that needs work done after its transaction commits (a mail, a PDF,
a flush of the xAPI outbox) asks for the task by its explicit, stable name
(`name=` on every task), so that no action imports a tasks module and no
lower app imports a higher one's code. The task itself is Celery's: eager in
the unit tests, through the broker everywhere else.
"""

from celery import current_app


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
