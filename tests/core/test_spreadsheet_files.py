"""Spreadsheet files from outside are read within bounds: a deflate bomb, a
workbook of too many parts, a sheet declaring a million rows, a sheet lying
about its dimension and an over-long or over-wide CSV are each refused with
a clear message, after reading little (tracemalloc's peak, not a timer)."""

import io
import re
import tracemalloc
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from core.spreadsheet_files import (
    MAX_LINE_CHARS,
    Limits,
    SpreadsheetError,
    check_bounds,
    read_rows,
    unpacked_size,
)

MB = 1024 * 1024
# What reading may take beside the file itself, which is already in memory.
PEAK_LIMIT = 4 * MB
SMALL = Limits(max_unpacked_bytes=100 * MB, max_rows=1000, max_columns=60)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def workbook_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(content, edit):
    """The workbook `content` with its first sheet's XML passed through
    `edit` (bytes -> bytes), re-packed."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            target.writestr(info.filename, data)
    return buffer.getvalue()


def zeros_member(name, size):
    """A zip holding `size` bytes of zeros under `name`, written in chunks
    (about 1 MB per GB)."""
    buffer = io.BytesIO()
    chunk = b"\0" * MB
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            for _ in range(size // MB):
                member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def gigabyte_bomb():
    return zeros_member("xl/worksheets/sheet1.xml", 1024 * MB)


def refused(content, filename="staff.xlsx", limits=None):
    """The message of the refusal, and the peak of memory reading took."""
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError) as caught:
            read_rows(content, filename, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(caught.value), peak


def test_a_gigabyte_deflate_bomb_is_refused_before_unpacking(gigabyte_bomb):
    assert len(gigabyte_bomb) < 2 * MB
    message, peak = refused(gigabyte_bomb)
    assert "unpacks to 1024 MB, more than the 100 MB" in message
    assert peak < PEAK_LIMIT
    with pytest.raises(SpreadsheetError):
        check_bounds(gigabyte_bomb, "staff.xlsx")
    assert unpacked_size(gigabyte_bomb, "staff.xlsx") == 1024 * MB


def test_a_member_packed_like_a_bomb_is_refused_under_the_size_limit():
    content = zeros_member("xl/worksheets/sheet1.xml", 20 * MB)
    message, peak = refused(content)
    assert "unpacks to" in message and "times its packed size" in message
    assert peak < PEAK_LIMIT


def test_the_unpacked_limit_is_a_setting(settings):
    content = workbook_bytes([["employee_number"], ["1001"]])
    assert read_rows(content, "staff.xlsx") == [["employee_number"], ["1001"]]
    settings.IMPORT_MAX_UNPACKED_BYTES = 1000
    message, _peak = refused(content)
    assert "more than the 1 MB that can be imported" in message


def test_a_workbook_of_too_many_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(501):
            archive.writestr(f"xl/media/{n}.bin", b"x")
    message, _peak = refused(buffer.getvalue())
    assert "holds 501 parts" in message


def test_a_sheet_declaring_a_million_rows_is_refused_before_openpyxl():
    content = with_sheet_xml(
        workbook_bytes([["employee_number", "first_name"], ["1001", "Åsa"]]),
        lambda xml: re.sub(
            rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml
        ),
    )
    assert len(content) < 10_000
    message, peak = refused(content)
    assert "declares 1048576 rows and 16384 columns (A1:XFD1048576)" in message
    assert "at most 100000 rows and 60 columns" in message
    assert peak < PEAK_LIMIT


def test_a_sheet_lying_about_its_size_is_read_no_further_than_the_limit():
    """No dimension, and a cell in the last row of the sheet: openpyxl would
    fill in a million empty rows; the read stops after the limit."""

    def lie(xml):
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        far_row = (
            b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is>'
            b"</c></row>"
        )
        return xml.replace(b"</sheetData>", far_row + b"</sheetData>")

    content = with_sheet_xml(workbook_bytes([["employee_number"], ["1001"]]), lie)
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    message, peak = refused(content, limits=SMALL)
    assert "more than 1000 rows" in message
    assert peak < PEAK_LIMIT


def test_a_sheet_wider_than_the_limit_is_refused_even_without_a_dimension():
    def widen(xml):
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        return xml.replace(
            b"</row>", b'<c r="BZ1" t="inlineStr"><is><t>x</t></is></c></row>', 1
        )

    content = with_sheet_xml(workbook_bytes([["employee_number"], ["1001"]]), widen)
    message, _peak = refused(content, limits=SMALL)
    assert "more than 60 columns" in message


def test_rows_and_columns_up_to_the_limits_are_read():
    rows = [[f"c{n}" for n in range(60)]] + [[str(n)] for n in range(999)]
    assert len(read_rows(workbook_bytes(rows), "a.xlsx", SMALL)) == 1000
    text = "\r\n".join(";".join(row) for row in rows).encode()
    assert len(read_rows(text, "a.csv", SMALL)) == 1000
    assert read_rows(b"a;b;;\r\n1;2;;\r\n", "a.csv") == [["a", "b"], ["1", "2"]]


def test_a_csv_of_too_many_rows_or_columns_is_refused():
    many_rows = ("employee_number\r\n" + "1001\r\n" * 1000).encode()
    message, _peak = refused(many_rows, "a.csv", SMALL)
    assert "more than 1000 rows" in message
    wide = (";".join(["x"] * 61) + "\r\n").encode()
    message, _peak = refused(wide, "a.csv", SMALL)
    assert "more than 60 columns" in message


def test_a_csv_line_longer_than_the_limit_is_refused_before_parsing():
    content = b"employee_number\r\n" + b"x" * (MAX_LINE_CHARS + 1) + b"\r\n"
    message, _peak = refused(content, "a.csv")
    assert f"Line 2 is longer than {MAX_LINE_CHARS} characters" in message
    with pytest.raises(SpreadsheetError):
        check_bounds(content, "a.csv")


def test_xml_entities_in_a_workbook_are_refused():
    def entity(xml):
        doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
        return doctype + xml

    content = with_sheet_xml(workbook_bytes([["employee_number"]]), entity)
    message, _peak = refused(content)
    assert message == "The file could not be read as an Excel (XLSX) workbook."


def test_refusals_are_translated():
    with translation.override("sv"):
        with pytest.raises(SpreadsheetError) as caught:
            read_rows(b"x" * (MAX_LINE_CHARS + 1), "a.csv")
    assert "Rad 1 är längre än" in str(caught.value)


def test_a_member_declaring_less_than_it_holds_is_read_no_further():
    """The limits trust the zip directory's sizes: zipfile returns no more
    than a member declares, then fails on its checksum."""
    huge_sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<sheetData>"
        + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 400_000
        + b"</sheetData></worksheet>"
    )
    content = bytearray(with_sheet_xml(workbook_bytes([["a"]]), lambda xml: huge_sheet))
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := content.find(signature, start)) != -1:
            name_offset = 30 if signature == b"PK\x03\x04" else 46
            if content[start + name_offset : start + name_offset + len(name)] == name:
                content[start + size_offset : start + size_offset + 4] = (
                    1000
                ).to_bytes(4, "little")
            start += 4
    content = bytes(content)
    assert unpacked_size(content, "a.xlsx") < 100_000
    message, peak = refused(content)
    assert message == "The file could not be read as an Excel (XLSX) workbook."
    assert peak < PEAK_LIMIT
