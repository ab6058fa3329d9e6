"""The HR import (organisation.hr_import and its management commands): units and
staff from CSV or XLSX, dry run, all-or-nothing apply, leavers, idempotence,
every kind of bad row, and a query count that does not grow with the file."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from organisation import hr_import
from organisation.hr_import import FULL, PARTIAL, STAFF, UNITS, ImportRefused
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from tests.factories import PASSWORD, UserFactory, make_staff, make_unit
from tests.helpers import STAFF_HEADER, UNIT_HEADER, csv_bytes, staff_row

pytestmark = pytest.mark.django_db

User = get_user_model()
TODAY = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the source language)."""
    with translation.override("en"):
        yield


def plan(kind, content, mode=PARTIAL, filename="file.csv"):
    return hr_import.plan_import(None, kind, content, filename, mode, today=TODAY)


def apply(kind, content, mode=PARTIAL, filename="file.csv", actor=None, **kwargs):
    return hr_import.apply_import(
        actor, kind, content, filename, mode, today=TODAY, **kwargs
    )


def snapshot():
    """Everything an import may write, to prove that nothing was."""
    return (
        list(User.objects.order_by("pk").values()),
        list(StaffProfile.objects.order_by("pk").values()),
        list(OrgUnit.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def units(db):
    """Förvaltning F with units U1 and U2 under it."""
    root = make_unit("F", "Förvaltningen")
    make_unit("U1", "Enhet 1", parent=OrgUnit.objects.get(pk=root.pk))
    make_unit("U2", "Enhet 2", parent=OrgUnit.objects.get(pk=root.pk))
    return {unit.hr_code: unit for unit in OrgUnit.objects.all()}


# --- Units ------------------------------------------------------------------------


def test_units_new_tree_is_created_parents_first_even_if_listed_after():
    content = csv_bytes(
        UNIT_HEADER,
        "E1;Enhet ett;A1;;1",
        "A1;Avdelning;F;;",
        "F;Förvaltningen;;;ja",
    )
    dry = plan(UNITS, content, FULL)
    assert dry.is_valid, dry.errors
    assert [entry.key for entry in dry.created] == ["E1", "A1", "F"]
    assert OrgUnit.objects.count() == 0  # a dry run writes nothing

    apply(UNITS, content, FULL)
    unit = OrgUnit.objects.get(hr_code="E1")
    assert [a.hr_code for a in unit.get_ancestors()] == ["F", "A1"]
    assert unit.name == "Enhet ett" and unit.active
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.IMPORT_UNITS
    assert event.details["counts"]["created"] == 3
    assert event.details["mode"] == FULL


def test_units_rename_move_deactivate_and_reactivate(units):
    OrgUnit.objects.filter(hr_code="U2").update(active=False)
    make_unit("OLD", "Nedlagd", parent=OrgUnit.objects.get(hr_code="F"))
    content = csv_bytes(
        UNIT_HEADER,
        "F;Förvaltningen;;;1",
        "U1;Enhet ett;F;;1",
        "U2;Enhet 2;U1;;1",  # moved under U1, and active again
    )
    dry = plan(UNITS, content, FULL)
    assert dry.is_valid
    assert [(e.key, e.changes) for e in dry.changed] == [
        ("U1", [("name", "Enhet 1", "Enhet ett")])
    ]
    assert [(e.key, e.changes) for e in dry.moved] == [("U2", [("parent", "F", "U1")])]
    assert [e.key for e in dry.reactivated] == ["U2"]
    assert [e.key for e in dry.deactivated] == ["OLD"]

    apply(UNITS, content, FULL)
    moved = OrgUnit.objects.get(hr_code="U2")
    assert moved.get_parent().hr_code == "U1" and moved.active
    assert OrgUnit.objects.get(hr_code="U1").name == "Enhet ett"
    old = OrgUnit.objects.get(hr_code="OLD")  # kept, never deleted
    assert not old.active
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_units_partial_import_touches_only_its_rows(units):
    content = csv_bytes(UNIT_HEADER, "U3;Enhet 3;U1;;1")
    apply(UNITS, content, PARTIAL)
    assert OrgUnit.objects.get(hr_code="U3").get_parent().hr_code == "U1"
    assert OrgUnit.objects.filter(active=True).count() == 4


def test_units_move_to_the_top_level(units):
    apply(UNITS, csv_bytes(UNIT_HEADER, "U1;Enhet 1;;;1"), PARTIAL)
    assert OrgUnit.objects.get(hr_code="U1").is_root()
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_units_heads_are_set_once_staff_exist_and_unknown_heads_warn(units):
    make_staff("chef", unit=units["U1"])
    content = csv_bytes(
        UNIT_HEADER,
        "U1;Enhet 1;F;E-chef;1",
        "U2;Enhet 2;F;E-nobody;1",
    )
    dry = plan(UNITS, content)
    assert [(w.row, w.key) for w in dry.warnings] == [(3, "U2")]
    assert "E-nobody" in dry.warnings[0].message
    apply(UNITS, content)
    assert OrgUnit.objects.get(hr_code="U1").head.username == "chef"
    assert OrgUnit.objects.get(hr_code="U2").head is None


def test_unit_whose_parent_is_missing_is_a_bad_row_and_nothing_is_applied(units):
    content = csv_bytes(UNIT_HEADER, "U3;Enhet 3;U1;;1", "U4;Enhet 4;NOPE;;1")
    before = snapshot()
    dry = plan(UNITS, content)
    assert [(e.row, e.key) for e in dry.errors] == [(3, "U4")]
    assert "NOPE" in dry.errors[0].message
    with pytest.raises(ImportRefused):
        apply(UNITS, content)
    assert snapshot() == before


def test_full_units_import_needs_the_parent_in_the_file(units):
    content = csv_bytes(UNIT_HEADER, "U1;Enhet 1;F;;1")
    dry = plan(UNITS, content, FULL)
    assert [(e.row, e.key) for e in dry.errors] == [(2, "U1")]
    assert "not in the file" in dry.errors[0].message


def test_a_cycle_in_the_unit_tree_is_a_bad_row_for_each_unit_in_it():
    content = csv_bytes(
        UNIT_HEADER, "F;Förvaltningen;;;1", "A;A;B;;1", "B;B;A;;1", "C;C;A;;1"
    )
    before = snapshot()
    dry = plan(UNITS, content, FULL)
    assert sorted((e.row, e.key) for e in dry.errors) == [(3, "A"), (4, "B")]
    assert "cycle" in dry.errors[0].message and "A → B → A" in dry.errors[0].message
    with pytest.raises(ImportRefused):
        apply(UNITS, content, FULL)
    assert snapshot() == before


def test_moving_a_unit_under_its_own_descendant_is_a_cycle(units):
    # U1 is under F; a partial file puts F under U1.
    content = csv_bytes(UNIT_HEADER, "F;Förvaltningen;U1;;1")
    dry = plan(UNITS, content)
    assert [(e.row, e.key) for e in dry.errors] == [(2, "F")]
    assert "cycle" in dry.errors[0].message


def test_duplicate_hr_code_is_a_bad_row(units):
    content = csv_bytes(UNIT_HEADER, "U3;Enhet 3;F;;1", "U3;Igen;F;;1")
    dry = plan(UNITS, content)
    assert [(e.row, e.key) for e in dry.errors] == [(3, "U3")]
    assert "also on row 2" in dry.errors[0].message
    with pytest.raises(ImportRefused):
        apply(UNITS, content)
    assert not OrgUnit.objects.filter(hr_code="U3").exists()


@pytest.mark.parametrize(
    "code", ["U:1", "U/1", "U[1]", "Enhet 1", 'U"1', "Å1", "-U1", "U*"]
)
def test_an_hr_code_a_file_name_or_sheet_title_cannot_hold_is_a_bad_row(units, code):
    """Codes name exports (file names in an HTTP header, XLSX sheet titles):
    what they cannot hold is refused at the import, not a 500 at every
    export of that unit later."""
    content = csv_bytes(UNIT_HEADER, f"{code};Enhet;F;;1")
    dry = plan(UNITS, content)
    assert [e.row for e in dry.errors] == [2]
    assert "may hold only the letters A–Z" in dry.errors[0].message
    with pytest.raises(ImportRefused):
        apply(UNITS, content)
    assert not OrgUnit.objects.filter(name="Enhet").exists()


def test_units_import_twice_changes_nothing_the_second_time():
    content = csv_bytes(
        UNIT_HEADER, "F;Förvaltningen;;;1", "A;Avd;F;;1", "B;Enhet;A;;0"
    )
    apply(UNITS, content, FULL)
    before = snapshot()
    again = plan(UNITS, content, FULL)
    assert not again.has_changes and not again.errors
    apply(UNITS, content, FULL)
    after = snapshot()
    assert after[:3] == before[:3]
    assert after[3] == before[3] + 1  # only the import's own audit record


# --- Staff ------------------------------------------------------------------------


def test_new_staff_are_created_with_an_invitation(
    units, django_capture_on_commit_callbacks, mailoutbox
):
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("1001", "Åsa", "Öberg", manager="1002", language="en"),
        staff_row("1002", "Bo", "Chef", unit="U2", email=""),
    )
    dry = plan(STAFF, content)
    assert [e.key for e in dry.created] == ["1001", "1002"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        apply(STAFF, content)
    asa = StaffProfile.objects.select_related("user", "unit").get(
        employee_number="1001"
    )
    assert asa.user.username == "1001"
    assert asa.user.get_full_name() == "Åsa Öberg"
    assert asa.unit.hr_code == "U1"
    assert asa.line_manager.staff_profile.employee_number == "1002"
    assert asa.preferred_language == "en"
    assert asa.start_date == datetime.date(2020, 1, 1)
    assert not asa.user.has_usable_password()
    # An invitation for the one new person with an email, none for Bo: one
    # hand-out of the delivery log, the re-evaluation of the assignments, and
    # (asked for by that sweep when it ran) the refresh of the report counts.
    assert [callback.func.__self__.name for callback in callbacks] == [
        "notifications.hand_out",
        "assignments.sweep_assignments",
        "reports.refresh_report_counts",
    ]
    assert [message.to for message in mailoutbox] == [["1001@example.se"]]


def test_changed_and_moved_staff_show_old_and_new_values(units):
    make_staff("anna", unit=units["U1"], job_title="Handläggare")
    content = csv_bytes(
        STAFF_HEADER,
        staff_row(
            "E-anna",
            "Anna",
            "Lind",
            unit="U2",
            email="anna@example.se",
            job_title="Chef",
        ),
    )
    dry = plan(STAFF, content)
    changed = {label: (old, new) for label, old, new in dry.changed[0].changes}
    assert changed["last name"] == ("Svensson", "Lind")
    assert changed["job title"] == ("Handläggare", "Chef")
    assert changed["start date"] == ("–", "2020-01-01")
    assert dry.moved[0].changes == [("unit", "U1", "U2")]
    apply(STAFF, content)
    profile = StaffProfile.objects.select_related("user", "unit").get(
        employee_number="E-anna"
    )
    assert profile.unit.hr_code == "U2"
    assert profile.job_title == "Chef" and profile.user.last_name == "Lind"


def test_leaver_missing_from_a_full_import_is_deactivated_and_kept(units):
    for n in range(30):
        make_staff(f"p{n}", unit=units["U1"])
    leaver = User.objects.get(username="p0")
    content = csv_bytes(
        STAFF_HEADER,
        *[staff_row(f"E-p{n}", first="Förnamn", last="Svensson") for n in range(1, 30)],
    )
    dry = plan(STAFF, content, FULL)
    assert [e.key for e in dry.deactivated] == ["E-p0"]
    assert not dry.needs_confirmation  # 1 of 30 is under 5 %
    apply(STAFF, content, FULL)
    leaver.refresh_from_db()
    assert not leaver.is_active
    # The password is made unusable: it changes the hash every session of
    # theirs carries, so none comes back if they are reactivated.
    assert not leaver.has_usable_password()
    assert StaffProfile.objects.filter(user=leaver).exists()  # history kept


def test_partial_import_does_not_deactivate_people_missing_from_it(units):
    make_staff("kvar", unit=units["U1"])
    apply(STAFF, csv_bytes(STAFF_HEADER, staff_row("2001")), PARTIAL)
    assert User.objects.get(username="kvar").is_active


def test_end_date_in_the_past_deactivates_and_a_later_file_reactivates(units):
    make_staff("ulla", unit=units["U1"])
    past = csv_bytes(STAFF_HEADER, staff_row("E-ulla", end_date="2026-11-01"))
    dry = plan(STAFF, past)
    assert [e.key for e in dry.deactivated] == ["E-ulla"]
    apply(STAFF, past)
    assert not User.objects.get(username="ulla").is_active

    back = csv_bytes(STAFF_HEADER, staff_row("E-ulla", end_date=""))
    dry = plan(STAFF, back)
    assert [e.key for e in dry.reactivated] == ["E-ulla"]
    apply(STAFF, back)
    assert User.objects.get(username="ulla").is_active


def test_end_date_today_is_still_a_working_day(units):
    apply(STAFF, csv_bytes(STAFF_HEADER, staff_row("3001", end_date="2026-11-02")))
    assert User.objects.get(username="3001").is_active


def test_session_of_a_deactivated_person_is_gone(units, client):
    user = make_staff("sara", unit=units["U1"])
    credentials = {"username": "sara", "password": PASSWORD}
    # Through the login form, as a person signs in (the throttle needs the request).
    assert client.post(reverse("login"), credentials).status_code == 302
    url = reverse("learners:my_learning")
    assert client.get(url).status_code == 200
    apply(STAFF, csv_bytes(STAFF_HEADER, staff_row("E-sara", end_date="2026-01-31")))
    user.refresh_from_db()
    assert not user.is_active
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(reverse("login"), credentials).status_code == 200  # refused
    assert client.get(url).status_code == 302


def test_staff_import_twice_changes_nothing_the_second_time(units):
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("4001", manager="4002", on_leave_until="2027-01-01"),
        staff_row("4002", end_date="2026-12-31", job_title=""),
        staff_row("4003", end_date="2025-01-01"),
    )
    apply(STAFF, content, FULL)
    before = snapshot()
    again = plan(STAFF, content, FULL)
    assert again.counts() == {
        "rows": 3,
        "created": 0,
        "changed": 0,
        "moved": 0,
        "deactivated": 0,
        "reactivated": 0,
        "errors": 0,
        "warnings": 0,
    }
    apply(STAFF, content, FULL)
    after = snapshot()
    assert after[:3] == before[:3]  # updated_at included: no row was written
    assert after[3] == before[3] + 1


def test_manager_not_in_file_nor_known_is_a_warning_and_the_row_is_applied(units):
    boss = make_staff("boss", unit=units["U1"])
    make_staff("emma", unit=units["U1"], line_manager=boss)
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("E-emma", first="Förnamn", last="Svensson", manager="X-999"),
        staff_row("5001", manager="X-999"),
        staff_row("5002", manager="E-boss"),  # known, not in the file: fine
    )
    dry = plan(STAFF, content)
    assert dry.is_valid
    assert [(w.row, w.key) for w in dry.warnings] == [(2, "E-emma"), (3, "5001")]
    assert "X-999" in dry.warnings[0].message
    apply(STAFF, content)
    assert StaffProfile.objects.get(employee_number="E-emma").line_manager == boss
    assert StaffProfile.objects.get(employee_number="5001").line_manager is None
    assert StaffProfile.objects.get(employee_number="5002").line_manager == boss


