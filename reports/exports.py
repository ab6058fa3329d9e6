"""The people list as a file: CSV and XLSX written from exactly the rows and
columns on the screen (`people_rows` through `display_row`).

Small exports are streamed within the request. One bigger than
`REPORT_EXPORT_DIRECT_MAX_ROWS` (an XLSX of an administration, a CSV of the
whole city: a minute of openpyxl, past any proxy's timeout) becomes a
`ReportExport`: a Celery worker builds the same file from the same request
(its filters, its report day, its language), keeps it in private storage,
and mails a link. Only the person who asked may download it, and only while
everything it was built from is still in their scope; it is deleted after
`REPORT_EXPORT_KEEP`. Each request and download is in the audit log
(`reports.views._audit`). Building, mailing and the sweep are safe to run
twice.
"""

import csv
import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core.spreadsheets import csv_text, filename_part, xlsx_value
from core.spreadsheets import sheet_title as spreadsheet_title
from core.tasks import enqueue, enqueue_once
from notifications import sender
from notifications.models import Notification
from organisation.scope import NOBODY, scope_of

from .figures import COLUMNS
from .models import ReportExport
from .people import COLUMN_LABELS, display_row, people_list, status_labels

logger = logging.getLogger(__name__)

CSV_CHUNK_LINES = 500
ITERATOR_CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A build beats every ITERATOR_CHUNK rows; one silent this long lost its
# worker (killed, restarted) and is queued again, BUILD_ATTEMPTS at most.
BUILD_LEASE = timedelta(minutes=2)
BUILD_ATTEMPTS = 3
# A queued export whose task was lost (broker restarted empty) is sent again
# after this; a build handed out is not handed out again within it.
QUEUED_RESEND_AFTER = timedelta(minutes=3)
# Unfinished exports one person may have at a time.
MAX_PENDING_PER_PERSON = 3


def keep_for():
    return timedelta(hours=settings.REPORT_EXPORT_KEEP_HOURS)


def direct_max_rows(file_format):
    return settings.REPORT_EXPORT_DIRECT_MAX_ROWS[file_format]


def filename(unit, day, extension):
    code = filename_part(unit.hr_code) if unit is not None else "alla"
    return f"kompetens-{code}-{day.isoformat()}.{extension}"


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return csv_text(value)


class _Echo:
    def write(self, value):
        return value


def csv_chunks(rows):
    """The CSV's text in chunks of about 500 lines (one chunk per line cost
    more than the lines), in the active language. `rows`: the rows of
    `people_rows`, iterated."""
    writer = csv.writer(_Echo(), delimiter=";")
    keys = [key for key, _src in COLUMNS]
    labels = status_labels()
    chunk = ["\ufeff"]  # Excel reads UTF-8 with a BOM
    chunk.append(writer.writerow([str(COLUMN_LABELS[key]) for key in keys]))
    for row in rows:
        values = display_row(row, labels)
        chunk.append(writer.writerow([_cell(values[key]) for key in keys]))
        if len(chunk) >= CSV_CHUNK_LINES:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def write_xlsx(rows, title, out):
    """The XLSX into the binary file `out` (`rows` as for `csv_chunks`).
    openpyxl's write-only mode keeps one row in memory at a time."""
    from openpyxl import Workbook

    keys = [key for key, _src in COLUMNS]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=spreadsheet_title(title))
    sheet.append([str(COLUMN_LABELS[key]) for key in keys])
    labels = status_labels()
    for row in rows:
        values = display_row(row, labels)
        sheet.append(
            [
                xlsx_value(sheet, values[key]) if values[key] is not None else ""
                for key in keys
            ]
        )
    book.save(out)


def sheet_title(unit):
    return spreadsheet_title(unit.hr_code if unit is not None else "Rapport")


# --- Exports built in the background -------------------------------------------


class TooManyPending(Exception):
    pass


# The people list's parameters an export keeps: its filters and its sort.
QUERY_FIELDS = ("kurs", "status", "befattning", "fran", "till", "sortering")


def export_query(data):
    """The query string of the people list's own parameters in `data`."""
    query = QueryDict(mutable=True)
    for name in QUERY_FIELDS:
        value = data.get(name)
        if value:
            query[name] = value
    return query.urlencode()


