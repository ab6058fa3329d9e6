"""Reports in the browser: a head of administration drills down from the
overview to one person, downloads the export, and axe-core finds nothing at
WCAG 2.1 AA on the report pages."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assignments.models import Assignment
from organisation.models import OrgUnit
from reports.models import ReportGoal
from tests.browser.helpers import PHONE, assert_no_axe_violations, log_in
from tests.factories import PASSWORD, make_course, make_staff, make_unit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_drill_down_export_and_accessibility(new_page, catalogue):
    head = make_staff("head")
    admin = make_unit("VO", name="Vård och omsorg", head=head)
    unit = make_unit(
        "VO1", name="Hemtjänst City", parent=OrgUnit.objects.get(pk=admin.pk)
    )
    courses = [make_course(catalogue, lessons=1, title=f"Kurs {n}") for n in range(2)]
    today = timezone.localdate()
    for n in range(4):
        person = make_staff(f"p{n}", unit=unit, job_title="Undersköterska")
        for course in courses:
            done = n < 2
            Assignment.objects.create(
                person=person,
                course=course,
                course_title=course.title,
                assigned_on=today - timedelta(days=40),
                due_date=today + timedelta(days=-3 if n == 3 else 10),
                state="completed" if done else "open",
                completed_at=timezone.now() - timedelta(days=n + 1) if done else None,
            )
    ReportGoal.objects.create(
        course=courses[0],
        unit=admin,
        target_percent=90,
        deadline=today + timedelta(days=60),
    )

    page = new_page()
    log_in(page, "head", PASSWORD, next_path="/learning/reports/")
    page.get_by_role("link", name="Vård och omsorg").click()
    assert page.locator("h1").inner_text() == "Vård och omsorg"
    page.locator("#id_kurs").select_option(str(courses[0].pk))
    page.get_by_role("button", name="Visa").click()
    assert page.locator("table[data-report=trend] tbody tr").count() == 12
    assert page.locator("table[data-report=goals] [data-goal-state]").count() == 1
    assert_no_axe_violations(page, "Report overview with goals and trend")

    page.get_by_role("link", name="Hemtjänst City").click()
    page.get_by_role("link", name="Personer i Hemtjänst City").click()
    rows = page.locator("table[data-report=people] tbody tr")
    assert rows.count() == 4  # the course filter carried over: 4 people × 1 course
    assert_no_axe_violations(page, "Report: people")
    screen = [
        [cell.inner_text().strip() for cell in row.locator("th, td").all()]
        for row in rows.all()
    ]
    with page.expect_download() as download:
        page.locator("a[data-export=csv]").click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    exported = list(csv.reader(io.StringIO(content), delimiter=";"))[1:]
    assert [row[:7] for row in exported] == [row[:7] for row in screen]

    rows.first.locator("th a").click()
    assert page.locator("table tbody tr").count() == 2
    assert_no_axe_violations(page, "Report: one person")

    phone = new_page(device=PHONE)
    log_in(phone, "head", PASSWORD, next_path="/learning/reports/")
    assert_no_axe_violations(phone, "Report overview on a phone")


def test_everyone_in_scope_and_a_big_export_by_mail(new_page, catalogue, settings):
    """A head of two administrations lists everyone in them and asks for an
    export too big for the request: confirmed, it is built (the test settings
    run the task eagerly, on commit), listed under My exports, and downloads
    as the rows on the screen. axe on the three pages."""
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = {"csv": 2, "xlsx": 2}
    head = make_staff("head2")
    head.email = "head2@example.org"
    head.save()
    course = make_course(catalogue, lessons=1, title="Brandskydd")
    today = timezone.localdate()
    for code in ("SK", "UF"):
        unit = make_unit(code, name=f"Förvaltning {code}", head=head)
        for n in range(2):
            person = make_staff(f"{code}-{n}", unit=unit)
            Assignment.objects.create(
                person=person,
                course=course,
                course_title=course.title,
                assigned_on=today - timedelta(days=10),
                due_date=today + timedelta(days=n - 1),
                state="open",
            )
    page = new_page()
    log_in(page, "head2", PASSWORD, next_path="/learning/reports/")
    page.get_by_role("link", name="Personer i alla dina enheter").click()
    rows = page.locator("table[data-report=people] tbody tr")
    assert rows.count() == 4
    assert_no_axe_violations(page, "Report: everyone in scope")
    screen = [
        [cell.inner_text().strip() for cell in row.locator("th, td").all()]
        for row in rows.all()
    ]
    page.locator("a[data-export=xlsx]").click()
    assert page.locator("h1").inner_text() == "Ta fram en export"
    assert_no_axe_violations(page, "Confirm a big export")
    page.get_by_role("button", name="Ta fram exporten").click()
    assert page.locator("h1").inner_text() == "Mina exporter"
    assert "Exporten har 4 rader" in page.locator(".messages").inner_text()
    assert_no_axe_violations(page, "My exports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner (Excel (XLSX))").click()
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    exported = [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert [row[:7] for row in exported] == [row[:7] for row in screen]
