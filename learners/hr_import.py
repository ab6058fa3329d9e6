"""HR import: org units and staff from the HR system's export (CSV or XLSX).

What it changes: `OrgUnit` rows (create, rename, move, head, active) and, for
staff, `User` (name, email, is_active) and `StaffProfile` rows. It never
deletes anything: people and units missing from a full import are
deactivated, and their history stays.

Every import is planned first (a dry run, no writes) and applied only as a
whole: if any row is bad, nothing is applied (all-or-nothing), and the plan
lists every bad row. An apply re-plans inside one transaction, so what is
written is exactly what a dry run of the same file against the same database
shows. Running the same file twice is safe: the second plan is empty and its
apply changes no row (it only writes its own audit record).

Staff are planned and applied in a bounded number of queries, whatever the
number of rows (bulk reads, `bulk_create`, `bulk_update`). Units are few
(~2,000); creating or moving one goes through treebeard, one node at a time.
"""

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import AuditEvent, OrgUnit, StaffProfile

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

# Canonical column → accepted header names (compared after `_normalise_header`).
UNIT_COLUMNS = {
    "hr_code": ["hr_code", "hrcode", "hr_kod", "enhetskod", "enhet_kod", "kod"],
    "name": ["name", "namn", "enhetsnamn", "enhet_namn"],
    "parent_hr_code": [
        "parent_hr_code",
        "parent",
        "overordnad_hr_kod",
        "overordnad_enhetskod",
        "overordnad_enhet",
        "overordnad",
    ],
    "head_employee_number": [
        "head_employee_number",
        "head",
        "chef_anstallningsnummer",
        "chefens_anstallningsnummer",
        "chef",
    ],
    "active": ["active", "aktiv"],
}
UNIT_REQUIRED = ("hr_code", "name")

STAFF_COLUMNS = {
    "employee_number": [
        "employee_number",
        "anstallningsnummer",
        "anstallningsnr",
        "anstnr",
    ],
    "first_name": ["first_name", "fornamn"],
    "last_name": ["last_name", "efternamn"],
    "email": ["email", "e_mail", "e_post", "epost", "e_postadress"],
    "unit_hr_code": [
        "unit_hr_code",
        "unit",
        "enhet",
        "enhetskod",
        "enhet_hr_kod",
        "enhetens_hr_kod",
    ],
    "job_title": ["job_title", "title", "befattning", "titel", "yrkestitel"],
    "start_date": ["start_date", "startdatum", "anstallningsdatum"],
    "end_date": ["end_date", "slutdatum", "sista_anstallningsdag"],
    "line_manager_employee_number": [
        "line_manager_employee_number",
        "line_manager",
        "chef_anstallningsnummer",
        "chefens_anstallningsnummer",
        "narmaste_chef",
        "chef",
    ],
    "on_leave_until": ["on_leave_until", "tjanstledig_till", "ledig_till"],
    "language": ["language", "sprak", "preferred_language"],
}
STAFF_REQUIRED = ("employee_number", "first_name", "last_name", "unit_hr_code")

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
LANGUAGE_WORDS = {
    "sv": "sv",
    "swe": "sv",
    "svenska": "sv",
    "swedish": "sv",
    "en": "en",
    "eng": "en",
    "engelska": "en",
    "english": "en",
}
DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, header)."""


class ImportRefused(Exception):
    """An apply that must not happen: bad rows, or an unconfirmed mass
    deactivation. Nothing was written."""

    def __init__(self, message, plan=None):
        super().__init__(message)
        self.message = message
        self.plan = plan


# --- Reading the file ---------------------------------------------------------


@dataclass
class Table:
    headers: list  # canonical column names present in the file
    rows: list  # (row number as the spreadsheet shows it, {column: value})
    ignored_columns: list = field(default_factory=list)


def file_sha256(content):
    return hashlib.sha256(content).hexdigest()


def _normalise_header(text):
    text = str(text or "").replace("\ufeff", "").strip().lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _cell_text(value):
    """A cell as text; real dates from XLSX stay dates."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content):
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The file is neither UTF-8 nor Windows-1252 text. Save it as CSV again.")
        ) from error