def test_full_import_deactivating_over_five_percent_needs_confirmation(units):
    for n in range(20):
        make_staff(f"q{n}", unit=units["U1"])
    content = csv_bytes(
        STAFF_HEADER,
        *[staff_row(f"E-q{n}", first="Förnamn", last="Svensson") for n in range(2, 20)],
    )
    dry = plan(STAFF, content, FULL)
    assert dry.needs_confirmation
    assert (len(dry.deactivated), dry.active_before) == (2, 20)
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        apply(STAFF, content, FULL)
    assert "2 of 20" in refused.value.message and "10.0 %" in refused.value.message
    assert snapshot() == before
    apply(STAFF, content, FULL, confirm_deactivations=True)
    assert User.objects.filter(is_active=False).count() == 2
    assert AuditEvent.objects.get().details["confirmed_deactivations"] is True


# --- Every kind of bad row: reported with its row number, nothing applied ---------


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (staff_row("6002", unit="NOPE"), "The unit NOPE is unknown"),
        (staff_row("6002", start_date="2026-13-01"), "“start_date” is not a date"),
        (staff_row("6002", end_date="1/2/2026"), "“end_date” is not a date"),
        (
            staff_row("6002", start_date="2026-05-01", end_date="2026-04-30"),
            "The end date 2026-04-30 is before the start date 2026-05-01",
        ),
        (staff_row("6001", first="Igen"), "6001 is also on row 2"),
        (staff_row("6002", email="anna@@example"), "not a valid email address"),
        (staff_row("6002", first=""), "“first_name” is empty"),
        (staff_row("6002", language="fi"), "The language must be sv or en"),
        (staff_row("6002") + ";extra", "more cells than the header"),
        (staff_row("6002", job_title="x" * 201), "longer than 200 characters"),
    ],
)
def test_bad_staff_row_is_reported_and_nothing_is_applied(units, bad_row, reason):
    make_staff("olle", unit=units["U1"])
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("6001"),
        bad_row,
        staff_row("E-olle", first="Olof", last="Svensson"),
    )
    before = snapshot()
    dry = plan(STAFF, content, FULL)
    assert [(e.row, reason in e.message) for e in dry.errors] == [(3, True)], dry.errors
    with pytest.raises(ImportRefused) as refused:
        apply(STAFF, content, FULL)
    assert "1 bad row" in refused.value.message
    assert snapshot() == before


