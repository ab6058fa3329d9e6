"""A learner's journey through the demo course, in a real browser.

The same journey runs three ways: with a mouse on a desktop screen, with touch
on a phone's width (375 px), and by keyboard alone. axe-core checks every kind
of page a learner sees against WCAG 2.1 A and AA.
"""

import json
import re
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from courses.grading import field_name
from courses.models import CourseIndexPage, CoursePage, LessonPage, QuizPage
from learners import actions
from learners.models import Enrolment, LessonProgress
from learners.progress import lessons_by_course
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    assert_no_axe_violations,
    log_in,
    path_of,
    tab_to,
)
from tests.factories import (
    PASSWORD,
    LessonPageFactory,
    UserFactory,
    make_course,
    publish,
)

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: the live server needs a transactional database, which
    # is flushed after each test; this restores what the migrations created
    # (Wagtail's root page, default site and collection, permissions) for the
    # next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_PASSWORD = "kompetens-demo"
DEMO_COURSE = "Informationssäkerhet för medarbetare"
SECOND_COURSE = "Dataskydd och GDPR i vardagen"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", stdout=StringIO())
    course = CoursePage.objects.live().get(title=DEMO_COURSE)
    return {
        "catalogue": CourseIndexPage.objects.live().get(),
        "course": course,
        "lessons": list(course.lessons()),
        # Lessons and quizzes in the editor's order, as the learner takes them.
        "steps": lessons_by_course([course])[course.pk],
        "second_course": CoursePage.objects.live().get(title=SECOND_COURSE),
    }


def correct_answers(quiz):
    """What a learner who knows the answers fills in, as form controls:
    ("check", input name, value) or ("select", select name, option label or
    value). Read from the quiz's questions, so the test follows the content."""
    answers = []
    for question in quiz.questions.raw_data:
        kind, qid, value = question["type"], question["id"], question["value"]
        name = field_name(qid)
        if kind in ("single_choice", "multiple_choice"):
            answers += [
                ("check", name, option["id"])
                for option in value["options"]
                if option["value"]["correct"]
            ]
        elif kind == "true_false":
            answers.append(("check", name, value["correct_answer"]))
        elif kind == "matching":
            answers += [
                ("select", field_name(qid, pair["id"]), pair["value"]["match"])
                for pair in value["pairs"]
            ]
        elif kind == "ordering":
            answers += [
                ("select", field_name(qid, item["id"]), str(position))
                for position, item in enumerate(value["items"], start=1)
            ]
        else:
            pytest.fail(f"The test cannot answer a {kind!r} question yet.")
    return answers


# --- Three ways to use the site --------------------------------------------


def _js_matches(selector):
    return f"el => el.matches({json.dumps(selector)})"


def _input(name, value):
    return f'input[name="{name}"][value="{value}"]'


QUIZ_START = 'form:has(input[name="action"][value="start"]) button'
QUIZ_SUBMIT = 'button[name="action"][value="submit"]'


