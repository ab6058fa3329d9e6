"""What an import would do, row by row: the plan a dry run shows and an
apply writes, and the checks every kind of file shares."""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.locks import advisory_xact_lock

UNITS = "units"
STAFF = "staff"
KINDS = (UNITS, STAFF)
FULL = "full"
PARTIAL = "partial"
MODES = (FULL, PARTIAL)

# A full staff import deactivating more than this share of active staff needs
# an explicit confirmation: a truncated export must not end everyone's access.
DEACTIVATION_CONFIRM_SHARE = 0.05
BULK_BATCH = 1000
IMPORT_LOCK = 0x4B4F4D50  # "KOMP"

# An HR code names a unit in file names, HTTP headers and XLSX sheet titles:
# ASCII letters, digits and . _ - only (what the HR systems use).
HR_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CODE_COLUMNS = ("hr_code", "parent_hr_code", "unit_hr_code")

MAX_LENGTHS = {
    "hr_code": 40,
    "name": 200,
    "parent_hr_code": 40,
    "head_employee_number": 40,
    "employee_number": 40,
    "first_name": 150,
    "last_name": 150,
    "email": 254,
    "unit_hr_code": 40,
    "job_title": 200,
    "line_manager_employee_number": 40,
}

TRUE_WORDS = {"1", "true", "yes", "ja", "j", "y", "aktiv", "active", "x"}
FALSE_WORDS = {"0", "false", "no", "nej", "n", "inaktiv", "inactive", "avslutad"}


class ImportRefused(Exception):
    """An apply that must not happen: bad rows, or an unconfirmed mass
    deactivation. Nothing was written."""

    def __init__(self, message, plan=None):
        super().__init__(message)
        self.message = message
        self.plan = plan


@dataclass
class Problem:
    row: int
    key: str
    message: str


@dataclass
class Entry:
    """One unit or person in the plan, as shown in the dry run."""

    row: int | None
    key: str
    name: str
    changes: list = field(default_factory=list)  # (field label, old, new)


@dataclass
class Plan:
    kind: str
    mode: str
    filename: str = ""
    sha256: str = ""
    rows: int = 0
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    deactivated: list = field(default_factory=list)
    reactivated: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    active_before: int = 0
    needs_confirmation: bool = False
    # What apply writes; not for display.
    work: dict = field(default_factory=dict, repr=False)

    @property
    def is_valid(self):
        return not self.errors

    @property
    def has_changes(self):
        return any(
            (self.created, self.changed, self.moved, self.deactivated, self.reactivated)
        )

    @property
    def deactivation_share(self):
        if not self.active_before:
            return 0.0
        return len(self.deactivated) / self.active_before

    @property
    def deactivation_percent(self):
        return round(100 * self.deactivation_share, 1)

    def counts(self):
        return {
            "rows": self.rows,
            "created": len(self.created),
            "changed": len(self.changed),
            "moved": len(self.moved),
            "deactivated": len(self.deactivated),
            "reactivated": len(self.reactivated),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def summary(self):
        counts = self.counts()
        return (
            _(
                "%(rows)s rows: %(created)s created, %(changed)s changed, "
                "%(moved)s moved, %(deactivated)s deactivated, "
                "%(reactivated)s reactivated, %(errors)s bad rows, "
                "%(warnings)s warnings."
            )
            % counts
        )


def bad_row(plan, row, key, message):
    plan.errors.append(Problem(row, key, message))


def warn_row(plan, row, key, message):
    plan.warnings.append(Problem(row, key, message))


def check_common(plan, number, values, required, key, max_lengths=None):
    """Checks every kind of file shares: extra cells, empty required values,
    over-long values. Records bad rows on the plan; False if any."""
    ok = True
    if "__extra__" in values:
        bad_row(
            plan,
            number,
            key,
            _("The row has more cells than the header row has columns."),
        )
        ok = False
    for column in required:
        if not values.get(column):
            bad_row(
                plan,
                number,
                key,
                _("The required value “%(column)s” is empty.") % {"column": column},
            )
            ok = False
    for column, limit in (max_lengths or MAX_LENGTHS).items():
        value = values.get(column)
        if isinstance(value, str) and len(value) > limit:
            bad_row(
                plan,
                number,
                key,
                _("“%(column)s” is longer than %(limit)s characters.")
                % {"column": column, "limit": limit},
            )
            ok = False
    for column in CODE_COLUMNS:
        value = as_text(values.get(column)).strip()
        if value and not HR_CODE.fullmatch(value):
            bad_row(
                plan,
                number,
                key,
                _(
                    "“%(column)s” may hold only the letters A–Z, digits, “.”, "
                    "“_” and “-” (it names files and spreadsheet sheets): "
                    "“%(value)s”."
                )
                % {"column": column, "value": value[:40]},
            )
            ok = False
    return ok


def as_text(value):
    """Cell text for a text column (an XLSX date cell becomes ISO text)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value or ""


def display(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def parse_active(plan, number, key, value):
    if value in ("", None):
        return True
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    bad_row(
        plan,
        number,
        key,
        _("“active” must be 1 or 0 (or ja/nej), not “%(value)s”.") % {"value": value},
    )
    return None


def employee_number_of(user):
    """How the files name a person: their employee number (or, for an
    account without a staff profile, its user name)."""
    if user is None:
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.employee_number if profile else user.get_username()


def import_lock():
    """One import at a time: plans made inside the transaction stay true."""
    advisory_xact_lock(IMPORT_LOCK)


def note_ignored(plan, table):
    if table.ignored_columns:
        warn_row(
            plan,
            1,
            "",
            _("These columns are not used and were ignored: %(columns)s.")
            % {"columns": ", ".join(table.ignored_columns)},
        )


_LISTS = ("created", "changed", "moved", "deactivated", "reactivated")
_FIELDS = (
    "kind",
    "mode",
    "filename",
    "sha256",
    "rows",
    "active_before",
    "needs_confirmation",
)


def plan_to_dict(plan):
    """What a dry run shows, as JSON can hold it (a worker's dry run is shown
    by the web); not what apply writes: an apply always plans anew."""
    data = {name: getattr(plan, name) for name in _FIELDS}
    for name in _LISTS:
        data[name] = [
            [entry.row, entry.key, entry.name, [list(c) for c in entry.changes]]
            for entry in getattr(plan, name)
        ]
    for name in ("errors", "warnings"):
        data[name] = [
            [problem.row, problem.key, problem.message]
            for problem in getattr(plan, name)
        ]
    return data


def plan_from_dict(data):
    plan = Plan(**{name: data[name] for name in _FIELDS})
    for name in _LISTS:
        setattr(
            plan,
            name,
            [
                Entry(row, key, entry_name, [tuple(c) for c in changes])
                for row, key, entry_name, changes in data[name]
            ],
        )
    for name in ("errors", "warnings"):
        setattr(plan, name, [Problem(*problem) for problem in data[name]])
    return plan
