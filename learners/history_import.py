"""History import: completions from before go-live, from a CSV or XLSX file
with the columns `employee_number;course;completed_on;note` (course = the
course page's slug, as in its URL; completed_on = YYYY-MM-DD).

What it changes: for each row to record, `record_completion_elsewhere` with
source "imported" (an open cycle is completed, otherwise the next cycle is
created, and its certificate issued); then one `AuditEvent` (IMPORT_HISTORY).

Read with the HR import's file reading (`hr_import.read_table`) and under its
policy: a dry run first (`plan_history`, no writes); an apply
(`apply_history`) re-plans inside one transaction and writes all of it, or
nothing if any row is bad. Running the same file twice is safe: rows whose
person, course and date are already recorded (by any source) are "already
recorded" and skipped, so the second apply records nothing (it only writes
its own audit record).

Planning takes a fixed number of queries (people by employee number, courses
by slug, their completions). Applying calls the action once per row to
record (see `QUERIES_PER_ROW`), plus about ten queries in all.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.models import CoursePage
from organisation.hr_import import (
    STAFF_COLUMNS,
    ImportFileError,
    ImportRefused,
    Problem,
    file_sha256,
    import_lock,
    read_table,
)
from organisation.hr_import.files import parse_date
from organisation.hr_import.plans import as_text, check_common
from organisation.models import AuditEvent, StaffProfile

from .actions.history import record_completion_elsewhere
from .models import Enrolment

# Canonical column → accepted header names (compared after the HR import's
# header normalisation: lower case, Swedish letters folded, spaces as "_").
HISTORY_COLUMNS = {
    "employee_number": STAFF_COLUMNS["employee_number"],
    "course": ["course", "course_slug", "slug", "kurs"],
    "completed_on": [
        "completed_on",
        "completed",
        "date",
        "datum",
        "slutford",
        "genomford",
        "genomford_datum",
    ],
    "note": ["note", "notering", "anteckning", "kommentar"],
}
HISTORY_REQUIRED = ("employee_number", "course", "completed_on")
MAX_LENGTHS = {"employee_number": 40, "course": 255, "note": 2000}

# The action's reads, writes and savepoints per row recorded: 10 for a new
# cycle, 12 when it completes an open cycle (whose learner and course are
# then loaded); one of them marks the person's open assignment completed.
# The xAPI outbox adds up to 8: three statements (registered, completed,
# earned) each written with its deliveries (2 queries), the time spent on the
# cycle's lessons, and the person's opaque id. Checked in tests.
QUERIES_PER_ROW = 20


@dataclass
class HistoryRow:
    """One row of the file as shown in the dry run."""

    row: int
    employee_number: str
    name: str
    course_slug: str
    course_title: str
    completed_on: datetime.date
    note: str = ""


@dataclass
class HistoryPlan:
    filename: str = ""
    sha256: str = ""
    rows: int = 0
    to_record: list = field(default_factory=list)
    already_recorded: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # What apply writes (person, course, row); not for display.
    work: list = field(default_factory=list, repr=False)

    @property
    def is_valid(self):
        return not self.errors

    def counts(self):
        return {
            "rows": self.rows,
            "to_record": len(self.to_record),
            "already_recorded": len(self.already_recorded),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def summary(self):
        return (
            _(
                "%(rows)s rows: %(to_record)s to record, %(already_recorded)s "
                "already recorded, %(errors)s bad rows, %(warnings)s warnings."
            )
            % self.counts()
        )


def _bad(plan, row, key, message):
    plan.errors.append(Problem(row, key, message))


def _warn(plan, row, key, message):
    plan.warnings.append(Problem(row, key, message))


def _read_rows(plan, table, today):
    """The rows that are well-formed on their own: (row, number, slug, date,
    note). Bad cells and duplicates go to `plan.errors`."""
    parsed, seen = [], {}
    for number, values in table.rows:
        employee_number = as_text(values.get("employee_number")).strip()
        slug = as_text(values.get("course")).strip().strip("/").lower()
        note = as_text(values.get("note")).strip()
        ok = check_common(
            plan, number, values, HISTORY_REQUIRED, employee_number, MAX_LENGTHS
        )
        completed_on = None
        raw_date = values.get("completed_on")
        if raw_date:
            try:
                completed_on = parse_date(raw_date)
            except ValueError:
                _bad(
                    plan,
                    number,
                    employee_number,
                    _("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": raw_date},
                )
                ok = False
            else:
                if completed_on > today:
                    _bad(
                        plan,
                        number,
                        employee_number,
                        _("The date %(date)s is in the future.")
                        % {"date": completed_on.isoformat()},
                    )
                    ok = False
        if not ok:
            continue
        key = (employee_number, slug, completed_on)
        if key in seen:
            _bad(
                plan,
                number,
                employee_number,
                _("The same completion is also on row %(row)s.") % {"row": seen[key]},
            )
            continue
        seen[key] = number
        parsed.append((number, employee_number, slug, completed_on, note))
    return parsed


def plan_history(content, filename, today=None):
    """The dry run: reads only, writes nothing. Three queries, whatever the
    number of rows."""
    today = today or timezone.localdate()
    plan = HistoryPlan(filename=filename, sha256=file_sha256(content))
    try:
        table = read_table(content, filename, HISTORY_COLUMNS, HISTORY_REQUIRED)
    except ImportFileError as error:
        _bad(plan, 1, "", str(error))
        return plan
    if table.ignored_columns:
        _warn(
            plan,
            1,
            "",
            _("These columns are not used and were ignored: %(columns)s.")
            % {"columns": ", ".join(table.ignored_columns)},
        )
    plan.rows = len(table.rows)
    parsed = _read_rows(plan, table, today)

    profiles = {
        profile.employee_number: profile
        for profile in StaffProfile.objects.select_related("user").filter(
            employee_number__in={row[1] for row in parsed}
        )
    }
    # Slugs are unique only under one parent: load every course page with a
    # wanted slug, then tell unpublished and ambiguous slugs apart.
    pages_by_slug = {}
    for page in CoursePage.objects.filter(slug__in={row[2] for row in parsed}):
        pages_by_slug.setdefault(page.slug, []).append(page)
    completed_on_by_pair = {}
    for learner_id, course_id, completed_at in Enrolment.objects.filter(
        learner_id__in=[profile.user_id for profile in profiles.values()],
        course_id__in=[page.pk for pages in pages_by_slug.values() for page in pages],
        completed_at__isnull=False,
    ).values_list("learner_id", "course_id", "completed_at"):
        completed_on_by_pair.setdefault((learner_id, course_id), set()).add(
            timezone.localdate(completed_at)
        )

    for number, employee_number, slug, completed_on, note in parsed:
        ok = True
        profile = profiles.get(employee_number)
        if profile is None:
            _bad(
                plan,
                number,
                employee_number,
                _("The employee number %(number)s is unknown.")
                % {"number": employee_number},
            )
            ok = False
        pages = pages_by_slug.get(slug, [])
        live = [page for page in pages if page.live]
        course = None
        if not pages:
            _bad(
                plan,
                number,
                employee_number,
                _("There is no course “%(slug)s”.") % {"slug": slug},
            )
            ok = False
        elif not live:
            _bad(
                plan,
                number,
                employee_number,
                _("The course “%(slug)s” is not published.") % {"slug": slug},
            )
            ok = False
        elif len(live) > 1:
            _bad(
                plan,
                number,
                employee_number,
                _(
                    "%(count)s published courses have the address “%(slug)s”: "
                    "%(titles)s. Give one of them another address."
                )
                % {
                    "count": len(live),
                    "slug": slug,
                    "titles": ", ".join(page.title for page in live),
                },
            )
            ok = False
        else:
            course = live[0]
        if not ok:
            continue
        person = profile.user
        entry = HistoryRow(
            number,
            employee_number,
            person.get_full_name() or person.get_username(),
            slug,
            course.title,
            completed_on,
            note,
        )
        done = completed_on_by_pair.get((person.pk, course.pk), set())
        if completed_on in done:
            plan.already_recorded.append(entry)
            continue
        later = [day for day in done if day > completed_on]
        if later:
            _warn(
                plan,
                number,
                employee_number,
                _(
                    "A later completion (%(date)s) is already recorded; this "
                    "one is recorded as a further cycle."
                )
                % {"date": max(later).isoformat()},
            )
        plan.to_record.append(entry)
        plan.work.append((person, course, entry))
    # Several rows for one person and course become cycles in date order.
    plan.work.sort(key=lambda item: (item[2].completed_on, item[2].row))
    return plan


def apply_history(actor, content, filename, today=None):
    """Apply a file as a whole, or nothing: re-plans inside one transaction
    and refuses (raising `hr_import.ImportRefused`, nothing written) if any
    row is bad. Writes one `AuditEvent`."""
    if actor is None or not actor.has_perm("learners.record_completion"):
        raise PermissionDenied(_("You may not record completions."))
    with transaction.atomic():
        import_lock()
        plan = plan_history(content, filename, today=today)
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
        for person, course, entry in plan.work:
            record_completion_elsewhere(
                actor,
                person,
                course,
                entry.completed_on,
                source=Enrolment.Source.IMPORTED,
                note=entry.note,
            )
        AuditEvent.objects.record(
            AuditEvent.Action.IMPORT_HISTORY,
            "history_import",
            plan.counts(),
            actor=actor,
            details={
                "filename": filename,
                "sha256": plan.sha256,
                "counts": plan.counts(),
            },
        )
    return plan
