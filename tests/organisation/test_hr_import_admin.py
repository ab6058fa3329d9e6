"""The HR import pages in the Wagtail admin: upload, dry run, apply; and each
tried from the wrong side (anonymous, learner, an admin user without the
permission, another person's dry run, a changed file). The importers here are
central HR (what a coordinator may import: test_hr_import_scope.py)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from organisation import import_views
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from tests.factories import UserFactory, make_staff, make_unit
from tests.helpers import (
    STAFF_HEADER,
    UNIT_HEADER,
    csv_bytes,
    in_english,
    staff_row,
)

pytestmark = pytest.mark.django_db

# Sign-ins are audited too; these tests count the imports' own events.
IMPORTS = {
    "action__in": [AuditEvent.Action.IMPORT_STAFF, AuditEvent.Action.IMPORT_UNITS]
}


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.HR_IMPORT_DIR = tmp_path / "hr-imports"
    return settings.HR_IMPORT_DIR


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def unit(db):
    return make_unit("U1", "Enhet 1")


def imported():
    """The staff profiles an import made (not the importers' own)."""
    return StaffProfile.objects.exclude(employee_number__startswith="HR-")


def _central_hr(user):
    """An HR role on the person's staff profile decides their scope."""
    StaffProfile.objects.create(
        user=user,
        employee_number=f"HR-{user.username}",
        hr_role=StaffProfile.HrRole.CENTRAL,
    )
    return user


def _user_with(username, *codenames):
    user = _central_hr(UserFactory(username=username))
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", *codenames])
    )
    return in_english(user)


@pytest.fixture
def hr(db):
    group, _created = Group.objects.get_or_create(name="HR import test")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_staffprofile", "change_staffprofile"]
        )
    )
    user = _central_hr(UserFactory(username="helena"))
    user.groups.add(group)
    return in_english(user)


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


def upload(client, content, kind="staff", mode="partial", name="personal.csv"):
    return client.post(
        reverse("hr_import"),
        {"kind": kind, "mode": mode, "file": SimpleUploadedFile(name, content)},
    )


def apply(client, response, follow=False, **extra):
    token = response.context["token"]
    sha256 = response.context["plan"].sha256
    return client.post(
        reverse("hr_import_apply"),
        {"token": token, "sha256": sha256, **extra},
        follow=follow,
    )


def test_hr_uploads_sees_the_dry_run_and_applies(hr_client, hr, unit):
    content = csv_bytes(STAFF_HEADER, staff_row("1001", "Åsa", "Öberg"))
    response = upload(hr_client, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Åsa Öberg" in html and response.context["plan"].sha256 in html
    assert not imported().exists()  # a dry run only

    response = apply(hr_client, response)
    assert response.status_code == 302
    profile = StaffProfile.objects.get(employee_number="1001")
    assert profile.user.last_name == "Öberg"
    event = AuditEvent.objects.get(**IMPORTS)
    assert event.actor == hr
    assert event.action == AuditEvent.Action.IMPORT_STAFF
    assert event.details["filename"] == "personal.csv"
    assert event.details["counts"]["created"] == 1
    assert len(event.details["sha256"]) == 64
    # The stored file is gone once applied: the same token cannot run twice.
    assert not any(import_views.import_dir().iterdir())


def test_the_same_dry_run_cannot_be_applied_twice(hr_client, unit):
    response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("1002")))
    apply(hr_client, response)
    again = apply(hr_client, response, follow=True)
    assert "cannot be applied" in again.content.decode()
    assert AuditEvent.objects.filter(**IMPORTS).count() == 1


def test_bad_rows_are_listed_and_there_is_no_apply_button(hr_client, unit):
    content = csv_bytes(
        STAFF_HEADER, staff_row("1003"), staff_row("1004", end_date="31/12/2026")
    )
    response = upload(hr_client, content)
    html = response.content.decode()
    assert response.context["plan"].errors[0].row == 3
    assert "is not a date as YYYY-MM-DD" in html
    assert reverse("hr_import_apply") not in html
    # Posting the token anyway applies nothing.
    response = apply(hr_client, response)
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert not imported().exists()