def _is_xlsx(content, filename):
    return content[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx")


def _raw_rows(content, filename):
    """Rows of cells from CSV or XLSX, the header first."""
    if _is_xlsx(content, filename):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(
                io.BytesIO(content), read_only=True, data_only=True
            )
            try:
                sheet = workbook.worksheets[0]
                return [
                    [_cell_text(value) for value in row]
                    for row in sheet.iter_rows(values_only=True)
                ]
            finally:
                workbook.close()
        # A damaged workbook fails in many ways inside openpyxl, zipfile and
        # the XML parser; each means the same to HR: not a readable XLSX.
        except Exception as error:
            raise ImportFileError(
                _("The file could not be read as an Excel (XLSX) workbook.")
            ) from error
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(
            _(
                "The file holds NUL characters (perhaps it is UTF-16). Save it "
                "as CSV in UTF-8 or Windows-1252."
            )
        )
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ";"
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not valid CSV: %(error)s") % {"error": error}
        ) from error


def read_table(content, filename, columns, required):
    """Parse the file into a `Table`. Raises `ImportFileError` for problems
    with the file as a whole (they are reported as row 1, the header)."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    raw = _raw_rows(content, filename)
    if not raw or not any(str(cell) for cell in raw[0]):
        raise ImportFileError(_("The first row must be the header row."))
    alias_to_column = {}
    for column, aliases in columns.items():
        for alias in aliases:
            alias_to_column.setdefault(alias, column)
    headers, ignored = [], []
    for cell in raw[0]:
        name = _normalise_header(cell)
        column = alias_to_column.get(name)
        if column is None:
            headers.append(None)
            if name:
                ignored.append(str(cell).strip())
            continue
        if column in headers:
            raise ImportFileError(
                _("The column “%(column)s” appears twice in the header row.")
                % {"column": column}
            )
        headers.append(column)
    missing = [column for column in required if column not in headers]
    if missing:
        raise ImportFileError(
            ngettext(
                "The required column %(columns)s is missing from the header row.",
                "The required columns %(columns)s are missing from the header row.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        if not any(str(cell) for cell in cells):
            continue  # empty lines at the end of a spreadsheet export
        values = {}
        for index, column in enumerate(headers):
            if column is not None:
                values[column] = cells[index] if index < len(cells) else ""
        extra = [str(cell) for cell in cells[len(headers) :] if str(cell)]
        if extra:
            values["__extra__"] = extra
        rows.append((number, values))
    present = [column for column in headers if column]
    return Table(headers=present, rows=rows, ignored_columns=ignored)


def _parse_date(value):
    if isinstance(value, datetime.date):
        return value
    match = DATE_RE.match(value)
    if not match:
        raise ValueError(value)
    return datetime.date.fromisoformat(match.group(1))


# --- Plans -----------------------------------------------------------------------


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


def _bad(plan, row, key, message):
    plan.errors.append(Problem(row, key, message))


def _warn(plan, row, key, message):
    plan.warnings.append(Problem(row, key, message))


def _check_common(plan, number, values, required, key, max_lengths=None):
    """Checks every kind of file shares: extra cells, empty required values,
    over-long values. Records bad rows on the plan; False if any."""
    ok = True
    if "__extra__" in values:
        _bad(
            plan,
            number,
            key,
            _("The row has more cells than the header row has columns."),
        )
        ok = False
    for column in required:
        if not values.get(column):
            _bad(
                plan,
                number,
                key,
                _("The required value “%(column)s” is empty.") % {"column": column},
            )
            ok = False
    for column, limit in (max_lengths or MAX_LENGTHS).items():
        value = values.get(column)
        if isinstance(value, str) and len(value) > limit:
            _bad(
                plan,
                number,
                key,
                _("“%(column)s” is longer than %(limit)s characters.")
                % {"column": column, "limit": limit},
            )
            ok = False
    return ok


def _text(value):
    """Cell text for a text column (an XLSX date cell becomes ISO text)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value or ""


