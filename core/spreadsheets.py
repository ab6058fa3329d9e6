"""Exports that are safe to open in a spreadsheet program.

A cell whose text begins with `=`, `+`, `-` or `@` (or a tab or carriage
return) is read as a formula by Excel and LibreOffice: a person named
`=HYPERLINK("https://…")` would become a live link in HR's export (OWASP's
"CSV injection"). In a CSV such a text is prefixed with an apostrophe; in an
XLSX it is written as a text cell, never a formula. Sheet titles and file
names take only what every program and an HTTP header can hold.
"""

import re

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What an XLSX sheet title cannot hold: \ / ? * : [ ] (and 31 characters).
_SHEET_FORBIDDEN = re.compile(r"[\\/?*:\[\]]")
_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def csv_text(value):
    """The text of a CSV cell: as it is, or after an apostrophe if a
    spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_value(sheet, value):
    """A value for `sheet.append` (openpyxl write-only): numbers and dates as
    they are, text as text — also text that looks like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def sheet_title(text, default="Rapport"):
    """A sheet title every program opens: no \\ / ? * : [ ], at most 31."""
    title = _SHEET_FORBIDDEN.sub("-", text or "").strip("'")[:31]
    return title or default


def filename_part(text, default="rapport"):
    """A piece of a download's file name that any HTTP header can carry."""
    return _FILENAME_SAFE.sub("-", text or "").strip("-")[:60] or default
