"""HR files beyond the bounds are refused on the upload form, with nothing
stored; a large file is checked by a worker ("checking your file…", then
the same dry run page), and applied all or nothing as before."""

import io
import time
import zipfile

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from organisation import hr_import, import_views
from organisation.hr_import import uploads
from organisation.models import AuditEvent, StaffProfile
from tests.factories import UserFactory, make_unit
from tests.helpers import STAFF_HEADER, csv_bytes, in_english, staff_row

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.HR_IMPORT_DIR = tmp_path / "hr-imports"
    return settings.HR_IMPORT_DIR


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def hr_client(client, db):
    group, _created = Group.objects.get_or_create(name="HR import files test")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_staffprofile", "change_staffprofile"]
        )
    )
    user = UserFactory(username="helena")
    StaffProfile.objects.create(
        user=user, employee_number="HR-1", hr_role=StaffProfile.HrRole.CENTRAL
    )
    user.groups.add(group)
    client.force_login(in_english(user))
    return client


@pytest.fixture
def unit(db):
    return make_unit("U1", "Enhet 1")


def upload(client, content, name="personal.csv", kind="staff", mode="partial"):
    return client.post(
        reverse("hr_import"),
        {"kind": kind, "mode": mode, "file": SimpleUploadedFile(name, content)},
    )


def stored_files(private_dir):
    return sorted(private_dir.iterdir()) if private_dir.is_dir() else []


def bomb(size):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(size // MB):
                f.write(b"\0" * MB)
    return buffer.getvalue()


def test_a_bomb_is_refused_on_the_form_and_nothing_is_stored(
    hr_client, unit, private_dir
):
    response = upload(hr_client, bomb(200 * MB), name="personal.xlsx")
    assert response.status_code == 400
    html = response.content.decode()
    assert "unpacks to 200 MB, more than the 100 MB" in html
    assert 'role="alert"' in html
    assert stored_files(private_dir) == []
    assert StaffProfile.objects.count() == 1  # the importer's own


def test_too_many_rows_are_refused_on_the_form(hr_client, unit, settings, private_dir):
    settings.IMPORT_MAX_ROWS = 3
    rows = [staff_row(f"10{n}") for n in range(6)]
    response = upload(hr_client, csv_bytes(STAFF_HEADER, *rows))
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()
    assert stored_files(private_dir) == []


def test_a_large_file_is_checked_by_the_worker_then_applied(
    hr_client, unit, settings, django_capture_on_commit_callbacks
):
    settings.HR_IMPORT_WORKER_ABOVE_BYTES = 100
    content = csv_bytes(STAFF_HEADER, staff_row("3001", "Åsa", "Öberg"))
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(hr_client, content)
    assert response.status_code == 302
    check_url = response["Location"]
    assert check_url.startswith("/admin/hr-import/check/")
    assert len(callbacks) == 1  # the worker's task, sent on commit

    checking = hr_client.get(check_url)
    assert "Checking your file" in checking.content.decode()
    assert "hr-import-check.js" in checking.content.decode()
    status = hr_client.get(check_url, {"status": ""})
    assert status.json() == {"ready": False}
    assert "no-store" in status["Cache-Control"]

    callbacks[0]()  # the worker (Celery eager in the tests)
    assert hr_client.get(check_url, {"status": ""}).json() == {"ready": True}
    response = hr_client.get(check_url)
    plan = response.context["plan"]
    assert [entry.name for entry in plan.created] == ["Åsa Öberg"]
    assert "Åsa Öberg" in response.content.decode()
    assert not StaffProfile.objects.filter(employee_number="3001").exists()

    # The apply of a large file is the worker's too: "applying…" until done.
    with django_capture_on_commit_callbacks() as callbacks:
        applied = hr_client.post(
            reverse("hr_import_apply"),
            {"token": response.context["token"], "sha256": plan.sha256},
        )
    applying_url = applied["Location"]
    assert applying_url.startswith("/admin/hr-import/applying/")
    assert len(callbacks) == 1
    assert not StaffProfile.objects.filter(employee_number="3001").exists()
    applying = hr_client.get(applying_url)
    assert "Applying your file" in applying.content.decode()
    assert hr_client.get(applying_url, {"status": ""}).json() == {"ready": False}

    callbacks[0]()  # the worker
    assert StaffProfile.objects.get(employee_number="3001").user.last_name == "Öberg"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_STAFF).count() == 1
    assert hr_client.get(applying_url, {"status": ""}).json() == {"ready": True}
    done = hr_client.get(applying_url, follow=True)
    assert done.redirect_chain[-1][0] == reverse("hr_import")
    assert "Import of" in done.content.decode()
    assert not any(import_views.import_dir().iterdir())
    # Run again (a redelivered task): the upload is gone, nothing happens.
    callbacks[0]()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_STAFF).count() == 1