class Pointer:
    """A mouse on a desktop screen."""

    device = DESKTOP

    def press(self, locator):
        locator.click()

    def log_in(self, page, username, password):
        page.goto("/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        with page.expect_navigation():
            self.press(page.locator("main form").get_by_role("button"))

    def follow(self, page, selector):
        """Follow the link (or press the button) that ``selector`` matches."""
        with page.expect_navigation():
            self.press(page.locator(selector))

    def mark_done(self, page):
        with page.expect_navigation():
            self.press(page.locator("form.mark-done").get_by_role("button"))

    def check(self, page, name, value):
        self.press(page.locator(_input(name, value)))

    def select(self, page, name, label_or_value):
        select = page.locator(f'select[name="{name}"]')
        if label_or_value.isdigit():
            select.select_option(value=label_or_value)
        else:
            select.select_option(label=label_or_value)

    def take_quiz(self, page, quiz):
        self.follow(page, QUIZ_START)
        for kind, name, value in correct_answers(quiz):
            if kind == "check":
                self.check(page, name, value)
                assert page.locator(_input(name, value)).is_checked()
            else:
                self.select(page, name, value)
        self.follow(page, QUIZ_SUBMIT)


class Touch(Pointer):
    """A finger on a phone: 375 px wide, touch events, mobile viewport."""

    device = PHONE

    def press(self, locator):
        locator.tap()

    def check(self, page, name, value):
        # The label is the touch target: bigger than the radio button itself.
        input_id = page.locator(_input(name, value)).get_attribute("id")
        self.press(page.locator(f'label[for="{input_id}"]'))


class Keyboard(Pointer):
    """The keyboard alone: never a mouse click. Tab and Shift+Tab to move,
    Enter to follow links, Space to press buttons and tick boxes, and the arrow
    keys inside radio groups and drop-down lists, as their keyboard
    interaction prescribes."""

    def _focus(self, page, selector, backwards=False):
        tab_to(page, _js_matches(selector), backwards=backwards)
        # WCAG 2.4.7: a keyboard user must see where the focus is.
        style = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"""
        )
        assert (style[0] != "none" and style[1] != "0px") or style[2] != "none", (
            f"no visible focus indicator on {selector} at {page.url}: {style}"
        )

    def _activate(self, page):
        tag = page.evaluate("() => document.activeElement.tagName")
        with page.expect_navigation():
            page.keyboard.press("Enter" if tag == "A" else "Space")

    def log_in(self, page, username, password):
        page.goto("/login/")
        self._focus(page, "#id_username")
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "id_password"
        page.keyboard.type(password)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    def follow(self, page, selector):
        self._focus(page, selector)
        self._activate(page)

    def mark_done(self, page):
        # The button is at the end of a long lesson: Shift+Tab from the top of
        # the page wraps to the footer and reaches it in a few presses.
        self._focus(page, "form.mark-done button", backwards=True)
        self._activate(page)

    def _active_value(self, page):
        return page.evaluate("() => document.activeElement.value")

    def check(self, page, name, value):
        input_type = page.locator(_input(name, value)).get_attribute("type")
        if input_type == "checkbox":
            self._focus(page, _input(name, value))
        else:
            # Tab enters a radio group once; the arrows move within it.
            self._focus(page, f'input[name="{name}"]')
            for _press in range(10):
                if self._active_value(page) == value:
                    break
                page.keyboard.press("ArrowDown")
        assert self._active_value(page) == value
        page.keyboard.press("Space")

    def select(self, page, name, label_or_value):
        self._focus(page, f'select[name="{name}"]')
        for _press in range(12):
            current = page.evaluate(
                """() => { const el = document.activeElement;
                           const option = el.selectedOptions[0];
                           return [el.value, option ? option.text.trim() : ""]; }"""
            )
            if label_or_value in current:
                return
            page.keyboard.press("ArrowDown")
        pytest.fail(f"could not choose {label_or_value!r} in {name} by keyboard")


WAYS = {"desktop": Pointer(), "phone-375px": Touch(), "keyboard-only": Keyboard()}


# --- Checks ----------------------------------------------------------------


def progress_value(page):
    bars = page.locator("[role=progressbar]")
    assert bars.count() == 1, f"expected one progress bar on {page.url}"
    return int(bars.get_attribute("aria-valuenow"))


def assert_fits_screen(page):
    """Nothing wider than the screen: no sideways scrolling (WCAG 1.4.10)."""
    widths = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                   client: document.documentElement.clientWidth,
                   culprits: [...document.querySelectorAll("body *")]
                     .filter(el => el.getBoundingClientRect().right >
                                   document.documentElement.clientWidth + 1)
                     .slice(0, 5).map(el => el.outerHTML.slice(0, 120))})"""
    )
    assert widths["scroll"] <= widths["client"], (
        f"{page.url} scrolls sideways at {widths['client']} px "
        f"(content is {widths['scroll']} px wide): {widths['culprits']}"
    )


def expected_percent(steps, done_count):
    required = [step for step in steps if step.required]
    done = [step for step in steps[:done_count] if step.required]
    return round(100 * len(done) / len(required))


# --- The journey -----------------------------------------------------------


