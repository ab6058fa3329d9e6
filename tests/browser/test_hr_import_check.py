"""Central HR, in the browser: a large HR file is checked by a worker. The
"checking your file…" page passes axe-core's WCAG 2.1 AA rules, and shows
the dry run by itself once the worker has made it (its script asks)."""

from unittest import mock

import pytest

from organisation import hr_import
from organisation.models import StaffProfile
from tests.browser.helpers import admin_log_in, assert_no_axe_violations, path_of
from tests.factories import UserFactory, make_unit
from tests.helpers import STAFF_HEADER, csv_bytes, in_english, staff_row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_large_file_is_checked_in_the_background_and_its_dry_run_appears(
    new_page, settings, tmp_path
):
    settings.HR_IMPORT_DIR = tmp_path / "hr-imports"
    settings.HR_IMPORT_WORKER_ABOVE_BYTES = 100
    make_unit("U1", "Enhet 1")
    hr = in_english(UserFactory(username="helena", is_superuser=True, is_staff=True))
    StaffProfile.objects.create(
        user=hr, employee_number="HR-1", hr_role=StaffProfile.HrRole.CENTRAL
    )
    path = tmp_path / "personal.csv"
    path.write_bytes(csv_bytes(STAFF_HEADER, staff_row("4001", "Åsa", "Öberg")))

    page = new_page()
    admin_log_in(page, "helena")

    page.goto("/admin/hr-import/")
    page.locator("#id_kind_1").check()  # staff
    page.locator("#id_mode_1").check()  # partial
    page.locator("#id_file").set_input_files(str(path))
    # No worker runs in this test: the task waits in the broker, and the
    # test makes the dry run itself, as the worker would.
    with mock.patch("celery.app.task.Task.apply_async") as sent:
        with page.expect_navigation():
            page.get_by_role("button", name="Upload and show the dry run").click()
    assert path_of(page).startswith("/admin/hr-import/check/")
    status = page.locator("[data-checking]")
    assert "Checking your file" in status.inner_text()
    assert status.get_attribute("role") == "status"
    assert_no_axe_violations(page, "the HR import's checking page")

    token = path_of(page).rstrip("/").rsplit("/", 1)[-1]
    assert sent.call_args.args[0] == (token, hr.pk, "en")
    hr_import.check_stored_upload(token, hr.pk, "en")
    # The page's script notices and shows the dry run, without a click.
    page.locator("[data-list=created]").wait_for()
    assert "Åsa Öberg" in page.locator("[data-list=created]").inner_text()
    assert not StaffProfile.objects.filter(employee_number="4001").exists()

    # Applying it is the worker's too: "applying…", then the outcome.
    with mock.patch("celery.app.task.Task.apply_async") as sent:
        with page.expect_navigation():
            page.get_by_role("button", name="Apply the import").click()
    assert path_of(page) == f"/admin/hr-import/applying/{token}/"
    status = page.locator("[data-applying]")
    assert "Applying your file" in status.inner_text()
    assert status.get_attribute("role") == "status"
    assert_no_axe_violations(page, "the HR import's applying page")
    assert sent.call_args.args[0] == (token, hr.pk, False, "en")
    hr_import.apply_stored_upload(token, hr.pk, False, "en")
    # The page's script notices and shows the outcome on the upload page.
    page.wait_for_url("**/admin/hr-import/")
    assert "applied" in page.locator(".messages").inner_text()
    assert StaffProfile.objects.get(employee_number="4001").user.first_name == "Åsa"