def test_mode_must_be_chosen(hr_client, unit):
    response = hr_client.post(
        reverse("hr_import"),
        {
            "kind": "staff",
            "file": SimpleUploadedFile("p.csv", csv_bytes(STAFF_HEADER)),
        },
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert response.context["form"].errors["mode"]


def test_over_five_percent_needs_the_checkbox(hr_client, unit):
    for n in range(10):
        make_staff(f"p{n}", unit=unit)
    rows = [
        staff_row(f"E-p{n}", first="Förnamn", last="Svensson") for n in range(1, 10)
    ]
    # The importer is staff too (central HR): in the full file as well.
    rows.append(staff_row("HR-helena", first="Helena", last="Hr"))
    response = upload(hr_client, csv_bytes(STAFF_HEADER, *rows), mode="full")
    html = response.content.decode()
    assert 'name="confirm_deactivations"' in html
    assert "1 of 11 active staff (9.1 %)" in html
    refused = apply(hr_client, response)
    assert refused.status_code == 400
    assert "Confirm the deactivations" in refused.content.decode()
    assert StaffProfile.objects.filter(user__is_active=False).count() == 0
    done = apply(hr_client, response, confirm_deactivations="on")
    assert done.status_code == 302
    assert StaffProfile.objects.filter(user__is_active=False).count() == 1


def test_units_upload_xlsx(hr_client):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(UNIT_HEADER.split(";"))
    workbook.active.append(["F", "Förvaltningen", None, None, 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(
        hr_client, buffer.getvalue(), kind="units", mode="full", name="enheter.xlsx"
    )
    apply(hr_client, response)
    assert OrgUnit.objects.get().name == "Förvaltningen"


# --- From the wrong side ------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, unit):
    response = client.get(reverse("hr_import"))
    assert response.status_code == 302 and "login" in response["Location"]
    response = upload(client, csv_bytes(STAFF_HEADER, staff_row("2001")))
    assert response.status_code == 302
    assert not imported().exists()


def test_learner_has_no_admin(learner_client, unit):
    response = learner_client.get(reverse("hr_import"))
    assert response.status_code == 302
    response = upload(learner_client, csv_bytes(STAFF_HEADER, staff_row("2002")))
    assert response.status_code == 302
    assert not imported().exists()


def test_admin_user_without_the_permission_is_denied(client, unit):
    client.force_login(_user_with("editor"))
    response = client.get(reverse("hr_import"))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    response = upload(client, csv_bytes(STAFF_HEADER, staff_row("2003")))
    assert response.status_code == 302
    assert not imported().exists()


def test_add_permission_alone_imports_units_but_not_staff(client, unit):
    client.force_login(_user_with("unitsonly", "add_staffprofile"))
    assert client.get(reverse("hr_import")).status_code == 200
    response = upload(client, csv_bytes(STAFF_HEADER, staff_row("2004")))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    response = upload(client, csv_bytes(UNIT_HEADER, "U2;Enhet 2;U1;;1"), kind="units")
    assert response.status_code == 200
    apply(client, response)
    assert OrgUnit.objects.filter(hr_code="U2").exists()


def test_a_token_from_another_persons_dry_run_cannot_be_applied(
    client, hr_client, unit
):
    response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("2005")))
    other = in_english(UserFactory(username="other-hr", is_superuser=True))
    client.force_login(other)
    stolen = apply(client, response, follow=True)
    assert "cannot be applied" in stolen.content.decode()
    assert not imported().exists()
    assert not AuditEvent.objects.filter(**IMPORTS).exists()


def test_a_changed_file_or_wrong_checksum_is_refused(hr_client, unit):
    response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("2006")))
    token = response.context["token"]
    data_path = import_views.import_dir() / f"{token}.data"
    data_path.write_bytes(csv_bytes(STAFF_HEADER, staff_row("6666")))
    refused = apply(hr_client, response, follow=True)
    assert "cannot be applied" in refused.content.decode()
    assert not imported().exists()

    response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("2006")))
    refused = hr_client.post(
        reverse("hr_import_apply"),
        {"token": response.context["token"], "sha256": "0" * 64},
    )
    assert refused.status_code == 302
    assert not imported().exists()


def test_apply_needs_post(hr_client):
    response = hr_client.get(reverse("hr_import_apply"))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(**IMPORTS).exists()


def test_menu_item_is_shown_only_to_those_who_may_import(client, hr):
    client.force_login(hr)
    assert (
        reverse("hr_import")
        in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    client.force_login(_user_with("plain-editor"))
    assert (
        reverse("hr_import")
        not in client.get(reverse("wagtailadmin_home")).content.decode()
    )