def still_covers(scope, export):
    """Whether `scope` (the requester's, today) still covers everything the
    export was built from: its unit, or for an export of everyone each unit
    subtree of the scope it was built from (None: the city) and each direct
    report it included."""
    if scope.is_empty:
        return False
    if export.unit is not None and not scope.has_unit(export.unit):
        return False
    if not scope.covers_paths(export.scope_paths):
        return False
    return set(export.scope_people or ()) <= (
        scope.report_ids() if export.scope_people else set()
    )


def request_export(request, unit, file_format, rows):
    """The export of the people list `request` shows, queued for a worker;
    the same one if that person already has it waiting or being prepared.
    Raises TooManyPending beyond MAX_PENDING_PER_PERSON."""
    query = export_query(request.GET)
    language = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        # One request of this person's at a time from here: two clicks at the
        # same moment would otherwise both find nothing pending and both add.
        get_user_model().objects.select_for_update().filter(pk=request.user.pk).first()
        pending = list(
            ReportExport.objects.filter(
                requested_by=request.user,
                state__in=(ReportExport.State.QUEUED, ReportExport.State.RUNNING),
            )
        )
        for export in pending:
            if (
                export.unit_id == (unit.pk if unit else None)
                and export.query == query
                and export.format == file_format
                and export.language == language
                and export.day == timezone.localdate()
            ):
                return export, False
        if len(pending) >= MAX_PENDING_PER_PERSON:
            raise TooManyPending
        export = ReportExport.objects.create(
            requested_by=request.user,
            unit=unit,
            query=query,
            format=file_format,
            language=language,
            day=timezone.localdate(),
            rows=rows,
        )
        transaction.on_commit(lambda: _enqueue(export.pk))
    return export, True


def _enqueue(export_id):
    """Send the build to the workers. The export is saved already: with the
    broker down, the sweep sends it again later, and the request still ends
    on My exports rather than in an error."""
    try:
        enqueue("reports.build_report_export", str(export_id))
    except Exception:
        logger.exception("Could not queue report export %s; the sweep will", export_id)


def _claim(export_id):
    """Queued → running, once: a second delivery of the task finds it taken."""
    with transaction.atomic():
        export = (
            ReportExport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("requested_by", "unit")
            .filter(pk=export_id, state=ReportExport.State.QUEUED)
            .first()
        )
        if export is None:
            return None
        export.state = ReportExport.State.RUNNING
        export.started_at = export.heartbeat_at = timezone.now()
        export.attempts += 1
        export.save(update_fields=["state", "started_at", "heartbeat_at", "attempts"])
    return export


def _fail(export, message):
    ReportExport.objects.filter(
        pk=export.pk,
        state__in=(ReportExport.State.QUEUED, ReportExport.State.RUNNING),
    ).update(
        state=ReportExport.State.FAILED,
        error=str(message)[:500],
        finished_at=timezone.now(),
    )


def build(export_id):
    """Build a queued export: the requester's scope as it is now, the people
    list of the request's unit and filters on the request's day, in its
    language. Returns what happened."""
    export = _claim(export_id)
    if export is None:
        return "not queued"
    user = export.requested_by
    scope = scope_of(user, timezone.localdate()) if user.is_active else NOBODY
    # Who the direct reports are, read once: the rows and what is stored to
    # check each download name the same people, whoever moves meanwhile.
    scope = scope.fixed()
    unit = export.unit
    if scope.is_empty or (unit is not None and not scope.has_unit(unit)):
        with translation.override(export.language):
            _fail(export, gettext_lazy("The unit is no longer in your scope."))
        return "out of scope"
    extension = export.format
    try:
        with translation.override(export.language):
            listing = people_list(scope, unit, QueryDict(export.query), export.day)
            count = 0

            def rows():
                nonlocal count
                for row in listing.rows.iterator(chunk_size=ITERATOR_CHUNK):
                    count += 1
                    if count % ITERATOR_CHUNK == 0:
                        _beat(export)
                    yield row

            with tempfile.TemporaryFile() as spool:
                if export.format == ReportExport.Format.CSV:
                    for chunk in csv_chunks(rows()):
                        spool.write(chunk.encode())
                else:
                    write_xlsx(rows(), sheet_title(unit), spool)
                spool.seek(0)
                export.file.save(
                    filename(unit, export.day, extension), File(spool), save=False
                )
    except DatabaseError:
        # The database went away mid-build (a failover): not the export's
        # fault. It stops beating and the sweep builds it again.
        logger.warning("Report export %s: database lost; built again later", export.pk)
        raise
    except Exception as exc:
        logger.exception("Report export %s failed", export.pk)
        with translation.override(export.language):
            _fail(export, gettext_lazy("The export could not be built."))
        raise exc from None
    done = ReportExport.objects.filter(
        pk=export.pk, state=ReportExport.State.RUNNING
    ).update(
        state=ReportExport.State.READY,
        file=export.file.name,
        rows=count,
        scope_paths=list(scope.unit_paths) if scope.unit_paths is not None else None,
        scope_people=sorted(scope.report_ids()) if unit is None else None,
        finished_at=timezone.now(),
    )
    if not done:  # given up meanwhile (the sweep): nobody will fetch it
        export.file.delete(save=False)
        return "given up"
    export.state, export.rows = ReportExport.State.READY, count
    _tell(export)
    return "ready"