def _show(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _parse_active(plan, number, key, value):
    if value in ("", None):
        return True
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    _bad(
        plan,
        number,
        key,
        _("“active” must be 1 or 0 (or ja/nej), not “%(value)s”.") % {"value": value},
    )
    return None


def _employee_number_of(user):
    """How the files name a person: their employee number (or, for an
    account without a staff profile, its user name)."""
    if user is None:
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.employee_number if profile else user.get_username()


def _db_lock():
    """One import at a time: plans made inside the transaction stay true."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4B4F4D50])


# --- Units -----------------------------------------------------------------------


def plan_units(content, filename, mode, today=None):
    """The dry run of a units file: what would change, and every bad row."""
    plan = Plan(UNITS, mode, filename=filename, sha256=file_sha256(content))
    try:
        table = read_table(content, filename, UNIT_COLUMNS, UNIT_REQUIRED)
    except ImportFileError as error:
        _bad(plan, 1, "", str(error))
        return plan
    _note_ignored(plan, table)
    plan.rows = len(table.rows)
    if mode == FULL and not table.rows:
        _bad(plan, 1, "", _("A full import needs at least one row."))
        return plan

    units = list(OrgUnit.objects.select_related("head__staff_profile"))
    by_code = {unit.hr_code: unit for unit in units}
    code_by_path = {unit.path: unit.hr_code for unit in units}
    steplen = OrgUnit.steplen
    db_parent = {unit.hr_code: code_by_path.get(unit.path[:-steplen]) for unit in units}

    rows = {}  # hr_code -> (row number, values)
    for number, values in table.rows:
        code = _text(values.get("hr_code")).strip()
        ok = _check_common(plan, number, values, UNIT_REQUIRED, code)
        active = _parse_active(plan, number, code, values.get("active", ""))
        if code and code in rows:
            _bad(
                plan,
                number,
                code,
                _("The HR code %(code)s is also on row %(row)s.")
                % {"code": code, "row": rows[code][0]},
            )
            continue
        if code:
            rows[code] = (number, values, ok and active is not None, active)

    # Parents, then cycles, in the tree as it would be after the import.
    parent_of = dict(db_parent)
    for code, (number, values, _ok, _active) in rows.items():
        parent = _text(values.get("parent_hr_code")).strip() or None
        if parent is not None and parent not in rows:
            if mode == FULL or parent not in by_code:
                _bad(
                    plan,
                    number,
                    code,
                    _("The parent unit %(parent)s is neither in the file nor known.")
                    % {"parent": parent}
                    if mode == PARTIAL
                    else _("The parent unit %(parent)s is not in the file.")
                    % {"parent": parent},
                )
                parent = None
        parent_of[code] = parent
    depth = {}
    in_cycle = set()
    for code in rows:
        chain, seen, node = [], set(), code
        while node is not None and node not in depth:
            if node in seen:
                cycle = chain[chain.index(node) :]
                for member in cycle:
                    in_cycle.add(member)
                    depth[member] = 0
                break
            seen.add(node)
            chain.append(node)
            node = parent_of.get(node)
        base = depth.get(node, 0) if node is not None else 0
        for member in reversed(chain):
            if member in depth:
                base = depth[member]
                continue
            base += 1
            depth[member] = base
    for code in sorted(in_cycle & set(rows)):
        number = rows[code][0]
        path, node = [code], parent_of.get(code)
        while node is not None and node != code and len(path) < 50:
            path.append(node)
            node = parent_of.get(node)
        _bad(
            plan,
            number,
            code,
            _("The unit is part of a cycle in the unit tree: %(cycle)s.")
            % {"cycle": " → ".join([*path, code])},
        )

    # Heads: existing staff, by employee number.
    head_numbers = {
        _text(values.get("head_employee_number")).strip()
        for (_n, values, _o, _a) in rows.values()
    } - {""}
    head_by_number = dict(
        StaffProfile.objects.filter(employee_number__in=head_numbers).values_list(
            "employee_number", "user_id"
        )
    )

    bad_codes = {problem.key for problem in plan.errors}
    work = {"create": [], "move": [], "update": [], "deactivate": []}
    for code, (number, values, _ok, active) in rows.items():
        if code in bad_codes:
            continue
        name = _text(values.get("name")).strip()
        parent = parent_of.get(code)
        unit = by_code.get(code)
        head_present = "head_employee_number" in values
        head_number = _text(values.get("head_employee_number")).strip()
        head_id = unit.head_id if unit else None
        if head_present:
            if not head_number:
                head_id = None
            elif head_number in head_by_number:
                head_id = head_by_number[head_number]
            else:
                _warn(
                    plan,
                    number,
                    code,
                    _(
                        "The head %(number)s is not a known member of staff; "
                        "the unit's head is left as it was. Import staff, then "
                        "this file again."
                    )
                    % {"number": head_number},
                )
        active = True if active is None else active
        if unit is None:
            plan.created.append(
                Entry(number, code, name, [(_("parent"), "", _show(parent))])
            )
            work["create"].append(
                {
                    "code": code,
                    "name": name,
                    "parent": parent,
                    "head_id": head_id,
                    "active": active,
                    "depth": depth.get(code, 1),
                }
            )
            continue
        changes, fields = [], {}
        if name != unit.name:
            changes.append((_("name"), unit.name, name))
            fields["name"] = name
        if head_id != unit.head_id:
            changes.append(
                (
                    _("head"),
                    _show(_employee_number_of(unit.head)),
                    _show(head_number if head_id else None),
                )
            )
            fields["head_id"] = head_id
        if active != unit.active:
            fields["active"] = active
            target = plan.reactivated if active else plan.deactivated
            target.append(Entry(number, code, name))
        if changes:
            plan.changed.append(Entry(number, code, name, changes))
        if fields:
            work["update"].append((unit.pk, fields))
        if parent != db_parent.get(code):
            plan.moved.append(
                Entry(
                    number,
                    code,
                    name,
                    [(_("parent"), _show(db_parent.get(code)), _show(parent))],
                )
            )
            work["move"].append(
                {"code": code, "parent": parent, "depth": depth.get(code, 1)}
            )

    if mode == FULL:
        missing_ids = []
        for unit in units:
            if unit.hr_code not in rows and unit.active:
                plan.deactivated.append(Entry(None, unit.hr_code, unit.name))
                missing_ids.append(unit.pk)
        work["deactivate"] = missing_ids
    deactivated_ids = set(work["deactivate"]) | {
        pk for pk, fields in work["update"] if fields.get("active") is False
    }
    if deactivated_ids:
        staffed = (
            StaffProfile.objects.filter(
                unit_id__in=deactivated_ids, user__is_active=True
            )
            .values_list("unit__hr_code", flat=True)
            .distinct()
        )
        for code in sorted(staffed):
            _warn(
                plan,
                rows.get(code, (None,))[0],
                code,
                _("The unit is deactivated but active staff are still in it."),
            )
    plan.work = work
    return plan


def _apply_units(plan):
    work = plan.work
    # Parents before children: create and move in order of depth after import.
    steps = [("create", item) for item in work["create"]] + [
        ("move", item) for item in work["move"]
    ]
    steps.sort(key=lambda step: step[1]["depth"])
    for action, item in steps:
        parent = OrgUnit.objects.get(hr_code=item["parent"]) if item["parent"] else None
        if action == "create":
            fields = {
                "hr_code": item["code"],
                "name": item["name"],
                "head_id": item["head_id"],
                "active": item["active"],
            }
            if parent is None:
                OrgUnit.add_root(**fields)
            else:
                parent.add_child(**fields)
        else:
            # Re-fetch: treebeard instances go stale after every tree change.
            node = OrgUnit.objects.get(hr_code=item["code"])
            if parent is None:
                node.move(OrgUnit.get_first_root_node(), pos="sorted-sibling")
            else:
                node.move(parent, pos="sorted-child")
    if work["update"]:
        changes = dict(work["update"])
        units = list(OrgUnit.objects.filter(pk__in=changes))
        names = set()
        for unit in units:
            for name, value in changes[unit.pk].items():
                setattr(unit, name, value)
                names.add(name)
        OrgUnit.objects.bulk_update(units, sorted(names), batch_size=BULK_BATCH)
    if work["deactivate"]:
        OrgUnit.objects.filter(pk__in=work["deactivate"]).update(active=False)


# --- Staff -----------------------------------------------------------------------


USER_FIELDS = ("first_name", "last_name", "email")
PROFILE_FIELDS = (
    "unit_id",
    "job_title",
    "start_date",
    "end_date",
    "line_manager_id",
    "on_leave_until",
    "preferred_language",
)


def _field_labels():
    return {
        "first_name": _("first name"),
        "last_name": _("last name"),
        "email": _("email"),
        "job_title": _("job title"),
        "start_date": _("start date"),
        "end_date": _("end date"),
        "line_manager_id": _("line manager"),
        "on_leave_until": _("on leave until"),
        "preferred_language": _("language"),
    }


def plan_staff(content, filename, mode, today=None):
    """The dry run of a staff file: what would change, and every bad row."""
    today = today or timezone.localdate()
    plan = Plan(STAFF, mode, filename=filename, sha256=file_sha256(content))
    try:
        table = read_table(content, filename, STAFF_COLUMNS, STAFF_REQUIRED)
    except ImportFileError as error:
        _bad(plan, 1, "", str(error))
        return plan
    _note_ignored(plan, table)
    plan.rows = len(table.rows)
    if mode == FULL and not table.rows:
        _bad(plan, 1, "", _("A full import needs at least one row."))
        return plan
    present = set(table.headers)

    # Parse and check every row on its own.
    parsed = {}  # employee number -> (row number, values)
    for number, raw in table.rows:
        number_text = _text(raw.get("employee_number")).strip()
        ok = _check_common(plan, number, raw, STAFF_REQUIRED, number_text)
        values = {
            "first_name": _text(raw.get("first_name")).strip(),
            "last_name": _text(raw.get("last_name")).strip(),
            "unit": _text(raw.get("unit_hr_code")).strip(),
        }
        if "email" in present:
            email = _text(raw.get("email")).strip()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    _bad(
                        plan,
                        number,
                        number_text,
                        _("“%(email)s” is not a valid email address.")
                        % {"email": email},
                    )
                    ok = False
            values["email"] = email
        if "job_title" in present:
            values["job_title"] = _text(raw.get("job_title")).strip()
        for column in ("start_date", "end_date", "on_leave_until"):
            if column not in present:
                continue
            cell = raw.get(column)
            if cell in ("", None):
                values[column] = None
                continue
            try:
                values[column] = _parse_date(cell)
            except ValueError:
                _bad(
                    plan,
                    number,
                    number_text,
                    _("“%(column)s” is not a date as YYYY-MM-DD: “%(value)s”.")
                    % {"column": column, "value": cell},
                )
                ok = False
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            _bad(
                plan,
                number,
                number_text,
                _("The end date %(end)s is before the start date %(start)s.")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
            ok = False
        if "language" in present:
            word = _text(raw.get("language")).strip().lower()
            if not word:
                values["preferred_language"] = StaffProfile.Language.SWEDISH
            elif word in LANGUAGE_WORDS:
                values["preferred_language"] = LANGUAGE_WORDS[word]
            else:
                _bad(
                    plan,
                    number,
                    number_text,
                    _("The language must be sv or en, not “%(value)s”.")
                    % {"value": word},
                )
                ok = False
        if "line_manager_employee_number" in present:
            values["manager"] = _text(raw.get("line_manager_employee_number")).strip()
        if number_text in parsed:
            _bad(
                plan,
                number,
                number_text,
                _("The employee number %(number)s is also on row %(row)s.")
                % {"number": number_text, "row": parsed[number_text][0]},
            )
            continue
        if number_text:
            parsed[number_text] = (number, values, ok)

    # The database, in a fixed number of queries.
    units = {
        unit.hr_code: unit
        for unit in OrgUnit.objects.only("pk", "hr_code", "name", "active")
    }
    managers_wanted = {v.get("manager") for (_n, v, _o) in parsed.values()} - {
        None,
        "",
    }
    profiles_qs = StaffProfile.objects.select_related(
        "user", "unit", "line_manager__staff_profile"
    )
    if mode == PARTIAL:
        profiles_qs = profiles_qs.filter(
            employee_number__in=set(parsed) | managers_wanted
        )
    profiles = {profile.employee_number: profile for profile in profiles_qs}
    plan.active_before = StaffProfile.objects.filter(user__is_active=True).count()
    new_usernames = {n.lower() for n in parsed if n not in profiles}
    taken = set(
        get_user_model()
        .objects.filter(username__in=new_usernames)
        .values_list("username", flat=True)
    )

    labels = _field_labels()
    work = {"create": [], "update": [], "deactivate": []}
    for employee_number, (number, values, ok) in parsed.items():
        unit = units.get(values["unit"])
        if values["unit"] and unit is None:
            _bad(
                plan,
                number,
                employee_number,
                _("The unit %(code)s is unknown. Import the units first.")
                % {"code": values["unit"]},
            )
            ok = False
        elif unit is not None and not unit.active:
            _warn(
                plan,
                number,
                employee_number,
                _("The unit %(code)s is inactive.") % {"code": unit.hr_code},
            )
        profile = profiles.get(employee_number)
        if profile is None and employee_number.lower() in taken:
            _bad(
                plan,
                number,
                employee_number,
                _(
                    "The user name %(username)s is already used by an account "
                    "without a staff profile."
                )
                % {"username": employee_number.lower()},
            )
            ok = False
        if not ok:
            continue
        manager = values.get("manager")
        manager_value = _UNCHANGED
        if manager is not None:
            if not manager:
                manager_value = None
            elif manager == employee_number:
                _warn(
                    plan,
                    number,
                    employee_number,
                    _("A person cannot be their own line manager; left as it was."),
                )
            elif manager in parsed or manager in profiles:
                manager_value = manager
            else:
                _warn(
                    plan,
                    number,
                    employee_number,
                    _(
                        "The line manager %(manager)s is neither in the file nor "
                        "known; the line manager is left as it was."
                    )
                    % {"manager": manager},
                )
        end = values.get("end_date", profile.end_date if profile else None)
        active = not (end and end < today)
        person = {
            "employee_number": employee_number,
            "values": values,
            "unit_id": unit.pk,
            "manager": manager_value,
            "active": active,
        }
        full_name = f"{values['first_name']} {values['last_name']}"
        if profile is None:
            shown = [(_("unit"), "", unit.hr_code)]
            if not active:
                shown.append((_("active"), "", _show(False)))
            plan.created.append(Entry(number, employee_number, full_name, shown))
            work["create"].append(person)
            continue
        user = profile.user
        changes, user_fields, profile_fields = [], {}, {}
        for name in USER_FIELDS:
            if name in values and values[name] != getattr(user, name):
                changes.append((labels[name], getattr(user, name), values[name]))
                user_fields[name] = values[name]
        for name in PROFILE_FIELDS:
            if name == "unit_id":
                continue
            if name == "line_manager_id":
                if manager_value is _UNCHANGED:
                    continue
                old_number = _employee_number_of(profile.line_manager)
                if manager_value != old_number:
                    changes.append(
                        (labels[name], _show(old_number), _show(manager_value))
                    )
                    profile_fields[name] = manager_value
                continue
            if name in values and values[name] != getattr(profile, name):
                changes.append(
                    (labels[name], _show(getattr(profile, name)), _show(values[name]))
                )
                profile_fields[name] = values[name]
        if unit.pk != profile.unit_id:
            plan.moved.append(
                Entry(
                    number,
                    employee_number,
                    full_name,
                    [
                        (
                            _("unit"),
                            profile.unit.hr_code if profile.unit else "–",
                            unit.hr_code,
                        )
                    ],
                )
            )
            profile_fields["unit_id"] = unit.pk
        if active != user.is_active:
            user_fields["is_active"] = active
            target = plan.reactivated if active else plan.deactivated
            target.append(Entry(number, employee_number, full_name))
        if changes:
            plan.changed.append(Entry(number, employee_number, full_name, changes))
        if user_fields or profile_fields:
            work["update"].append((profile, user_fields, profile_fields))

    if mode == FULL:
        for employee_number, profile in profiles.items():
            if employee_number not in parsed and profile.user.is_active:
                plan.deactivated.append(
                    Entry(None, employee_number, profile.user.get_full_name())
                )
                work["deactivate"].append(profile.user)
        plan.needs_confirmation = plan.deactivation_share > DEACTIVATION_CONFIRM_SHARE
    plan.work = work
    return plan


class _Unchanged:
    def __repr__(self):
        return "UNCHANGED"


_UNCHANGED = _Unchanged()


def _apply_staff(plan):
    User = get_user_model()
    work = plan.work
    now = timezone.now()
    unusable = make_password(None)

    new_users = []
    for person in work["create"]:
        values = person["values"]
        new_users.append(
            User(
                username=person["employee_number"].lower(),
                first_name=values["first_name"],
                last_name=values["last_name"],
                email=values.get("email", ""),
                is_active=person["active"],
                password=unusable,
                date_joined=now,
            )
        )
    User.objects.bulk_create(new_users, batch_size=BULK_BATCH)

    user_id_by_number = {
        profile.employee_number: profile.user_id for profile, _u, _p in work["update"]
    }
    user_id_by_number.update(
        {
            person["employee_number"]: user.pk
            for person, user in zip(work["create"], new_users, strict=True)
        }
    )
    manager_numbers = {
        p["manager"] for p in work["create"] if p["manager"] not in (None, _UNCHANGED)
    } | {
        fields["line_manager_id"]
        for _pr, _u, fields in work["update"]
        if fields.get("line_manager_id")
    }
    missing = manager_numbers - set(user_id_by_number)
    if missing:
        user_id_by_number.update(
            StaffProfile.objects.filter(employee_number__in=missing).values_list(
                "employee_number", "user_id"
            )
        )

    new_profiles = []
    for person, user in zip(work["create"], new_users, strict=True):
        values = person["values"]
        manager = person["manager"]
        new_profiles.append(
            StaffProfile(
                user=user,
                employee_number=person["employee_number"],
                unit_id=person["unit_id"],
                job_title=values.get("job_title", ""),
                start_date=values.get("start_date"),
                end_date=values.get("end_date"),
                on_leave_until=values.get("on_leave_until"),
                preferred_language=values.get(
                    "preferred_language", StaffProfile.Language.SWEDISH
                ),
                line_manager_id=(
                    user_id_by_number.get(manager)
                    if manager not in (None, _UNCHANGED)
                    else None
                ),
            )
        )
    StaffProfile.objects.bulk_create(new_profiles, batch_size=BULK_BATCH)

    users_to_update, user_names = [], set()
    profiles_to_update, profile_names = [], set()
    for profile, user_fields, profile_fields in work["update"]:
        if user_fields:
            for name, value in user_fields.items():
                setattr(profile.user, name, value)
            user_names |= set(user_fields)
            users_to_update.append(profile.user)
        if profile_fields:
            for name, value in profile_fields.items():
                if name == "line_manager_id" and value is not None:
                    value = user_id_by_number[value]
                setattr(profile, name, value)
            profile.updated_at = now
            profile_names |= set(profile_fields) | {"updated_at"}
            profiles_to_update.append(profile)
    for user in work["deactivate"]:
        user.is_active = False
        user_names.add("is_active")
        users_to_update.append(user)
    if users_to_update:
        User.objects.bulk_update(
            users_to_update, sorted(user_names), batch_size=BULK_BATCH
        )
    if profiles_to_update:
        StaffProfile.objects.bulk_update(
            profiles_to_update, sorted(profile_names), batch_size=BULK_BATCH
        )

    invitees = [user.pk for user in new_users if user.email and user.is_active]
    if invitees:
        from .invitations import invite_many

        invite_many(invitees)


def _note_ignored(plan, table):
    if table.ignored_columns:
        _warn(
            plan,
            1,
            "",
            _("These columns are not used and were ignored: %(columns)s.")
            % {"columns": ", ".join(table.ignored_columns)},
        )


# --- The actions -------------------------------------------------------------------


PLANNERS = {UNITS: plan_units, STAFF: plan_staff}
APPLIERS = {UNITS: _apply_units, STAFF: _apply_staff}
AUDIT_ACTIONS = {
    UNITS: AuditEvent.Action.IMPORT_UNITS,
    STAFF: AuditEvent.Action.IMPORT_STAFF,
}


def can_import(user, kind):
    """Who may import: HR with the staff profile permissions (superusers too)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    perms = ["learners.add_staffprofile"]
    if kind == STAFF:
        perms.append("learners.change_staffprofile")
    return user.has_perms(perms)


def _check(actor, kind, mode):
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}")
    # actor None: the command line, whose operator is trusted by the server.
    if actor is not None and not can_import(actor, kind):
        raise PermissionDenied