@pytest.mark.parametrize("way", WAYS.values(), ids=WAYS.keys())
def test_learner_completes_the_demo_course(new_page, demo, way):
    course, steps = demo["course"], demo["steps"]
    assert len(demo["lessons"]) == 5
    page = new_page(device=way.device)

    way.log_in(page, "anna", DEMO_PASSWORD)
    assert path_of(page) == reverse("learners:my_learning")
    assert_fits_screen(page)

    way.follow(page, f'.site-nav a[href="{demo["catalogue"].url}"]')
    assert path_of(page) == demo["catalogue"].url
    assert_fits_screen(page)

    way.follow(page, f'.card__title a[href="{course.url}"]')
    assert path_of(page) == course.url
    assert page.locator("h1").inner_text() == DEMO_COURSE
    assert progress_value(page) == 0
    assert_fits_screen(page)

    start = reverse("learners:start_course", args=[course.pk])
    way.follow(page, f'form[action="{start}"] button')

    # Every lesson in order, and the quiz that ends the course.
    for number, step in enumerate(steps):
        if path_of(page) != step.url:
            # After a quiz the learner is on its result page.
            way.follow(page, f'.breadcrumbs a[href="{course.url}"]')
            way.follow(page, f'.lesson-list a[href="{step.url}"]')
        assert path_of(page) == step.url, f"expected step {number + 1}"
        assert page.locator("h1").inner_text() == step.title
        assert_fits_screen(page)
        if isinstance(step, LessonPage):
            assert progress_value(page) == expected_percent(steps, number)
            way.mark_done(page)
        else:
            assert isinstance(step, QuizPage)
            way.take_quiz(page, step)
            assert_fits_screen(page)
            assert page.locator(".result--passed").is_visible()

    # A passed quiz shows its result; the course page shows the completion.
    if path_of(page) != course.url:
        way.follow(page, f'.breadcrumbs a[href="{course.url}"]')
    assert path_of(page) == course.url
    assert progress_value(page) == 100
    assert page.locator(".facts .badge--completed").is_visible()
    assert_fits_screen(page)

    way.follow(page, f'.site-nav a[href="{reverse("learners:my_learning")}"]')
    completed = page.locator("section[aria-labelledby=completed-heading]")
    assert completed.get_by_role("link", name=DEMO_COURSE).is_visible()
    in_progress = page.locator("section[aria-labelledby=in-progress-heading]")
    assert in_progress.get_by_role("link", name=DEMO_COURSE).count() == 0
    assert_fits_screen(page)

    enrolment = Enrolment.objects.get(learner__username="anna", course=course)
    assert enrolment.completed_at is not None
    assert enrolment.lesson_progress.filter(completed_at__isnull=False).count() == 5


def test_keyboard_user_can_skip_to_the_content(new_page, demo):
    page = new_page()
    Pointer().log_in(page, "anna", DEMO_PASSWORD)
    page.goto(demo["catalogue"].url)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab lands inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


# --- WCAG 2.1 AA with axe-core -----------------------------------------------


def _open_all_details(page):
    """Expandable sections and transcripts: check what is inside them too."""
    page.evaluate(
        "() => document.querySelectorAll('details').forEach(d => d.open = true)"
    )


