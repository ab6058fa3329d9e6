"""One vocabulary for what people read about their required training: the
names of its states and how a due date is said, with the urgency that pages
style (text and a symbol, never colour alone).

Every page, email, export and the calendar feed takes its words from here, so
"not started" is never "to do" on another page, and "due today" never looks
like "due next month". In `core` because it is the lowest layer: the course
pages (which show a learner's status), the learning record, assignments,
reminders and reports all read it. It knows nothing of their models: states
are the plain strings they already use.

Reads only; nothing here writes.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

# --- States --------------------------------------------------------------------

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"
EXEMPT = "exempt"

STATES = (NOT_STARTED, IN_PROGRESS, OVERDUE, COMPLETED, EXEMPT)

STATE_LABELS = {
    NOT_STARTED: gettext_lazy("Not started"),
    IN_PROGRESS: gettext_lazy("In progress"),
    COMPLETED: gettext_lazy("Completed"),
    OVERDUE: gettext_lazy("Overdue"),
    EXEMPT: gettext_lazy("Exempt"),
}

# --- Urgency -------------------------------------------------------------------
# Levels that the templates style: `badge--<level>` and `due--<level>`, each
# with its symbol as well as its colour.

LEVEL_OVERDUE = "overdue"  # past its due date
LEVEL_TODAY = "today"  # due today
LEVEL_SOON = "soon"  # due within SOON_DAYS
LEVEL_LATER = "later"  # due later, or no due date
LEVEL_PROGRESS = "progress"  # in progress (a state, not a date)
LEVEL_DONE = "done"  # completed
LEVEL_NONE = "none"  # exempt, not started: nothing to signal

# Within two weeks counts as soon: the manager digest lists the same window.
SOON_DAYS = 14

# The symbol beside the text (hidden from screen readers: the text says it).
ICONS = {
    LEVEL_OVERDUE: "!",
    LEVEL_TODAY: "!",
    LEVEL_SOON: "◷",
    LEVEL_LATER: "",
    LEVEL_PROGRESS: "◔",
    LEVEL_DONE: "✓",
    LEVEL_NONE: "",
}

STATE_LEVELS = {
    NOT_STARTED: LEVEL_NONE,
    IN_PROGRESS: LEVEL_PROGRESS,
    COMPLETED: LEVEL_DONE,
    OVERDUE: LEVEL_OVERDUE,
    EXEMPT: LEVEL_NONE,
}


@dataclass(frozen=True)
class Term:
    """A state as shown: its key, its words, its level and symbol."""

    key: str
    label: str
    level: str

    @property
    def icon(self):
        return ICONS.get(self.level, "")

    def __str__(self):
        return self.label


def state_label(key) -> str:
    """The words for a state (translated in the active language); an unknown
    key is shown as it is."""
    label = STATE_LABELS.get(key)
    return str(label) if label is not None else str(key)


def state_labels() -> dict[str, str]:
    """Every state's words, translated once (an export's many rows)."""
    return {key: str(label) for key, label in STATE_LABELS.items()}


def state_term(key) -> Term:
    return Term(key, state_label(key), STATE_LEVELS.get(key, LEVEL_NONE))


# --- Due dates -----------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _day_text(language, day):
    return date_format(day, "j F Y")


def day_text(day) -> str:
    """A date as people read it: "12 March 2027" / "12 mars 2027" (a moment:
    its day in the city's time zone). Kept per language and day: a page of
    certificates says dozens."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return _day_text(get_language(), day)


@dataclass(frozen=True)
class Due:
    """A due date as said on `today`: the phrase, the level, the date."""

    date: date
    days_left: int  # negative: overdue by that many days
    level: str
    text: str

    @property
    def icon(self):
        return ICONS.get(self.level, "")

    @property
    def date_text(self):
        return day_text(self.date)

    @property
    def urgent(self):
        return self.level in (LEVEL_OVERDUE, LEVEL_TODAY)

    def __str__(self):
        return self.text


def due_level(days_left) -> str:
    if days_left < 0:
        return LEVEL_OVERDUE
    if days_left == 0:
        return LEVEL_TODAY
    if days_left <= SOON_DAYS:
        return LEVEL_SOON
    return LEVEL_LATER


def due_phrase(days_left, day) -> str:
    """The phrase for a due date `days_left` days away (negative: passed).

    The set: "Overdue by 3 days", "Due today", "Due tomorrow", "Due in 5
    days" (up to SOON_DAYS), "Due 12 March 2027" (later)."""
    if days_left < 0:
        return ngettext(
            "Overdue by %(days)s day", "Overdue by %(days)s days", -days_left
        ) % {"days": -days_left}
    if days_left == 0:
        return _("Due today")
    if days_left == 1:
        return _("Due tomorrow")
    if days_left <= SOON_DAYS:
        return ngettext("Due in %(days)s day", "Due in %(days)s days", days_left) % {
            "days": days_left
        }
    return _("Due %(date)s") % {"date": day_text(day)}


def due(due_date, today) -> Due | None:
    """How `due_date` is said on `today` (None without a date). Only for
    training still to do: completed and exempt training has no urgency."""
    if due_date is None:
        return None
    days_left = (due_date - today).days
    return Due(
        due_date, days_left, due_level(days_left), due_phrase(days_left, due_date)
    )


# The name of the date itself, on every page and export ("Sista datum").
DUE_DATE = gettext_lazy("Due date")


def calendar_summary(course_title) -> str:
    """A due date's event in the calendar feed, on that day."""
    return _("Due date: %(course)s") % {"course": course_title}


def percent_done(percent) -> str:
    """How much of a course is done, in words ("40 % klart")."""
    return _("%(percent)s %% done") % {"percent": percent}
