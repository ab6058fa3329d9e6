"""Reading an HR file: CSV as Swedish spreadsheet programs write it (any of
UTF-8, UTF-8 with BOM, Windows-1252; comma or semicolon) or XLSX, into rows
of canonical columns. Reads only; the file itself is read, within bounds, by
`core.spreadsheet_files`."""

import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.spreadsheet_files import SpreadsheetError, read_rows

DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, header)."""


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


def _raw_rows(content, filename):
    """Rows of cells from CSV or XLSX, the header first, read within the
    limits on size, rows and columns (`core.spreadsheet_files`)."""
    try:
        return read_rows(content, filename)
    except SpreadsheetError as error:
        raise ImportFileError(str(error)) from error


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


def parse_date(value):
    if isinstance(value, datetime.date):
        return value
    match = DATE_RE.match(value)
    if not match:
        raise ValueError(value)
    return datetime.date.fromisoformat(match.group(1))