def test_the_workers_apply_is_only_the_uploaders_and_runs_once(
    hr_client, unit, settings, django_capture_on_commit_callbacks
):
    settings.HR_IMPORT_WORKER_ABOVE_BYTES = 100
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("3004")))
    plan_page = hr_client.get(response["Location"])
    token, sha256 = plan_page.context["token"], plan_page.context["plan"].sha256
    with django_capture_on_commit_callbacks() as callbacks:
        applying_url = hr_client.post(
            reverse("hr_import_apply"), {"token": token, "sha256": sha256}
        )["Location"]
    user_id = int(hr_client.session["_auth_user_id"])
    other = Client()
    other.force_login(in_english(UserFactory(username="hr-2", is_superuser=True)))
    assert "cannot be shown" in other.get(applying_url, follow=True).content.decode()
    # Twice before the page is read: applied once, the outcome kept.
    hr_import.apply_stored_upload(token, user_id, False, "en")
    hr_import.apply_stored_upload(token, user_id, False, "en")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_STAFF).count() == 1
    assert StaffProfile.objects.filter(employee_number="3004").exists()
    assert len(callbacks) == 1


def test_the_workers_dry_run_is_only_the_uploaders(
    client, hr_client, unit, settings, django_capture_on_commit_callbacks
):
    settings.HR_IMPORT_WORKER_ABOVE_BYTES = 100
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("3002")))
    check_url = response["Location"]
    other = in_english(UserFactory(username="other-hr", is_superuser=True))
    client.force_login(other)
    stolen = client.get(check_url, follow=True)
    assert "cannot be shown" in stolen.content.decode()
    assert "3002" not in stolen.content.decode()
    assert client.get(check_url, {"status": ""}).status_code == 302


def test_the_worker_task_is_safe_to_run_twice(hr_client, unit, settings):
    settings.HR_IMPORT_WORKER_ABOVE_BYTES = 100
    response = upload(hr_client, csv_bytes(STAFF_HEADER, staff_row("3003")))
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    user_id = int(hr_client.session["_auth_user_id"])
    hr_import.check_stored_upload(token, user_id, "en")
    first = (import_views.import_dir() / f"{token}.plan.json").read_text()
    hr_import.check_stored_upload(token, user_id, "en")
    assert (import_views.import_dir() / f"{token}.plan.json").read_text() == first
    hr_import.check_stored_upload("x" * 43, user_id, "en")  # unknown: nothing


def test_a_workers_job_lost_with_the_broker_is_handed_out_again_by_the_waiting_page(
    hr_client, unit, settings, django_capture_on_commit_callbacks
):
    """The task sent on commit never reaches a worker (a broker restarted
    empty): the page waiting for it sends it again once JOB_LEASE_SECONDS
    have passed without the job starting — and never while it runs."""
    settings.HR_IMPORT_WORKER_ABOVE_BYTES = 100
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(
            hr_client, csv_bytes(STAFF_HEADER, staff_row("3005", "Åke", "Öst"))
        )
    check_url = response["Location"]
    token = check_url.rstrip("/").rsplit("/", 1)[-1]
    assert len(callbacks) == 1  # sent on commit; dropped here: the lost task

    # Within the lease the page waits, and sends nothing again.
    assert hr_client.get(check_url, {"status": ""}).json() == {"ready": False}
    assert uploads.hand_out_again_if_lost(token) is False

    later = time.time() + uploads.JOB_LEASE_SECONDS + 1
    with time_machine.travel(later, tick=False):
        # Celery is eager here: the job sent again runs at once.
        assert hr_client.get(check_url, {"status": ""}).json() == {"ready": False}
        assert hr_client.get(check_url, {"status": ""}).json() == {"ready": True}
        plan = hr_client.get(check_url).context["plan"]
        assert [entry.name for entry in plan.created] == ["Åke Öst"]
        # Started (and done): never handed out again.
        assert uploads.hand_out_again_if_lost(token) is False