def test_missing_required_column_is_reported_on_the_header_row(units):
    content = csv_bytes("employee_number;first_name;email", "7001;Anna;a@example.se")
    dry = plan(STAFF, content)
    assert [e.row for e in dry.errors] == [1]
    assert "last_name, unit_hr_code" in dry.errors[0].message
    with pytest.raises(ImportRefused):
        apply(STAFF, content)
    assert not StaffProfile.objects.exists()


def test_username_taken_by_an_account_without_a_profile_is_a_bad_row(units):
    UserFactory(username="7002")
    dry = plan(STAFF, csv_bytes(STAFF_HEADER, staff_row("7002")))
    assert [(e.row, e.key) for e in dry.errors] == [(2, "7002")]


def test_unreadable_file_is_a_clear_error_not_a_crash():
    dry = plan(STAFF, b"\x81\x8d\x8f\x90 not text", filename="x.csv")
    assert dry.errors[0].row == 1 and "UTF-8" in dry.errors[0].message
    dry = plan(STAFF, b"PK\x03\x04 broken", filename="x.xlsx")
    assert "XLSX" in dry.errors[0].message
    dry = plan(STAFF, b"", filename="x.csv")
    assert "empty" in dry.errors[0].message
    dry = plan(STAFF, STAFF_HEADER.encode("utf-16"), filename="x.csv")
    assert "NUL" in dry.errors[0].message
    dry = plan(STAFF, b"employee_number;first_name;last_name;unit_hr_code\n", FULL)
    assert "at least one row" in dry.errors[0].message


