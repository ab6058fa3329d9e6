"""The import of past completions reads its file through the same bounded
reader as the HR import (core.spreadsheet_files): a deflate bomb or a file
of too many rows is refused as a whole, reported as row 1, and nothing is
recorded."""

import io
import zipfile

import pytest
from django.utils import translation

from learners import history_import
from learners.models import Enrolment

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
HEADER = "employee_number;course;completed_on;note"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_deflate_bomb_is_refused_as_a_whole():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(200):
                f.write(b"\0" * MB)
    plan = history_import.plan_history(buffer.getvalue(), "historik.xlsx")
    assert [(problem.row, problem.key) for problem in plan.errors] == [(1, "")]
    assert "unpacks to 200 MB" in plan.errors[0].message
    assert not plan.to_record


def test_too_many_rows_are_refused_and_nothing_is_recorded(settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [f"E-{n};kurs;2025-01-0{n + 1};" for n in range(4)]
    content = "\r\n".join([HEADER, *rows]).encode()
    plan = history_import.plan_history(content, "historik.csv")
    assert plan.errors[0].row == 1
    assert "more than 3 rows" in plan.errors[0].message
    assert not Enrolment.objects.exists()
