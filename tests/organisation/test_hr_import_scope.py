"""A local coordinator imports only inside their administration; central HR
the whole city. Tried from the wrong side: a coordinator of A with a file
touching B is refused as a whole, nothing is written, and nothing of B's
people or units is shown in the plan."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from organisation import hr_import
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from tests.factories import make_staff, make_unit
from tests.helpers import (
    STAFF_HEADER,
    UNIT_HEADER,
    csv_bytes,
    in_english,
    staff_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.HR_IMPORT_DIR = tmp_path / "hr-imports"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    city = make_unit("C", "Staden")
    a = make_unit("A", "Förvaltning A", parent=OrgUnit.objects.get(pk=city.pk))
    a1 = make_unit("A1", "Enhet A1", parent=OrgUnit.objects.get(pk=a.pk))
    b = make_unit("B", "Förvaltning B", parent=OrgUnit.objects.get(pk=city.pk))
    anna = make_staff("anna", unit=a1)
    bertil = make_staff("bertil", unit=b)
    bertil.first_name, bertil.last_name = "Bertil", "Hemligsson"
    bertil.save()
    return {"city": city, "a": a, "a1": a1, "b": b, "anna": anna, "bertil": bertil}


def _importer(username, **profile):
    group, _created = Group.objects.get_or_create(name="HR import scope test")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_staffprofile", "change_staffprofile"]
        )
    )
    user = make_staff(username, **profile)
    user.groups.add(group)
    return in_english(user)


@pytest.fixture
def coordinator(org):
    return _importer(
        "coord-a",
        unit=org["a"],
        hr_role=StaffProfile.HrRole.COORDINATOR,
        coordinator_of=org["a"],
    )


@pytest.fixture
def central(org):
    return _importer("central", unit=org["city"], hr_role=StaffProfile.HrRole.CENTRAL)


def anna_row(**fields):
    return staff_row("E-anna", first="Anna", last="Ek", unit="A1", **fields)


def upload(client, content, kind="staff", mode="partial"):
    return client.post(
        reverse("hr_import"),
        {"kind": kind, "mode": mode, "file": SimpleUploadedFile("f.csv", content)},
    )


def test_coordinator_imports_rows_of_their_administration(client, coordinator, org):
    content = csv_bytes(
        STAFF_HEADER,
        anna_row(job_title="Samordnare"),
        staff_row("N-1", first="Ny", last="Person", unit="A1", manager="E-anna"),
    )
    plan = hr_import.apply_import(coordinator, "staff", content, "f.csv", "partial")
    assert not plan.errors
    assert StaffProfile.objects.get(employee_number="N-1").unit_id == org["a1"].pk
    assert StaffProfile.objects.get(employee_number="E-anna").job_title == "Samordnare"
    units = csv_bytes(UNIT_HEADER, "A2;Enhet A2;A;E-anna;1", "A;Förvaltning A;C;;1")
    plan = hr_import.apply_import(coordinator, "units", units, "u.csv", "partial")
    assert not plan.errors
    assert OrgUnit.objects.get(hr_code="A2").head == org["anna"]


def test_coordinator_file_touching_b_is_refused_and_shows_nothing_of_b(
    client, coordinator, org
):
    content = csv_bytes(
        STAFF_HEADER,
        anna_row(job_title="Samordnare"),
        # Bertil is in B: his row would show his name as it is now.
        staff_row("E-bertil", first="Bertil", last="Ändrad", unit="B"),
        # Moving Anna's colleague into B, or a new person into B.
        staff_row("N-2", first="Ny", last="Person", unit="B"),
        staff_row("N-3", first="Ny", last="Chef", unit="A1", manager="E-bertil"),
    )
    client.force_login(coordinator)
    response = upload(client, content)
    html = response.content.decode()
    plan = response.context["plan"]
    assert [(problem.row, problem.key) for problem in plan.errors] == [
        (3, "E-bertil"),
        (4, "N-2"),
        (5, "N-3"),
    ]
    assert "The person E-bertil is outside your administration" in html
    assert "The unit B is outside your administration" in html
    assert "The line manager E-bertil is outside your administration" in html
    # Nothing of B: not Bertil's name as it is, not whether his row changes.
    assert "Hemligsson" not in html
    assert not plan.changed and not plan.created and not plan.warnings
    assert reverse("hr_import_apply") not in html

    with pytest.raises(hr_import.ImportRefused):
        hr_import.apply_import(coordinator, "staff", content, "f.csv", "partial")
    assert StaffProfile.objects.get(employee_number="E-anna").job_title == ""
    assert not StaffProfile.objects.filter(employee_number__startswith="N-").exists()
    assert StaffProfile.objects.get(employee_number="E-bertil").user.last_name == (
        "Hemligsson"
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_STAFF).exists()


def test_coordinator_cannot_move_a_unit_out_or_make_a_top_level_unit(coordinator, org):
    content = csv_bytes(
        UNIT_HEADER,
        "A1;Enhet A1;B;;1",  # into B
        "B;Förvaltning B;C;;1",  # B itself
        "X;Ny förvaltning;;;1",  # a new administration
        "A;Förvaltning A;;;1",  # A to the top
        "A3;Enhet A3;A;E-bertil;1",  # B's person as head
    )
    plan = hr_import.plan_import(coordinator, "units", content, "u.csv", "partial")
    assert [problem.key for problem in plan.errors] == ["A1", "B", "X", "A", "A3"]
    with pytest.raises(hr_import.ImportRefused):
        hr_import.apply_import(coordinator, "units", content, "u.csv", "partial")
    assert not OrgUnit.objects.filter(hr_code__in=["X", "A3"]).exists()
    assert OrgUnit.objects.get(hr_code="A1").get_parent().hr_code == "A"


def test_coordinator_cannot_make_a_full_import(client, coordinator, org):
    content = csv_bytes(STAFF_HEADER, anna_row())
    client.force_login(coordinator)
    response = upload(client, content, mode="full")
    assert "only central HR may make one" in response.content.decode()
    with pytest.raises(hr_import.ImportRefused):
        hr_import.apply_import(coordinator, "staff", content, "f.csv", "full")
    assert org["bertil"].is_active
    org["bertil"].refresh_from_db()
    assert org["bertil"].is_active


def test_the_upload_form_offers_a_coordinator_only_a_partial_import(
    client, coordinator, central, settings
):
    client.force_login(coordinator)
    html = client.get(reverse("hr_import")).content.decode()
    assert 'value="partial"' in html and 'value="full"' not in html
    assert "Only central HR makes a full import." in html
    # A full import sent anyway (an old tab, a forged form) is a form error
    # saying why, and no file is kept.
    content = csv_bytes(STAFF_HEADER, anna_row())
    response = upload(client, content, mode="full")
    assert response.status_code == 400
    assert "mode" in response.context["form"].errors
    assert "only central HR may make one" in response.content.decode()
    assert not settings.HR_IMPORT_DIR.exists() or not any(
        settings.HR_IMPORT_DIR.iterdir()
    )

    client.force_login(central)
    html = client.get(reverse("hr_import")).content.decode()
    assert 'value="partial"' in html and 'value="full"' in html
    assert "Only central HR makes a full import." not in html


def test_central_hr_imports_the_whole_city(central, org):
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("E-bertil", first="Bertil", last="Berg", unit="A1"),
    )
    plan = hr_import.apply_import(central, "staff", content, "f.csv", "partial")
    assert not plan.errors
    profile = StaffProfile.objects.get(employee_number="E-bertil")
    assert profile.unit_id == org["a1"].pk and profile.user.last_name == "Berg"


@pytest.mark.parametrize("rows", [1, 40])
def test_the_coordinators_check_takes_the_same_queries_whatever_the_rows(
    coordinator, org, rows, django_assert_num_queries
):
    content = csv_bytes(
        STAFF_HEADER,
        *[staff_row(f"E-bertil{n}", unit="B") for n in range(rows)],
    )
    # The permissions (the user's, the groups'), the scope, the file's people
    # and its units; nothing is planned.
    with django_assert_num_queries(5):
        plan = hr_import.plan_import(coordinator, "staff", content, "f.csv", "partial")
    assert len(plan.errors) == rows