# --- File formats -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8"])
def test_swedish_letters_in_cp1252_and_utf8_with_bom(units, encoding):
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("8001", "Åsa", "Öberg", job_title="Förskollärare"),
        encoding=encoding,
    )
    if encoding == "cp1252":
        assert "Å".encode("cp1252") in content
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    apply(STAFF, content)
    profile = StaffProfile.objects.select_related("user").get(employee_number="8001")
    assert (profile.user.first_name, profile.user.last_name) == ("Åsa", "Öberg")
    assert profile.job_title == "Förskollärare"


def test_comma_separated_swedish_headers_and_spreadsheet_datetimes(units):
    content = (
        "Anställningsnummer,Förnamn,Efternamn,E-post,Enhet,Startdatum,Språk\n"
        '8002,"Öberg, Åsa",Ek,asa@example.se,U2,2021-03-04 00:00:00,engelska\n'
    ).encode("cp1252")
    apply(STAFF, content)
    profile = StaffProfile.objects.select_related("user", "unit").get(
        employee_number="8002"
    )
    assert profile.user.first_name == "Öberg, Åsa"
    assert profile.unit.hr_code == "U2"
    assert profile.start_date == datetime.date(2021, 3, 4)
    assert profile.preferred_language == "en"


def test_absent_optional_columns_leave_fields_alone(units):
    lisa = make_staff("lisa", unit=units["U1"], job_title="Rektor")
    content = csv_bytes(
        "employee_number;first_name;last_name;unit_hr_code",
        f"E-lisa;{lisa.first_name};Svensson;U1",
    )
    dry = plan(STAFF, content)
    assert not dry.has_changes, dry.changed


