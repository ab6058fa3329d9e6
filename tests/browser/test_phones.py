"""Phones: no learner or manager page scrolls sideways, and tables become
cards whose every value shows its column's heading.

On the demo, as a learner (anna), a manager (chef) and central HR (hr), every
page of theirs is opened at 320 and 375 px (a phone's mobile viewport) and at
1280 px: the document is never wider than the window. Below 600 px each
learner and manager table is stacked (.table--stack in site.css): it fits
the screen, and every cell's label is its column's heading. At 375 px the
certificate's download link on *My learning* and each count on *My team* are
on the screen without scrolling sideways. The 404 page passes axe-core.

Screenshots: /tmp/shots/phones/<role>-<page>-<width>.png.
"""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse

from courses.models import CourseIndexPage, CoursePage, LessonPage, QuizPage
from learners import actions
from learners.models import Certificate
from tests.browser.helpers import assert_no_axe_violations, log_in, shot
from tests.factories import make_course
from tests.helpers import complete_course

pytestmark = [
    pytest.mark.browser,
    # The live server needs a transactional database; serialized_rollback
    # restores what the migrations created for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_PASSWORD = "kompetens-demo"
DEMO_COURSE = "Informationssäkerhet för medarbetare"
PHONE_WIDTHS = (320, 375)
DESKTOP_WIDTH = 1280


def _phone(width):
    return {
        "viewport": {"width": width, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


# The screen's width is the root's client width: on a phone the browser
# widens its layout viewport (innerWidth) to whatever is too wide, so a
# comparison with innerWidth could never fail.
_SIDEWAYS = """() => {
    const inner = document.documentElement.clientWidth;
    const wider = [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > inner + 0.5)
        .filter((el) => !el.closest(".visually-hidden"))
        .slice(0, 6)
        .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> `
            + (el.textContent || "").trim().slice(0, 50));
    return {scroll: document.scrollingElement.scrollWidth, inner, wider};
}"""

# Every table in main: its box against the window's, and for a stacked one
# each cell's drawn label against the heading of its column.
_TABLES = """() => [...document.querySelectorAll("main table")].map((table) => {
    const box = table.getBoundingClientRect();
    const headings = [...table.querySelectorAll("thead th")]
        .map((th) => th.textContent.trim());
    const cells = [...table.querySelectorAll("tbody td, tfoot td")].map((td) => ({
        label: td.getAttribute("data-label"),
        heading: headings[td.cellIndex] ?? null,
        drawn: getComputedStyle(td, "::before").content,
        left: td.getBoundingClientRect().left,
        right: td.getBoundingClientRect().right,
    }));
    return {
        name: table.dataset.report || table.dataset.table || table.className,
        stacked: table.classList.contains("table--stack"),
        left: box.left, right: box.right, scroll: table.scrollWidth,
        cells,
    };
})"""


def _css_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def assert_fits(page, role, name, width):
    """No sideways scroll; on a phone, every table fits and labels its cells."""
    shot(page, "phones", f"{role}-{name}-{width}")
    sizes = page.evaluate(_SIDEWAYS)
    assert sizes["scroll"] <= sizes["inner"], (
        f"{role}'s {name} ({page.url}) scrolls sideways at {width} px: "
        f"{sizes['scroll']} > {sizes['inner']}; wider than the window:\n  "
        + "\n  ".join(sizes["wider"])
    )
    tables = page.evaluate(_TABLES)
    for table in tables:
        if width > 600:
            # An ordinary table: no labels drawn, headings in their row.
            assert all(cell["drawn"] in ("none", "normal") for cell in table["cells"])
            continue
        label = f"{role}'s {name} at {width} px, table {table['name']}"
        assert table["left"] >= 0 and table["right"] <= width + 0.5, (
            f"{label} is wider than the screen: {table}"
        )
        # The trend's three narrow columns (week, n / m, %) fit a phone as
        # a table, and twelve weeks read best as one; every other is stacked.
        assert table["stacked"] or table["name"] == "trend", f"{label} is a table"
        if not table["stacked"]:
            continue
        for cell in table["cells"]:
            assert cell["label"] == cell["heading"], (label, cell)
            assert cell["drawn"] == _css_string(cell["heading"]), (label, cell)
            assert cell["left"] >= 0 and cell["right"] <= width + 0.5, (label, cell)
    return tables


def walk(new_page, role, urls, check=None):
    """Log in as `role` on a phone and on a desktop, open every url at every
    width; `check(page, name, width)` runs after the general checks."""
    for device, widths in (
        (_phone(PHONE_WIDTHS[-1]), PHONE_WIDTHS[::-1]),
        ({"viewport": {"width": DESKTOP_WIDTH, "height": 900}}, (DESKTOP_WIDTH,)),
    ):
        page = new_page(device=device)
        log_in(page, role, DEMO_PASSWORD)
        for width in widths:
            page.set_viewport_size({"width": width, "height": 740})
            for name, url in urls.items():
                response = page.goto(url)
                expected = 404 if name == "not-found" else 200
                assert response.status == expected, (role, name, url)
                assert_fits(page, role, name, width)
                if check:
                    check(page, name, width)


@pytest.fixture
def demo(settings, tmp_path, transactional_db):
    # The demo's images and video, and the certificate, go to this test's
    # own directory.
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=StringIO())
    anna = get_user_model().objects.get(username="anna")
    course = CoursePage.objects.live().get(title=DEMO_COURSE)
    quiz = QuizPage.objects.live().child_of(course).get(slug="kunskapstest")
    catalogue = CourseIndexPage.objects.live().first()
    # Anna has completed a course with a long Swedish title (a certificate)
    # and sent the demo quiz unanswered (a result page).
    done = make_course(
        catalogue, lessons=1, title="Arbetsmiljö och systematiskt brandskyddsarbete"
    )
    complete_course(anna, done)
    attempt = actions.start_quiz_attempt(anna, quiz)
    actions.save_quiz_answers(anna, attempt.pk, QueryDict(), submit=True)
    return {
        "course": course,
        "lesson": LessonPage.objects.live().child_of(course).first(),
        "quiz": quiz,
        "catalogue": catalogue,
        "certificate": Certificate.objects.get(learner=anna, course=done),
        "attempt": attempt,
    }


def _in_view_sideways(page, locator):
    """Scrolled to vertically only: the element is wholly within the window's
    width and visible."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    inner = page.evaluate("() => document.documentElement.clientWidth")
    assert locator.is_visible()
    assert box["x"] >= 0 and box["x"] + box["width"] <= inner + 0.5, (box, inner)
    assert page.evaluate("() => window.scrollX") == 0


def test_learner_pages_fit_a_phone_and_show_the_certificate_link(new_page, demo):
    certificate_pdf = reverse("learners:certificate_pdf", args=[demo["certificate"].pk])
    urls = {
        "my-learning": "/learning/",
        "catalogue": demo["catalogue"].url,
        "course": demo["course"].url,
        "lesson": demo["lesson"].url,
        "quiz": demo["quiz"].url,
        "attempt": reverse("learners:attempt", args=[demo["attempt"].pk]),
        "calendar": reverse("assignments:calendar"),
        "notifications": reverse("reminders:notifications"),
        "certificate": reverse("verify_certificate", args=[demo["certificate"].code]),
        "not-found": "/learning/finns-inte/",
    }

    def check(page, name, width):
        if name == "my-learning":
            link = page.locator(f'main a[href="{certificate_pdf}"]')
            assert link.count() == 1
            if width == 375:
                _in_view_sideways(page, link)
                # Beside it, what it is: the column's heading.
                cell = link.locator("xpath=ancestor::td[1]")
                assert cell.get_attribute("data-label") == "Intyg"
        if name == "not-found" and width in (375, DESKTOP_WIDTH):
            assert page.locator("h1").inner_text() == "Vi hittar inte sidan"
            assert_no_axe_violations(page, f"the 404 page at {width} px")
        if name in ("my-learning", "attempt") and width == 320:
            assert_no_axe_violations(page, f"{name} stacked at 320 px")

    walk(new_page, "anna", urls, check)


def _first_link(page, url, selector):
    page.goto(url)
    return page.locator(selector).first.get_attribute("href")


def _report_urls(new_page, role):
    """The role's report pages, found by following their own links."""
    page = new_page()
    log_in(page, role, DEMO_PASSWORD)
    page.goto("/learning/reports/")
    unit = page.locator("table.report-matrix tbody th a").first.get_attribute("href")
    page.goto(unit)
    course = page.locator("#id_kurs option").nth(1).get_attribute("value")
    people = _first_link(page, unit, "a[href$='/people/']")
    person = _first_link(page, people, "table[data-report=people] tbody th a")
    page.context.close()
    return {
        "reports": "/learning/reports/",
        "unit": unit,
        "unit-with-trend": f"{unit}?kurs={course}",
        "people": people,
        "people-all": reverse("reports:report_people_all"),
        "person": person,
        "exports": reverse("reports:report_exports"),
    }


def test_manager_pages_fit_a_phone_and_show_my_teams_counts(new_page, demo):
    page = new_page()
    log_in(page, "chef", DEMO_PASSWORD)
    team_person = _first_link(page, "/learning/team/", "table tbody th a")
    page.context.close()
    urls = {
        "team": "/learning/team/",
        "team-person": team_person,
        **_report_urls(new_page, "chef"),
    }
    assert re.match(r"^/learning/team/\d+/$", team_person)

    def check(page, name, width):
        if name == "team" and width == 375:
            counts = page.locator("table[data-table=team] tbody td.num")
            assert counts.count() >= 5  # five counts for each person
            for index in range(counts.count()):
                _in_view_sideways(page, counts.nth(index))
            # Label and count read from the left, as every other cell.
            assert counts.first.evaluate("(td) => getComputedStyle(td).textAlign") in (
                "left",
                "start",
            )
        if name == "team" and width == 320:
            assert_no_axe_violations(page, "My team stacked at 320 px")
        if name == "unit-with-trend":
            assert page.locator("svg.trend__chart circle").count() == 12

    walk(new_page, "chef", urls, check)


def test_hr_report_pages_fit_a_phone(new_page, demo):
    urls = _report_urls(new_page, "hr")

    def check(page, name, width):
        if name == "people" and width == 320:
            assert_no_axe_violations(page, "a people list stacked at 320 px")

    walk(new_page, "hr", urls, check)