def test_pages_have_no_wcag_21_aa_violations(new_page, demo):
    course, lessons, steps = demo["course"], demo["lessons"], demo["steps"]
    page = new_page()

    # Logged out: the login page (also with an error) and the statement.
    page.goto("/login/")
    assert_no_axe_violations(page, "the login page")
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill("wrong password")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button").click()
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violations(page, "the login page with an error")

    page.goto("/tillganglighet/")
    assert page.locator("#report-form").is_visible()
    assert_no_axe_violations(page, "the accessibility statement")
    with page.expect_navigation():
        page.locator("#report-form form").get_by_role("button").click()
    assert page.locator("#report-form .error-summary").is_visible()
    assert_no_axe_violations(page, "the accessibility statement with form errors")

    # Logged in, with a short course completed and the second demo course
    # begun, so that "My learning" has a completed row and cards in progress.
    anna = get_user_model().objects.get(username="anna")
    short_course = make_course(demo["catalogue"], lessons=1, title="Kort kurs")
    for lesson in (short_course.lessons()[0], demo["second_course"].lessons()[0]):
        actions.record_lesson_progress(anna, lesson, completed=True)
    Pointer().log_in(page, "anna", DEMO_PASSWORD)
    assert_no_axe_violations(page, "My learning")
    page.goto("/")
    assert_no_axe_violations(page, "the home page")
    page.goto(demo["catalogue"].url)
    assert_no_axe_violations(page, "the catalogue")
    page.goto(demo["catalogue"].url + "?q=l%C3%B6senord&sprak=sv")
    assert_no_axe_violations(page, "the catalogue, filtered")
    page.goto(course.url)
    assert_no_axe_violations(page, "the course page (not started)")

    # Every lesson: together they hold every kind of block.
    checked_blocks = set()
    for lesson in lessons:
        page.goto(lesson.url)
        if lesson == lessons[0]:
            assert page.locator("video track[kind=captions]").count() == 1
        _open_all_details(page)
        assert_no_axe_violations(page, f"the lesson {lesson.title!r}")
        checked_blocks |= {block.block_type for block in lesson.body}
        if lesson == lessons[0]:
            Pointer().mark_done(page)
    assert {"image", "video", "callout", "expandable", "document"} <= checked_blocks

    page.goto(course.url)
    assert progress_value(page) == expected_percent(steps, 1)
    assert_no_axe_violations(page, "the course page (in progress)")

    # The quiz: its introduction, the questions, and the result.
    quiz = next(step for step in steps if isinstance(step, QuizPage))
    page.goto(quiz.url)
    assert_no_axe_violations(page, "the quiz introduction")
    Pointer().follow(page, QUIZ_START)
    assert page.locator("fieldset.question").count() == len(quiz.questions)
    assert_no_axe_violations(page, "the quiz questions")
    for kind, name, value in correct_answers(quiz):
        if kind == "check":
            Pointer().check(page, name, value)
        else:
            Pointer().select(page, name, value)
    Pointer().follow(page, QUIZ_SUBMIT)
    assert page.locator(".result--passed").is_visible()
    assert_no_axe_violations(page, "the quiz result")

    # "My learning" with two courses in progress: every card has its own,
    # correctly labelled, progress bar.
    page.goto(reverse("learners:my_learning"))
    in_progress = page.locator("section[aria-labelledby=in-progress-heading]")
    bars = in_progress.get_by_role("progressbar")
    expect(bars).to_have_count(2)
    values = [bars.nth(index).get_attribute("aria-valuenow") for index in range(2)]
    assert values[0] != values[1]
    for index, value in enumerate(values):
        expect(bars.nth(index)).to_have_accessible_name(re.compile(rf"\b{value}\b"))
    assert page.locator("section[aria-labelledby=completed-heading] tbody tr").count()
    assert_no_axe_violations(page, "My learning (two courses in progress)")

    # The English version too (the header's language switcher).
    with page.expect_navigation():
        page.locator(".language-switcher button").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_no_axe_violations(page, "My learning in English")


# --- The lesson page's heartbeat -----------------------------------------------


def test_leaving_a_lesson_records_where_the_learner_was(new_page, catalogue):
    course = make_course(catalogue, lessons=0, title="Lång kurs")
    paragraphs = "".join(f"<p>Stycke {n} om säker information.</p>" for n in range(80))
    lesson = publish(
        LessonPageFactory(parent=course, body=[{"type": "text", "value": paragraphs}])
    )
    UserFactory(username="cecilia")
    page = new_page()
    log_in(page, "cecilia", PASSWORD, next_path=lesson.url)
    assert path_of(page) == lesson.url

    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => window.scrollY > 1000")
    # Leaving the page hides it: the script sends a beacon on visibilitychange.
    page.goto(course.url)

    row = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row = LessonProgress.objects.filter(
            enrolment__learner__username="cecilia", lesson=lesson
        ).first()
        if row is not None:
            break
        time.sleep(0.1)
    assert row is not None, "no progress was recorded when the learner left"
    assert row.last_position > 0
    assert row.progress > 0
    assert row.completed_at is None

    # Back on the lesson, the learner is offered to continue where they were.
    page.goto(lesson.url)
    assert page.locator("[data-resume]").is_visible()

    # Leave once more and wait until that beacon is recorded, so that no
    # request is still writing when the test database is flushed (a beacon
    # from the page closing at teardown deadlocked with the flush once).
    before = LessonProgress.objects.get(pk=row.pk).updated_at
    page.goto(course.url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if LessonProgress.objects.get(pk=row.pk).updated_at != before:
            break
        time.sleep(0.1)