def plan_import(actor, kind, content, filename, mode, today=None):
    """The dry run: reads only, writes nothing."""
    _check(actor, kind, mode)
    return PLANNERS[kind](content, filename, mode, today=today)


def apply_import(
    actor, kind, content, filename, mode, confirm_deactivations=False, today=None
):
    """Apply a file as a whole, or nothing: re-plans inside one transaction,
    refuses (raising `ImportRefused`, nothing written) if any row is bad or
    if an unconfirmed full staff import would deactivate more than 5 % of
    active staff. Writes an `AuditEvent`; invitations go out on commit."""
    _check(actor, kind, mode)
    with transaction.atomic():
        _db_lock()
        plan = PLANNERS[kind](content, filename, mode, today=today)
        if plan.errors:
            raise ImportRefused(
                ngettext(
                    "The file has %(count)s bad row. Nothing was imported.",
                    "The file has %(count)s bad rows. Nothing was imported.",
                    len(plan.errors),
                )
                % {"count": len(plan.errors)},
                plan,
            )
        if plan.needs_confirmation and not confirm_deactivations:
            raise ImportRefused(
                _(
                    "This full import would deactivate %(count)s of %(active)s "
                    "active staff (%(percent)s %%), more than 5 %%. Confirm the "
                    "deactivations to apply it. Nothing was imported."
                )
                % {
                    "count": len(plan.deactivated),
                    "active": plan.active_before,
                    "percent": plan.deactivation_percent,
                },
                plan,
            )
        APPLIERS[kind](plan)
        AuditEvent.objects.create(
            actor=actor,
            action=AUDIT_ACTIONS[kind],
            summary=plan.summary()[:500],
            details={
                "kind": kind,
                "mode": mode,
                "filename": filename,
                "sha256": plan.sha256,
                "counts": plan.counts(),
                "confirmed_deactivations": bool(
                    plan.needs_confirmation and confirm_deactivations
                ),
            },
        )
        if plan.has_changes:
            # People joined, moved or left: their assignments follow.
            from .tasks import sweep_assignments

            sweep_assignments.delay_on_commit()
    return plan
