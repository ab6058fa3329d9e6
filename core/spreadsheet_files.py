"""Reading spreadsheet files from outside (CSV and XLSX), bounded.

An XLSX is a zip of XML: a few kilobytes can declare a sheet of a million
rows and 16,384 columns, or unpack to gigabytes (a deflate bomb), and a limit
on the uploaded size alone stops neither. So, before openpyxl sees a workbook,
its zip directory is checked: the members' unpacked sizes together, the
number of members and each member's compression ratio. zipfile never returns
more than a member's declared size (and fails on a wrong checksum), so the
declared sizes bound what can be read. Then the first sheet's declared
`<dimension>` is read with a streaming parser (defusedxml, which also refuses
entities and DTDs) from the first bytes of its XML. Only then is the workbook
opened, read-only and streaming, and its rows are read up to the limit, never
further: a sheet may lie about its dimension. A CSV is bounded in rows, line
length and cells per row.

Every refusal is a `SpreadsheetError` whose message says what to do, in the
active language. Reads only; `read_rows` gives the rows of cells as text
(XLSX dates as dates), the header first. The HR import and the completion
history import read through here (`organisation.hr_import.files`).
"""

import csv
import datetime
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

# Defaults of the settings IMPORT_MAX_UNPACKED_BYTES, IMPORT_MAX_ROWS and
# IMPORT_MAX_COLUMNS. 40,000 staff rows are 22 MB of sheet XML unpacked.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 60
# A workbook has about ten members; a few hundred is still a spreadsheet.
MAX_MEMBERS = 500
# Sheet XML packs about 10 to 25 times; a deflate bomb of zeros about 1,000.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
# A CSV line: 60 columns of a few hundred characters each.
MAX_LINE_CHARS = 20_000
# Elements read at the start of a sheet before its <dimension> or <sheetData>.
DIMENSION_SEARCH_ELEMENTS = 200

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?$")
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_RELATIONSHIPS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


class SpreadsheetError(Exception):
    """The file as a whole cannot or may not be read; the message says why."""


@dataclass(frozen=True)
class Limits:
    max_unpacked_bytes: int
    max_rows: int
    max_columns: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_unpacked_bytes=getattr(
                settings, "IMPORT_MAX_UNPACKED_BYTES", MAX_UNPACKED_BYTES
            ),
            max_rows=getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS),
            max_columns=getattr(settings, "IMPORT_MAX_COLUMNS", MAX_COLUMNS),
        )