def test_xlsx_with_real_date_cells_and_numeric_employee_numbers(units):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(STAFF_HEADER.split(";"))
    sheet.append(
        [
            9001,
            "Åsa",
            "Öberg",
            "asa@example.se",
            "U1",
            "Lärare",
            # Spreadsheet cells hold naive datetimes; only the date is used.
            datetime.datetime(2022, 8, 15),  # noqa: DTZ001
            None,
            None,
            datetime.date(2027, 2, 1),
            "sv",
        ]
    )
    sheet.append([None] * 11)  # an empty line at the end, as exports have
    buffer = io.BytesIO()
    workbook.save(buffer)
    dry = plan(STAFF, buffer.getvalue(), filename="personal.xlsx")
    assert dry.is_valid, dry.errors
    apply(STAFF, buffer.getvalue(), filename="personal.xlsx")
    profile = StaffProfile.objects.select_related("user").get(employee_number="9001")
    assert profile.user.last_name == "Öberg"
    assert profile.start_date == datetime.date(2022, 8, 15)
    assert profile.on_leave_until == datetime.date(2027, 2, 1)


def test_xlsx_bad_row_number_is_the_spreadsheet_row(units):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(UNIT_HEADER.split(";"))
    sheet.append(["A", "Avd", "F", None, 1])
    sheet.append([None] * 5)
    sheet.append(["B", "Enhet", "NOPE", None, 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    dry = plan(UNITS, buffer.getvalue(), filename="enheter.xlsx")
    assert [(e.row, e.key) for e in dry.errors] == [(4, "B")]


# --- Permission ---------------------------------------------------------------------


def test_actor_without_permission_cannot_import(units, learner):
    content = csv_bytes(STAFF_HEADER, staff_row("1101"))
    with pytest.raises(hr_import.PermissionDenied):
        hr_import.apply_import(learner, STAFF, content, "f.csv", PARTIAL)
    assert not StaffProfile.objects.exists()


# --- Management commands -----------------------------------------------------------


def test_command_dry_run_prints_the_plan_and_changes_nothing(units, tmp_path):
    path = tmp_path / "personal.csv"
    path.write_bytes(csv_bytes(STAFF_HEADER, staff_row("1201", "Åsa", "Öberg")))
    out = io.StringIO()
    call_command("import_staff", str(path), "--mode", "partial", stdout=out)
    text = out.getvalue()
    assert "Created: 1" in text and "1201 Åsa Öberg" in text
    assert "Dry run" in text
    assert not StaffProfile.objects.exists()


def test_command_apply_with_bad_rows_fails_and_applies_nothing(units, tmp_path):
    path = tmp_path / "personal.csv"
    path.write_bytes(
        csv_bytes(STAFF_HEADER, staff_row("1301"), staff_row("1302", unit="NOPE"))
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_staff", str(path), "--mode", "full", "--apply", stdout=out)
    assert "Bad row 3: The unit NOPE is unknown" in out.getvalue()
    assert not StaffProfile.objects.exists()


def test_command_apply_records_the_actor_and_needs_confirm_flag(units, tmp_path):
    hr = UserFactory(username="hr", is_superuser=True)
    for n in range(3):
        make_staff(f"r{n}", unit=units["U1"])
    path = tmp_path / "personal.csv"
    path.write_bytes(csv_bytes(STAFF_HEADER, staff_row("E-r0", "Förnamn", "Svensson")))
    args = ["import_staff", str(path), "--mode", "full", "--apply", "--actor", "hr"]
    with pytest.raises(CommandError, match="Confirm"):
        call_command(*args, stdout=io.StringIO())
    assert User.objects.filter(is_active=False).count() == 0
    call_command(*args, "--confirm-deactivations", stdout=io.StringIO())
    assert User.objects.filter(is_active=False).count() == 2
    event = AuditEvent.objects.get()
    assert event.actor == hr and event.details["filename"] == "personal.csv"


def test_import_units_command_applies(tmp_path):
    path = tmp_path / "enheter.csv"
    path.write_bytes(csv_bytes(UNIT_HEADER, "F;Förvaltningen;;;1"))
    call_command(
        "import_units", str(path), "--mode", "full", "--apply", stdout=io.StringIO()
    )
    assert OrgUnit.objects.get().name == "Förvaltningen"


# --- Queries do not grow with the file --------------------------------------------


def _count_queries(func):
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context)


@pytest.mark.parametrize("size", [30, 300])
def test_staff_import_queries_do_not_grow_with_rows(
    units, size, django_assert_max_num_queries
):
    existing = [make_staff(f"s{n}", unit=units["U1"]) for n in range(size)]
    rows = [
        # Every existing person changes and moves; as many again are new.
        staff_row(f"E-s{n}", unit="U2", manager=f"N{n}", job_title="Ny")
        for n in range(size)
    ] + [staff_row(f"N{n}", email="", manager="E-s0") for n in range(size)]
    content = csv_bytes(STAFF_HEADER, *rows)
    with django_assert_max_num_queries(6):
        dry = plan(STAFF, content, FULL)
    assert len(dry.created) == size and len(dry.moved) == size
    with django_assert_max_num_queries(16):
        apply(STAFF, content, FULL)
    assert StaffProfile.objects.filter(unit__hr_code="U2").count() == size
    assert existing[1].staff_profile.employee_number == "E-s1"


@pytest.mark.parametrize("size", [30, 300])
def test_units_plan_queries_do_not_grow_with_rows(size, django_assert_max_num_queries):
    root = make_unit("F", "Förvaltningen")
    for n in range(size):
        make_unit(f"U{n}", parent=OrgUnit.objects.get(pk=root.pk))
    make_staff("chef")
    rows = ["F;Förvaltningen;;E-chef;1"] + [
        f"U{n};Ny {n};F;E-chef;1" for n in range(size)
    ]
    with django_assert_max_num_queries(4):
        dry = plan(UNITS, csv_bytes(UNIT_HEADER, *rows), FULL)
    assert len(dry.changed) == size + 1
    with django_assert_max_num_queries(8):  # renames and heads: bulk, no moves
        apply(UNITS, csv_bytes(UNIT_HEADER, *rows), FULL)
    assert OrgUnit.objects.filter(head__username="chef").count() == size + 1
