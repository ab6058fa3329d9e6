"""The kinds of message, and how each is composed when it is sent.

An app that sends mail registers its kinds in its `AppConfig.ready()`:
a composer that turns a `Notification` into (template, subject, context) —
or None when, at sending time, there is nothing left to say — and, for mail
that may only go in working hours and at a steady pace (reminders), a
sending window and a rate shared by every worker. The delivery log
(`notifications.sender`) sends every kind the same way: one claim, one retry
schedule, one hand-out sweep, so no app imports another's sending code.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Composed = tuple[str, Any, dict] | None


@dataclass(frozen=True)
class MessageKind:
    kind: str
    compose: Callable[[Any], Composed]
    # The kind's settings (a policy HR edits), read once per chunk and
    # hand-out and given to `window` and `rate`.
    rules: Callable[[], Any] = lambda: None
    # Whether the kind may be sent at this moment (working hours).
    window: Callable[[datetime, Any], bool] | None = None
    # Messages per minute, shared by every worker and by the kinds that
    # name the same `rate_name`.
    rate: Callable[[Any], int] | None = None
    rate_name: str = ""

    def may_send(self, now, rules):
        return self.window is None or self.window(now, rules)


_kinds: dict[str, MessageKind] = {}


def register(kind, compose, *, rules=None, window=None, rate=None, rate_name=""):
    _kinds[str(kind)] = MessageKind(
        kind=str(kind),
        compose=compose,
        rules=rules or (lambda: None),
        window=window,
        rate=rate,
        rate_name=rate_name or str(kind),
    )


def kind_of(name) -> MessageKind:
    """The registered kind; KeyError for one nobody registered (its rows wait
    in the log, none is lost)."""
    return _kinds[str(name)]


def registered() -> list[MessageKind]:
    return list(_kinds.values())