def is_xlsx(content, filename=""):
    return content[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx")


def unpacked_size(content, filename=""):
    """How many bytes reading the file means: a CSV's own size, an XLSX's
    members unpacked (as declared; 0 if it is no zip: refused when read)."""
    if not is_xlsx(content, filename):
        return len(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def check_bounds(content, filename="", limits=None):
    """The checks that need no spreadsheet library, cheap whatever the file:
    an XLSX's zip directory and its first sheet's declared dimension, a CSV's
    encoding and lines. Raises `SpreadsheetError`. `read_rows` makes them
    too; an upload form makes them first, to refuse at once."""
    limits = limits or Limits.from_settings()
    if is_xlsx(content, filename):
        _check_xlsx(content, limits)
    else:
        _check_lines(_csv_text(content), limits)


def read_rows(content, filename="", limits=None):
    """The rows of the file (lists of cells), the header first. Raises
    `SpreadsheetError` for a file that is unreadable or over a limit."""
    limits = limits or Limits.from_settings()
    if is_xlsx(content, filename):
        _check_xlsx(content, limits)
        return _xlsx_rows(content, limits)
    text = _csv_text(content)
    _check_lines(text, limits)
    return _csv_rows(text, limits)


def cell_value(value):
    """A cell as text; real dates from XLSX stay dates, whole numbers (an
    employee number typed as a number) lose their decimals."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- XLSX ---------------------------------------------------------------------


def _unreadable_workbook():
    return SpreadsheetError(
        _("The file could not be read as an Excel (XLSX) workbook.")
    )


def _megabytes(size):
    return max(1, round(size / (1024 * 1024)))


def _check_archive(archive, limits):
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SpreadsheetError(
            _(
                "The workbook holds %(count)s parts, more than any spreadsheet "
                "(at most %(limit)s). Save it again as an Excel workbook."
            )
            % {"count": len(infos), "limit": MAX_MEMBERS}
        )
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise SpreadsheetError(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB "
                "that can be imported. Split it into smaller files, or save it "
                "as CSV."
            )
            % {
                "size": _megabytes(unpacked),
                "limit": _megabytes(limits.max_unpacked_bytes),
            }
        )
    for info in infos:
        if (
            info.file_size > RATIO_CHECKED_ABOVE_BYTES
            and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            raise SpreadsheetError(
                _(
                    "A part of the workbook unpacks to %(ratio)s times its packed "
                    "size, which no spreadsheet does. The file is refused."
                )
                % {"ratio": info.file_size // max(info.compress_size, 1)}
            )


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _elements(archive, name):
    """The start tags of a member's XML, streamed (defusedxml: no entities,
    no DTD); a member that is missing or broken is an unreadable workbook."""
    try:
        with archive.open(name) as source:
            for _event, element in iterparse(source, events=("start",)):
                yield element
    except KeyError as error:
        raise _unreadable_workbook() from error
    # A broken member fails in zlib, zipfile, expat or defusedxml; each
    # means the same to HR: not a readable workbook.
    except Exception as error:
        raise _unreadable_workbook() from error


def _relationship_targets(archive, rels_name):
    targets = {}
    for element in _elements(archive, rels_name):
        if _local(element.tag) == "Relationship":
            targets[element.get("Id")] = (
                element.get("Type", ""),
                element.get("Target", ""),
            )
    return targets


def _resolve(base_dir, target):
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def _first_sheet_name(archive):
    """The member holding the first sheet, as openpyxl reads it: the
    package's office document (the workbook), its first <sheet>, and the
    relationship that names that sheet's part."""
    workbook = "xl/workbook.xml"
    for kind, target in _relationship_targets(archive, "_rels/.rels").values():
        if kind.endswith("/officeDocument"):
            workbook = _resolve("", target)
            break
    first_id = None
    for element in _elements(archive, workbook):
        if _local(element.tag) == "sheet":
            first_id = element.get(f"{{{_RELATIONSHIPS}}}id") or element.get(
                f"{{{_STRICT_RELATIONSHIPS}}}id"
            )
            break
    directory, base = posixpath.split(workbook)
    rels = posixpath.join(directory, "_rels", f"{base}.rels")
    target = _relationship_targets(archive, rels).get(first_id)
    if target is None:
        raise _unreadable_workbook()
    return _resolve(directory, target[1])


def _column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _declared_dimension(archive, sheet_name):
    """(rows, columns, ref) of the sheet's <dimension>, or None if it
    declares none before its data (or one that cannot be read)."""
    for count, element in enumerate(_elements(archive, sheet_name)):
        tag = _local(element.tag)
        if tag == "dimension":
            ref = (element.get("ref") or "").strip().upper()
            match = _REF.match(ref)
            if not match:
                return None
            first_col, first_row, last_col, last_row = match.groups()
            last_col, last_row = last_col or first_col, last_row or first_row
            return int(last_row), _column_number(last_col), ref
        if tag == "sheetData" or count >= DIMENSION_SEARCH_ELEMENTS:
            return None
    return None


def _too_many_rows(limit):
    return SpreadsheetError(
        _(
            "The file has more than %(limit)s rows. Split it into smaller files "
            "(or delete the empty rows after the data)."
        )
        % {"limit": limit}
    )


def _too_many_columns(limit):
    return SpreadsheetError(
        _(
            "The file has more than %(limit)s columns. Delete the columns the "
            "import does not use (or the empty ones after the data)."
        )
        % {"limit": limit}
    )


def _check_xlsx(content, limits):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _unreadable_workbook() from error
    with archive:
        _check_archive(archive, limits)
        dimension = _declared_dimension(archive, _first_sheet_name(archive))
    if dimension is not None:
        rows, columns, ref = dimension
        if rows > limits.max_rows or columns > limits.max_columns:
            raise SpreadsheetError(
                _(
                    "The first sheet declares %(rows)s rows and %(columns)s "
                    "columns (%(ref)s); at most %(max_rows)s rows and "
                    "%(max_columns)s columns can be imported. Delete the empty "
                    "rows and columns after the data, or split the file."
                )
                % {
                    "rows": rows,
                    "columns": columns,
                    "ref": ref[:30],
                    "max_rows": limits.max_rows,
                    "max_columns": limits.max_columns,
                }
            )


def _xlsx_rows(content, limits):
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            result = []
            # One row past the limit, to tell "at the limit" from "over it";
            # openpyxl reads no further than asked (without the bound, a
            # single cell in row 1,048,576 would make it fill in a million
            # empty rows). Rows are as wide as the declared dimension (checked
            # above) or, without one, as their last cell.
            for row in sheet.iter_rows(max_row=limits.max_rows + 1, values_only=True):
                if len(result) == limits.max_rows:
                    raise _too_many_rows(limits.max_rows)
                cells = [cell_value(value) for value in row]
                while cells and cells[-1] == "":
                    cells.pop()
                if len(cells) > limits.max_columns:
                    raise _too_many_columns(limits.max_columns)
                result.append(cells)
            return result
        finally:
            workbook.close()
    except SpreadsheetError:
        raise
    # A damaged workbook fails in many ways inside openpyxl, zipfile and the
    # XML parser; each means the same to HR: not a readable XLSX.
    except Exception as error:
        raise _unreadable_workbook() from error


# --- CSV ----------------------------------------------------------------------


def _decode(content):
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            _("The file is neither UTF-8 nor Windows-1252 text. Save it as CSV again.")
        ) from error


def _check_lines(text, limits):
    """Every line short enough, and not absurdly many of them (quoted line
    breaks aside, a row is a line): found with str.find, no copies."""
    start, number = 0, 0
    line_limit = limits.max_rows * 2
    while start < len(text):
        number += 1
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        if end - start > MAX_LINE_CHARS:
            raise SpreadsheetError(
                _(
                    "Line %(line)s is longer than %(limit)s characters: perhaps "
                    "the file is not CSV, or its line breaks are missing."
                )
                % {"line": number, "limit": MAX_LINE_CHARS}
            )
        if number > line_limit:
            raise _too_many_rows(limits.max_rows)
        start = end + 1


def _csv_text(content):
    text = _decode(content)
    if "\x00" in text:
        raise SpreadsheetError(
            _(
                "The file holds NUL characters (perhaps it is UTF-16). Save it "
                "as CSV in UTF-8 or Windows-1252."
            )
        )
    return text


def _csv_rows(text, limits):
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ";"
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) == limits.max_rows:
                raise _too_many_rows(limits.max_rows)
            cells = [cell.strip() for cell in row]
            while cells and cells[-1] == "":
                cells.pop()
            if len(cells) > limits.max_columns:
                raise _too_many_columns(limits.max_columns)
            rows.append(cells)
    except csv.Error as error:
        raise SpreadsheetError(
            _("The file is not valid CSV: %(error)s") % {"error": error}
        ) from error
    return rows