def _beat(export):
    ReportExport.objects.filter(pk=export.pk).update(heartbeat_at=timezone.now())


def _key(export):
    return f"report-export:{export.pk}"


def _tell(export):
    """Mail the person a link (once: the notification's key is the export),
    through the delivery log."""
    user = export.requested_by
    if not user.email:
        return None
    return sender.record(
        key=_key(export),
        kind=Notification.Kind.REPORT_EXPORT,
        recipient=user,
        data={"export": str(export.pk)},
    )


def compose_export_ready(notification):
    """(template, subject, context) of the link, or None once the file is
    gone (expired, or the export failed meanwhile)."""
    export = (
        ReportExport.objects.select_related("requested_by", "unit")
        .filter(pk=notification.data.get("export"), state=ReportExport.State.READY)
        .first()
    )
    if export is None:
        return None
    context = {
        "user": export.requested_by,
        "export": export,
        "unit": export.unit,
        "exports_url": settings.SITE_URL + reverse("reports:report_exports"),
        "keep_hours": settings.REPORT_EXPORT_KEEP_HOURS,
    }
    return (
        "reports/emails/report_export_ready",
        gettext_lazy("Your report export is ready"),
        context,
    )


def sweep(now=None):
    """Beat: delete the files of exports past their time, give up on builds
    whose worker died, and send again the tasks of exports still queued."""
    now = now or timezone.now()
    expired = 0
    for export in ReportExport.objects.filter(
        state=ReportExport.State.READY, finished_at__lt=now - keep_for()
    ):
        if export.file:
            export.file.delete(save=False)
        ReportExport.objects.filter(pk=export.pk).update(
            state=ReportExport.State.EXPIRED, file=""
        )
        expired += 1
    # A build that stopped beating lost its worker: queued again, or given
    # up after BUILD_ATTEMPTS (the person can ask again).
    stuck = ReportExport.objects.filter(
        state=ReportExport.State.RUNNING, heartbeat_at__lt=now - BUILD_LEASE
    )
    again = list(stuck.filter(attempts__lt=BUILD_ATTEMPTS).values_list("pk", flat=True))
    requeued = ReportExport.objects.filter(
        pk__in=again, state=ReportExport.State.RUNNING
    ).update(state=ReportExport.State.QUEUED)
    for export in stuck.filter(attempts__gte=BUILD_ATTEMPTS):
        with translation.override(export.language):
            _fail(
                export, gettext_lazy("The export could not be built. Please ask again.")
            )
    resent = 0
    waiting = ReportExport.objects.filter(state=ReportExport.State.QUEUED).filter(
        Q(created_at__lte=now - QUEUED_RESEND_AFTER) | Q(pk__in=again)
    )
    for export_id in waiting.values_list("pk", flat=True):
        resent += enqueue_once(
            "reports.build_report_export", str(export_id), lease=QUEUED_RESEND_AFTER
        )
    # Failed and expired exports are kept a while as the person's history.
    ReportExport.objects.filter(
        state__in=(ReportExport.State.FAILED, ReportExport.State.EXPIRED),
        created_at__lt=now - 7 * keep_for(),
    ).delete()
    return {"expired": expired, "requeued": requeued, "resent": resent}
