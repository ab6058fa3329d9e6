"""The report pages and exports: the screen equals the brute force, the export
equals the screen, scope holds from the wrong side in HTML, CSV and XLSX, every
view and export is audited, and the queries do not grow with the data."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from assignments.models import Assignment
from organisation.models import AuditEvent, OrgUnit, StaffProfile, UnitDelegation
from reports.figures import Filters, current_items, matrix
from reports.forms import _Select
from reports.people import courses_in as _courses_in
from tests.factories import UserFactory, make_course, make_staff, make_unit
from tests.helpers import add_people, make_report_org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(catalogue):
    return make_report_org(catalogue)


@pytest.fixture
def hr(db):
    return make_staff("central-hr", hr_role="central")


def test_central_hr_overview_and_drill_down(client, org, hr):
    add_people(org, org["a1"], 3, "a1-", state="completed")
    add_people(org, org["a"], 1, "a-", overdue=True)
    add_people(org, org["b"], 2, "b-")
    client.force_login(hr)
    top = client.get(reverse("reports:reports"))
    assert [row.label for row in top.context["rows"]] == ["Staden"]
    city = client.get(reverse("reports:report_unit", args=[org["city"].pk]))
    rows = {row.label: row for row in city.context["rows"]}
    assert rows["Förvaltning A"].total.total == 8  # 4 people × 2 courses
    assert rows["Förvaltning A"].total.completed == 6
    assert rows["Förvaltning A"].total.overdue == 2
    assert rows["Förvaltning B"].total.percent == 0
    assert city.context["grand"].total == 12
    a = client.get(reverse("reports:report_unit", args=[org["a"].pk]))
    rows = {row.unit.hr_code: row for row in a.context["rows"]}
    assert rows["A"].label == "Förvaltning A (själva enheten)"
    assert rows["A"].total.total == 2  # the people directly in A
    assert rows["A1"].total.percent == 100


def test_people_list_and_exports_equal_the_screen(client, org, hr):
    add_people(org, org["a1"], 3, "a1-", overdue=True)
    add_people(org, org["a"], 2, "a-", state="completed")
    client.force_login(hr)
    url = reverse("reports:report_people", args=[org["a"].pk])
    params = {"status": "overdue", "sortering": "name"}
    screen = client.get(url, params)
    shown = [
        [
            str(row[key]) if row[key] is not None else ""
            for key, _label in screen.context["columns"]
        ]
        for row in screen.context["rows"]
    ]
    # Swedish by default, in the export as on the screen.
    assert len(shown) == 6 and {row[6] for row in shown} == {"Försenad"}
    exported = client.get(url, {**params, "format": "csv"})
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body), delimiter=";"))
    with translation.override("sv"):
        header = [str(label) for _key, label in screen.context["columns"]]
    assert lines[0] == header
    assert [line[:7] for line in lines[1:]] == [row[:7] for row in shown]
    book = client.get(url, {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    xlsx_rows = [
        [cell if cell is not None else "" for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert [list(map(str, row[:7])) for row in xlsx_rows[1:]] == [
        row[:7] for row in shown
    ]
    events = AuditEvent.objects.filter(action__in=["view_report", "export_report"])
    assert sorted(e.details.get("format") or "screen" for e in events) == [
        "csv",
        "screen",
        "xlsx",
    ]
    assert all(e.details["filters"]["status"] == "overdue" for e in events)


def test_person_page_says_what_remains(client, org, hr):
    person = add_people(org, org["a1"], 1, "p")[0]
    client.force_login(hr)
    profile = StaffProfile.objects.get(user=person)
    page = client.get(reverse("reports:report_person", args=[profile.pk]))
    assert len(page.context["rows"]) == 2
    lesson = org["courses"][0].get_children().first().title
    assert lesson in page.content.decode()


def test_scope_from_the_wrong_side(client, org):
    add_people(org, org["b"], 1, "b-")
    other = StaffProfile.objects.get(employee_number="E-b-0")
    urls = [
        reverse("reports:report_unit", args=[org["b"].pk]),
        reverse("reports:report_people", args=[org["b"].pk]),
        reverse("reports:report_people", args=[org["b"].pk]) + "?format=csv",
        reverse("reports:report_people", args=[org["b"].pk]) + "?format=xlsx",
        reverse("reports:report_person", args=[other.pk]),
        reverse("reports:report_unit", args=[999999]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(org["head_a"])
    for url in urls:
        assert client.get(url).status_code == 404, url
    learner = make_staff("learner", unit=org["a1"])
    client.force_login(learner)
    for url in urls[:5]:
        assert client.get(url).status_code == 403, url
    assert not AuditEvent.objects.filter(action="export_report").exists()


def test_a_deputy_sees_the_delegated_unit_only_within_the_period(client, org):
    deputy = UserFactory(username="deputy")
    UnitDelegation.objects.create(
        unit=org["b"],
        delegate=deputy,
        valid_from=date(2027, 6, 1),
        valid_until=date(2027, 6, 30),
    )
    url = reverse("reports:report_people", args=[org["b"].pk])
    for day, expected in (
        (date(2027, 5, 31), 403),
        (date(2027, 6, 15), 200),
        (date(2027, 7, 1), 403),
    ):
        with time_machine.travel(day):
            client.force_login(deputy)
            response = client.get(url)
            assert response.status_code == expected, day
            assert (org["b"].name in response.content.decode()) == (expected == 200)


def test_bad_filters_get_a_message_not_a_500(client, org, hr):
    add_people(org, org["a1"], 1, "p")
    client.force_login(hr)
    url = reverse("reports:report_people", args=[org["a"].pk])
    response = client.get(
        url, {"fran": "igår", "till": "2027-01-01", "kurs": "x", "status": "nej"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"fran", "kurs", "status"}
    assert len(response.context["rows"]) == 2  # invalid filters left out


@pytest.mark.parametrize("people", [2, 20])
def test_queries_do_not_grow_with_people_or_units(
    client, org, hr, people, django_assert_max_num_queries
):
    for n in range(people // 2):
        make_unit(f"A1-{n}", parent=OrgUnit.objects.get(pk=org["a1"].pk))
    add_people(org, org["a1"], people, "p")
    client.force_login(hr)
    # The overview of a unit: the unit with its ancestors (one query), its
    # subtree (one: too small for the precomputed counts, so no query asks),
    # the counts of every course (one), their titles (one), a query per goal.
    items = people * len(org["courses"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("reports:report_unit", args=[org["a"].pk]))
    assert response.context["grand"].total == items
    with django_assert_max_num_queries(13):
        response = client.get(reverse("reports:report_unit", args=[org["a1"].pk]))
    assert response.context["grand"].total == items
    # The people: the courses and the number of rows in one query, the titles,
    # the page of rows.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:report_people", args=[org["a"].pk]))
    assert response.context["page"].paginator.count == items


def _complete(people, course, days_ago):
    moment = timezone.now() - timedelta(days=days_ago)
    Assignment.objects.filter(person__in=people, course=course).update(
        state="completed", completed_at=moment
    )


@pytest.mark.parametrize(
    ("target", "recent_days_ago", "deadline_in", "expected"),
    [
        (50, 10, 30, "met"),  # 5 of 10 done: 50 %
        (90, 10, 30, "on_track"),  # 5 in 28 days, 30 days left: 100 % by then
        (90, 60, 30, "at_risk"),  # nothing in the last 28 days
        (90, 10, -1, "missed"),  # the date has passed
    ],
)
def test_goal_status(client, org, hr, target, recent_days_ago, deadline_in, expected):
    from reports.figures import goal_status
    from reports.models import ReportGoal

    people = add_people(org, org["a1"], 10, "g")
    course = org["courses"][0]
    _complete(people[:5], course, recent_days_ago)
    goal = ReportGoal.objects.create(
        course=course,
        unit=org["a"],
        target_percent=target,
        deadline=timezone.localdate() + timedelta(days=deadline_in),
    )
    status = goal_status(goal, timezone.localdate())
    assert (status.cell.completed, status.cell.required) == (5, 10)
    assert status.state == expected
    client.force_login(hr)
    page = client.get(reverse("reports:report_unit", args=[org["a"].pk]))
    assert f'data-goal-state="{expected}"' in page.content.decode()


def test_trend_counts_completions_by_week(client, org, hr):
    people = add_people(org, org["a1"], 4, "t")
    course = org["courses"][0]
    _complete(people[:1], course, 20)
    _complete(people[1:3], course, 3)
    client.force_login(hr)
    page = client.get(
        reverse("reports:report_unit", args=[org["a"].pk]), {"kurs": course.pk}
    )
    points = page.context["trend"]
    assert len(points) == 12
    # Weeks ending 21, 14 and 7 days ago and today: done 20 and 3 days ago.
    assert [p.percent for p in points[-4:]] == [0, 25, 25, 75]
    html = page.content.decode()
    assert "<svg" in html and 'data-report="trend"' in html


def test_managers_see_scores_only_if_hr_allows(client, org, hr):
    from reports.models import ReportSettings

    person = add_people(org, org["a1"], 1, "s")[0]
    profile = StaffProfile.objects.get(user=person)
    url = reverse("reports:report_person", args=[profile.pk])
    client.force_login(org["head_a"])
    assert not client.get(url).context["details"]
    settings_row = ReportSettings.load()
    settings_row.managers_see = "details"
    settings_row.save()
    assert client.get(url).context["details"]
    settings_row.managers_see = "status"
    settings_row.save()
    client.force_login(hr)
    assert client.get(url).context["details"]


def test_overview_export_equals_the_screen(client, org, hr):
    add_people(org, org["a1"], 3, "a1-", state="completed")
    add_people(org, org["a"], 1, "a-", overdue=True)
    client.force_login(hr)
    url = reverse("reports:report_unit", args=[org["a"].pk])
    screen = client.get(url)
    rows = screen.context["rows"]
    courses = screen.context["courses"]
    exported = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert [line[0] for line in lines[1:-1]] == [row.label for row in rows]
    for line, row in zip(lines[1:-1], rows, strict=True):
        for index, course in enumerate(courses):
            cell = row.cells.get(course.pk)
            got = line[1 + 4 * index : 5 + 4 * index]
            assert got == [
                str(cell.percent),
                str(cell.completed),
                str(cell.required),
                str(cell.overdue),
            ]
    assert lines[-1][-4:] == [
        str(screen.context["grand"].percent),
        str(screen.context["grand"].completed),
        str(screen.context["grand"].required),
        str(screen.context["grand"].overdue),
    ]
    book = client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == [
        line[0] for line in lines
    ]
    assert AuditEvent.objects.filter(action="export_report").count() == 2
    # Another administration's table, by id: 404 in both formats.
    client.force_login(org["head_a"])
    other = reverse("reports:report_unit", args=[org["b"].pk])
    assert client.get(other, {"format": "csv"}).status_code == 404
    assert client.get(other, {"format": "xlsx"}).status_code == 404


def test_a_big_overview_reads_the_precomputed_counts_while_fresh(
    client, org, hr, monkeypatch
):
    from reports import figures as reports

    add_people(org, org["a1"], 3, "a1-", state="completed")
    add_people(org, org["a"], 2, "a-", overdue=True)
    add_people(org, org["b"], 2, "b-")
    client.force_login(hr)
    url = reverse("reports:report_unit", args=[org["city"].pk])
    course = org["courses"][0]
    live = client.get(url, {"kurs": course.pk})
    assert not live.context["precomputed"]  # never refreshed: counted live
    assert 'data-figures="live"' in live.content.decode()
    reports.refresh_counts()
    small = client.get(url, {"kurs": course.pk})
    assert not small.context["precomputed"]  # four units: counted live
    monkeypatch.setattr(reports, "PRECOMPUTED_MIN_UNITS", 4)
    page = client.get(url, {"kurs": course.pk})
    assert page.context["precomputed"]
    html = page.content.decode()
    as_of = timezone.localtime(page.context["figures_as_of"]).strftime("%H:%M")
    # Swedish, the default language, on the page.
    assert f"Uppdaterad {as_of}." in html and 'data-figures="precomputed"' in html

    def figures(context):
        return (
            [
                (row.label, row.total.total, row.total.completed, row.total.overdue)
                for row in context["rows"]
            ],
            str(context["grand"]),
            [(p.completed, p.required) for p in context["trend"]],
        )

    assert figures(page.context) == figures(live.context)
    assert page.context["courses"] == live.context["courses"]
    # A job-title filter the counts do not carry: live.
    assert not client.get(url, {"befattning": "x"}).context["precomputed"]
    # Counts older than COUNTS_MAX_AGE (beat stopped): live again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        client.force_login(hr)
        assert not client.get(url).context["precomputed"]


def test_sweeps_and_beat_refresh_the_report_counts(
    org, django_capture_on_commit_callbacks
):
    from django.conf import settings
    from django.db import connection

    from assignments.tasks import sweep_assignments
    from reports.tasks import refresh_report_counts

    def refreshed_at():
        with connection.cursor() as cursor:
            cursor.execute("SELECT refreshed_at FROM reports_report_counts_refreshed")
            row = cursor.fetchone()
        return row[0] if row else None

    assert refreshed_at() is None
    with django_capture_on_commit_callbacks(execute=True):
        sweep_assignments()  # after an HR import; eager in tests
    first = refreshed_at()
    assert first is not None
    refresh_report_counts()  # from beat: always refreshes
    assert refreshed_at() > first
    entry = settings.CELERY_BEAT_SCHEDULE["report-counts"]
    assert entry["task"] == "reports.refresh_report_counts"
    assert entry["options"]["expires"]


def test_a_report_cell_reads_as_the_template_did():
    from reports.figures import Cell
    from reports.templatetags.report_tags import report_cell, report_cells

    with translation.override("sv"):
        html = report_cell(Cell(total=5, completed=2, overdue=1, exempt=1))
        course = type("C", (), {"pk": 7, "title": "Kurs <7>"})
        row = report_cells({7: Cell(total=2, completed=2)}, [course])
    assert html == (
        '<span class="report-cell"><strong>50 %</strong> '
        '<span class="report-cell__detail">2 av 4, '
        '<span class="report-cell__overdue">1 försenad</span></span></span>'
    )
    assert row == (
        '<td data-label="Kurs &lt;7&gt;">'
        '<span class="report-cell"><strong>100 %</strong> '
        '<span class="report-cell__detail">2 av 2</span></span></td>'
    )
    assert report_cell(None) == report_cell(Cell()) == "–"


def _numbers(rows, by_course, grand):
    def cell(c):
        return None if c is None else (c.total, c.completed, c.overdue, c.exempt)

    return (
        [
            (row.label, cell(row.total), {k: cell(v) for k, v in row.cells.items()})
            for row in rows
        ],
        {k: cell(v) for k, v in by_course.items()},
        cell(grand),
    )


def test_a_course_filter_counts_as_one_course_matrix(client, org, hr):
    # A small unit counts every course in one query and picks the course
    # from it: the same figures as counting that course's items alone.
    add_people(org, org["a1"], 3, "a1-", state="completed")
    add_people(org, org["a"], 2, "a-", overdue=True)
    course = org["courses"][1]
    Assignment.objects.filter(person__username="a1-0", course=course).update(
        state="open", completed_at=None
    )
    client.force_login(hr)
    unit = OrgUnit.objects.get(pk=org["a"].pk)
    url = reverse("reports:report_unit", args=[unit.pk])
    page = client.get(url, {"kurs": course.pk}).context
    today = timezone.localdate()
    items = Filters(course_id=course.pk).apply(current_items([unit.path], today))
    rows, by_course, grand = matrix(
        items,
        [unit, *unit.get_children().order_by("name")],
        (unit.depth + 1) * OrgUnit.steplen,
        today,
    )
    rows = [row for row in rows if row.total.total or row.unit == unit]
    rows[0].label = page["rows"][0].label
    assert _numbers(page["rows"], page["by_course"], page["grand"]) == _numbers(
        rows, by_course, grand
    )
    assert [c.pk for c in page["courses"]] == [course.pk]
    # The choices are every course in the unit, as the probe finds them.
    assert [pk for pk, _t in page["form"].fields["kurs"].choices[1:]] == [
        c.pk for c in _courses_in(current_items([unit.path], today))
    ]
    # A course outside the unit is an error and counts every course.
    other = make_course(org["courses"][0].get_parent(), lessons=1, title="Annan")
    page = client.get(url, {"kurs": other.pk}).context
    assert "kurs" in page["form"].errors
    assert len(page["courses"]) == 2
    assert page["grand"].total == 10


def test_people_count_and_courses_without_filters(client, org, hr):
    add_people(org, org["a1"], 3, "a1-")
    client.force_login(hr)
    unit = OrgUnit.objects.get(pk=org["a"].pk)
    page = client.get(reverse("reports:report_people", args=[unit.pk])).context
    items = current_items([unit.path], timezone.localdate())
    assert page["page"].paginator.count == items.count() == 6
    assert [pk for pk, _t in page["form"].fields["kurs"].choices[1:]] == [
        c.pk for c in _courses_in(items)
    ]


def test_the_select_is_djangos():
    choices = [
        ("", "All"),
        (1, "Kurs <1> & “två”"),
        ("Group", [(2, "B"), (3, "C")]),
        (4, "D"),
    ]
    for value in ("", "1", "3", None, ["1", "4"]):
        for attrs in (None, {"aria-invalid": "true", "aria-describedby": "x y"}):
            ours = _Select(choices=choices).render("kurs", value, attrs)
            theirs = forms.Select(choices=choices).render("kurs", value, attrs)
            assert ours == theirs


def test_people_rows_tag_writes_what_the_loop_wrote():
    loop = Template(
        "{% for row in rows %}\n        <tr>\n"
        "            <td>{{ row.employee_number }}</td>\n"
        '            <th scope="row"><a href="{% url \'reports:report_person\' '
        'row.profile_id %}">{{ row.last_name }}</a></th>\n'
        "            <td>{{ row.first_name }}</td>\n"
        "            <td>{{ row.unit }}</td>\n"
        "            <td>{{ row.job_title }}</td>\n"
        "            <td>{{ row.course }}</td>\n"
        "            <td>{{ row.status }}</td>\n"
        '            <td>{{ row.due_date|date:"Y-m-d"|default:"" }}</td>\n'
        '            <td>{{ row.completed_at|date:"Y-m-d"|default:"" }}</td>\n'
        '            <td>{{ row.valid_until|date:"Y-m-d"|default:"" }}</td>\n'
        "        </tr>\n    {% endfor %}"
    )
    tag = Template("{% load report_tags %}{% people_rows rows %}")
    rows = [
        {
            "employee_number": "E<1>",
            "last_name": "O'Brien & Söner",
            "first_name": '"Å"',
            "unit": "Enhet <b>",
            "job_title": None,
            "course": "Kurs",
            "status": "Overdue",
            "due_date": date(2026, 3, 1),
            "completed_at": None,
            "valid_until": date(999, 1, 2),
            "profile_id": 7,
        },
        {
            "employee_number": "2",
            "last_name": "B",
            "first_name": "",
            "unit": "U",
            "job_title": "",
            "course": "K",
            "status": "Completed",
            "due_date": None,
            "completed_at": date(2026, 1, 31),
            "valid_until": None,
            "profile_id": 12345,
        },
    ]
    context = Context({"rows": rows})
    assert tag.render(context) == loop.render(context)


def test_people_rows_label_every_cell_with_its_column_heading():
    # On a phone each row is a card and every value shows its column's
    # heading (.table--stack); the row heading (the last name) needs none.
    columns = [
        ("employee_number", "Anst.nr"),
        ("last_name", "Efternamn"),
        ("first_name", "Förnamn"),
        ("unit", "Enhet"),
        ("job_title", "Befattning"),
        ("course", "Kurs"),
        ("status", 'Status "nu"'),
        ("due_date", "Sista dag"),
        ("completed_at", "Klar"),
        ("valid_until", "Giltigt till"),
    ]
    row = {
        "employee_number": "1",
        "last_name": "Berg",
        "first_name": "Bo",
        "unit": "U",
        "job_title": "",
        "course": "K",
        "status": "Försenad",
        "due_date": date(2026, 3, 1),
        "completed_at": None,
        "valid_until": None,
        "profile_id": 3,
    }
    html = Template("{% load report_tags %}{% people_rows rows columns %}").render(
        Context({"rows": [row], "columns": columns})
    )
    labels = [part.split('"')[0] for part in html.split('<td data-label="')[1:]]
    assert labels == [
        "Anst.nr",
        "Förnamn",
        "Enhet",
        "Befattning",
        "Kurs",
        "Status &quot;nu&quot;",
        "Sista dag",
        "Klar",
        "Giltigt till",
    ]
    assert html.count("<td") == 9 and '<th scope="row">' in html
    assert '<td data-label="Sista dag">2026-03-01</td>' in html
