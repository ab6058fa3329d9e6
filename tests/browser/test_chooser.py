"""A local coordinator, in the browser, chooses a person by keyboard alone with
the person chooser (organisation.choosers) on "Record a completion", at 1280
and 375 px: the modal passes axe-core's WCAG 2.1 AA rules, a search by name
finds their person and nobody of another administration, and the chosen
person is shown as "Name (employee number, unit)"."""

import pytest

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    admin_log_in,
    assert_no_axe_violations,
    shot,
    tab_to,
)
from tests.helpers import make_two_administrations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "/tmp/out/shots/chooser"  # an absolute folder: shot() writes there


@pytest.mark.parametrize(("device", "size"), [(DESKTOP, "1280"), (PHONE, "375")])
def test_a_coordinator_chooses_a_person_by_keyboard(new_page, device, size):
    org = make_two_administrations()
    page = new_page(device)
    admin_log_in(page, org["coord_a"].username)
    page.goto("/admin/record-completion/")

    tab_to(page, "el => el.matches('[data-chooser-action-choose]')")
    assert "Choose a person" in page.evaluate("() => document.activeElement.innerText")
    page.keyboard.press("Enter")
    modal = page.locator(".modal-dialog")
    search = modal.locator("input[name=q]")
    search.wait_for()
    assert_no_axe_violations(page, f"the person chooser at {size} px")
    shot(page, SHOTS, f"modal-{size}")

    # The search field has the focus (or is one Tab away); type a name.
    if not page.evaluate("() => document.activeElement.name === 'q'"):
        tab_to(page, "el => el.name === 'q'")
    page.keyboard.type("ahl")
    result = modal.locator("a[data-chooser-modal-choice]", has_text="Alma Ahlström")
    result.wait_for()
    listing = modal.locator("#search-results").inner_text()
    assert "E-alma" in listing and "Enhet Alfa ett" in listing
    assert "Bergqvist" not in listing

    page.keyboard.type("x")  # "ahlx": nobody
    modal.get_by_text("Sorry, there are no matches").wait_for()
    page.keyboard.press("Backspace")
    result.wait_for()
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("bergq")  # Beta's Bertil: not the coordinator's to find
    modal.get_by_text("Sorry, there are no matches").wait_for()
    for _ in range(5):
        page.keyboard.press("Backspace")
    page.keyboard.type("alma")
    result.wait_for()
    assert_no_axe_violations(page, f"the person chooser's results at {size} px")
    shot(page, SHOTS, f"results-{size}")

    tab_to(page, "el => el.matches('a[data-chooser-modal-choice]')")
    assert "Alma Ahlström" in page.evaluate("() => document.activeElement.innerText")
    page.keyboard.press("Enter")
    modal.wait_for(state="detached")
    title = page.locator("#id_person-chooser [data-chooser-title]")
    assert title.inner_text() == "Alma Ahlström (E-alma, Enhet Alfa ett)"
    assert page.locator("#id_person").input_value() == str(org["alma"].pk)
    assert_no_axe_violations(page, f"the form with a person chosen at {size} px")
    shot(page, SHOTS, f"chosen-{size}")
