"""The demo's local coordinator (koord, Södermalm's administration) in the
admin on a phone and at 1280 px: what the walk of issue #15 found, kept fixed.

- A select is no wider than its form (cms/static/css/admin.css): the goal
  form's course ran off a 375 px screen, as Wagtail sizes a select to its
  longest option.
- Our own admin forms' fields are spaced as Wagtail's are
  (templates/includes/admin/fields.html): the exemption form's labels touched
  the field above.
- The HR import offers a coordinator only the partial import they may make
  (a full one is central HR's) and says why.
- The reports' date filters are as tall as the fields beside them (a touch
  target), and the admin's menu leads to the reports.

Each page passes axe-core, and its form is reached by keyboard.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext, override

from tests.browser.helpers import assert_no_axe_violations, log_in, shot, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_PASSWORD = "kompetens-demo"
WIDTHS = (320, 375, 1280)


def swedish(text):
    with override("sv"):
        return gettext(text)


def _device(width):
    if width > 600:
        return {"viewport": {"width": width, "height": 900}}
    return {
        "viewport": {"width": width, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture
def demo(settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HR_IMPORT_DIR = tmp_path / "hr-imports"
    call_command("load_demo", stdout=StringIO())


def _coordinator(new_page, width):
    page = new_page(device=_device(width))
    log_in(page, "koord", DEMO_PASSWORD)
    return page


def _fits(page, width, what):
    """Nothing reaches past the screen. On a phone the browser widens its
    layout viewport (innerWidth) to fit what is too wide; the screen is the
    root element's client width."""
    sizes = page.evaluate(
        """() => ({
            screen: document.documentElement.clientWidth,
            wider: [...document.querySelectorAll("main input, main select,"
                    + " main textarea, main button, main label")]
                .filter(el => el.getBoundingClientRect().width > 0)
                .filter(el => el.getBoundingClientRect().right
                              > document.documentElement.clientWidth + 0.5)
                .map(el => el.outerHTML.slice(0, 80)),
        })"""
    )
    assert sizes["screen"] == width, (what, sizes)
    assert sizes["wider"] == [], f"{what} at {width} px: {sizes['wider']}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_goal_form_fits_the_screen(new_page, demo, width):
    page = _coordinator(new_page, width)
    page.goto(reverse("report_goals:add"))
    # The demo's course titles (with their slugs) are wider than a phone.
    course = page.locator("#id_course")
    box = course.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    _fits(page, width, "the goal form")
    # The unit is asked for before sending: a coordinator sets no city goal.
    help_text = swedish("A unit of your administration.")
    assert help_text in page.locator("main").inner_text()
    shot(page, "coordinator", f"goal-form-{width}")
    assert_no_axe_violations(page, f"the goal form at {width} px")
    tab_to(page, "el => el.id === 'id_course'")
    page.keyboard.press("ArrowDown")  # the first course
    assert page.locator("#id_course").input_value() != ""
    tab_to(page, "el => el.id === 'id_target_percent'")
    page.keyboard.type("80")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_exemption_form_spaces_its_fields(new_page, demo, width):
    page = _coordinator(new_page, width)
    page.goto(reverse("exemptions"))
    wrappers = page.locator("main form .w-field__wrapper")
    assert wrappers.count() >= 4  # person, course, reason, until
    boxes = [wrappers.nth(i).bounding_box() for i in range(wrappers.count())]
    for above, below in zip(boxes, boxes[1:], strict=False):
        gap = below["y"] - (above["y"] + above["height"])
        assert gap >= 16, f"fields {gap:.0f} px apart at {width} px"
    _fits(page, width, "the exemption form")
    shot(page, "coordinator", f"exemptions-{width}")
    assert_no_axe_violations(page, f"the exemptions at {width} px")
    tab_to(page, "el => el.name === 'reason'")


@pytest.mark.parametrize("width", (320, 1280))
def test_the_hr_import_offers_a_coordinator_the_partial_import_only(
    new_page, demo, width
):
    page = _coordinator(new_page, width)
    page.goto(reverse("hr_import"))
    modes = page.locator("input[name=mode]")
    assert modes.count() == 1
    assert modes.first.get_attribute("value") == "partial"
    assert modes.first.is_checked()
    fieldset = page.locator("fieldset", has=modes.first)
    described = fieldset.get_attribute("aria-describedby")
    told = swedish(
        "Only central HR makes a full import. Yours touches only the rows in "
        "the file, and only people and units of your administration."
    )
    assert page.locator(f"#{described}").inner_text().strip() == told
    _fits(page, width, "the HR import")
    shot(page, "coordinator", f"hr-import-{width}")
    assert_no_axe_violations(page, f"the HR import at {width} px")
    tab_to(page, "el => el.type === 'file'")


@pytest.mark.parametrize("width", (320, 375))
def test_the_report_filters_are_touch_targets(new_page, demo, width):
    page = _coordinator(new_page, width)
    page.goto(reverse("reports:reports"))
    heights = page.evaluate(
        """() => [...document.querySelectorAll(".filters input, .filters select")]
            .map(el => [el.name, el.type, el.getBoundingClientRect().height])"""
    )
    dates = [h for _name, kind, h in heights if kind == "date"]
    assert dates, heights
    assert all(h >= 44 for _name, _kind, h in heights), heights
    _fits(page, width, "the reports")
    assert_no_axe_violations(page, f"the reports at {width} px")


def test_the_admin_menu_leads_a_coordinator_to_the_reports(new_page, demo):
    page = _coordinator(new_page, 1280)
    page.goto(reverse("wagtailadmin_home"))
    with page.expect_navigation():
        page.get_by_role("link", name="Rapporter").click()
    assert page.url.endswith(reverse("reports:reports"))
    assert page.get_by_role("heading", name="Rapporter", level=1).is_visible()
