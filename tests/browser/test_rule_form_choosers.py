"""A local coordinator, in the browser and by keyboard alone, writes an
assignment rule whose units and named people are chosen with the unit and
person choosers, several at once (organisation.multiple_choosers), at 1280
and 375 px: adds two units and two people, removes one of each, saves; the
rule holds what the list showed, and the edit page shows it by name. The
form, the modal and its results pass axe-core's WCAG 2.1 AA rules."""

import pytest

from assignments.models import AssignmentRule
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    admin_log_in,
    assert_no_axe_violations,
    path_of,
    shot,
    tab_to,
)
from tests.helpers import make_two_administrations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "rule-choosers"


def focused(page, predicate):
    return page.evaluate(f"() => ({predicate})(document.activeElement)")


def choose_by_keyboard(page, field_id, search, names, *, size, what):
    """From the field's "Add" button: open the modal, search, tick `names`,
    add them; the focus comes back to the button."""
    tab_to(page, f"el => el.id === '{field_id}'", max_presses=200)
    page.keyboard.press("Enter")
    modal = page.locator(".modal-dialog")
    search_field = modal.locator("input[name=q]")
    search_field.wait_for()
    if not focused(page, "el => el.name === 'q'"):
        tab_to(page, "el => el.name === 'q'")
    page.keyboard.type(search)
    modal.get_by_role("alert").wait_for()  # "There are N matches"
    for name in names:
        modal.get_by_label(name, exact=True).wait_for()
    assert_no_axe_violations(page, f"the {what} chooser, several at once, {size} px")
    shot(page, SHOTS, f"{what}-modal-{size}")
    for name in names:
        tab_to(
            page,
            "el => el.labels && [...el.labels].some("
            f"label => label.innerText.trim() === {name!r})",
        )
        page.keyboard.press("Space")
        assert modal.get_by_label(name, exact=True).is_checked()
    tab_to(page, "el => el.matches('[data-multiple-choice-submit]')")
    page.keyboard.press("Enter")
    modal.wait_for(state="detached")
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === '{field_id}'"
    )


def chosen_titles(page, field_id):
    return page.locator(
        f"#{field_id}-chooser [data-multiple-chooser-item] "
        "[data-multiple-chooser-title]"
    ).all_inner_texts()


def remove_by_keyboard(page, field_id, title):
    tab_to(
        page,
        f"el => el.matches('#{field_id}-chooser [data-multiple-chooser-remove]') "
        f"&& el.innerText.includes({title!r})",
        max_presses=200,
        backwards=True,
    )
    page.keyboard.press("Enter")
    status = page.locator(f"#{field_id}-chooser [data-multiple-chooser-status]")
    status.filter(has_text=f"Removed from the list: {title}").wait_for()
    # The focus stays in the list (the next "Remove"), or goes to "Add".
    assert focused(
        page,
        f"el => el.matches('#{field_id}-chooser [data-multiple-chooser-remove]') "
        f"|| el.id === '{field_id}'",
    )


@pytest.mark.parametrize(("device", "size"), [(DESKTOP, "1280"), (PHONE, "375")])
def test_a_coordinator_chooses_units_and_people_by_keyboard(
    new_page, course, device, size
):
    org = make_two_administrations()
    coordinator = org["coord_a"]
    page = new_page(device)
    admin_log_in(page, coordinator.username)
    page.goto("/admin/assignment-rules/new/")
    assert_no_axe_violations(page, f"the empty rule form at {size} px")
    assert (
        page.locator("#id_units_with_subtree-chooser")
        .inner_text()
        .count("No unit is chosen.")
    )

    page.focus("#id_name")
    page.keyboard.type("Alla i Alfa ett")
    choose_by_keyboard(
        page,
        "id_units_with_subtree",
        "alfa",
        ["Förvaltning Alfa", "Enhet Alfa ett"],
        size=size,
        what="unit",
    )
    assert chosen_titles(page, "id_units_with_subtree") == [
        "Förvaltning Alfa (Staden)",
        "Enhet Alfa ett (Förvaltning Alfa)",
    ]
    status = page.locator(
        "#id_units_with_subtree-chooser [data-multiple-chooser-status]"
    )
    status.filter(has_text="Added to the list: Förvaltning Alfa (Staden)").wait_for()
    remove_by_keyboard(page, "id_units_with_subtree", "Förvaltning Alfa (Staden)")
    assert chosen_titles(page, "id_units_with_subtree") == [
        "Enhet Alfa ett (Förvaltning Alfa)"
    ]

    coordinator_name = coordinator.get_full_name()
    choose_by_keyboard(
        page,
        "id_people",
        "svensson",  # the coordinator's own last name; Alma is added next
        [coordinator_name],
        size=size,
        what="person",
    )
    choose_by_keyboard(
        page, "id_people", "alma", ["Alma Ahlström"], size=size, what="person2"
    )
    assert chosen_titles(page, "id_people") == [
        f"{coordinator_name} (E-coord-a, Förvaltning Alfa)",
        "Alma Ahlström (E-alma, Enhet Alfa ett)",
    ]
    # The same person again adds nothing, and says so.
    choose_by_keyboard(
        page, "id_people", "alma", ["Alma Ahlström"], size=size, what="person3"
    )
    page.locator("#id_people-chooser [data-multiple-chooser-status]").filter(
        has_text="Already in the list"
    ).wait_for()
    assert len(chosen_titles(page, "id_people")) == 2
    remove_by_keyboard(page, "id_people", coordinator_name)
    assert chosen_titles(page, "id_people") == [
        "Alma Ahlström (E-alma, Enhet Alfa ett)"
    ]
    assert_no_axe_violations(page, f"the rule form with units and people at {size} px")
    shot(page, SHOTS, f"form-{size}")

    page.locator("#id_course").select_option(str(course.pk))
    page.locator("input[name=due_kind][value=after_assignment]").check()
    page.locator("#id_due_days").fill("30")
    tab_to(page, "el => el.matches('main form button[type=submit]')", max_presses=200)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rule = AssignmentRule.objects.get()
    assert path_of(page) == f"/admin/assignment-rules/{rule.pk}/preview/"
    assert list(rule.units_with_subtree.all()) == [org["a1"]]
    assert list(rule.units_only.all()) == []
    assert list(rule.people.all()) == [org["alma"]]
    assert rule.scope_unit == org["a"]
    # The preview counts who would be assigned: Alma, in Enhet Alfa ett.
    assert page.locator("[data-count=gains]").inner_text() == "1"

    page.goto(f"/admin/assignment-rules/{rule.pk}/")
    assert chosen_titles(page, "id_units_with_subtree") == [
        "Enhet Alfa ett (Förvaltning Alfa)"
    ]
    assert chosen_titles(page, "id_people") == [
        "Alma Ahlström (E-alma, Enhet Alfa ett)"
    ]
    assert (
        "alma" not in page.locator("main form").first.inner_text().split()
    )  # no username
    assert_no_axe_violations(page, f"the rule's edit page at {size} px")
    shot(page, SHOTS, f"edit-{size}")
    # Nothing sticks out of a phone's screen.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= int(size), f"the page is {width} px wide at {size} px"
