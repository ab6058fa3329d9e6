"""The Content-Security-Policy in Chromium: learners, managers and HR authors
work through the demo without the browser refusing anything.

Every page (and frame: the preview panel, a preview in a new tab) reports
`securitypolicyviolation` events to the test, and Chromium's console
messages about the policy are collected too; both must stay empty. The
watch is shown to work first: an inline script the policy must refuse is
reported.
"""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from courses.models import CoursePage, LessonPage, QuizPage
from learners import actions
from tests.browser.helpers import log_in, path_of

pytestmark = [
    pytest.mark.browser,
    # The live server needs a transactional database; serialized_rollback
    # restores what the migrations created for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_PASSWORD = "kompetens-demo"
DEMO_COURSE = "Informationssäkerhet för medarbetare"
QUIZ_START = 'main form:has(input[name="action"][value="start"]) button'

# Runs in every document and frame before its own scripts.
_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.__kompetensCspViolation({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        sample: event.sample,
        source: `${event.sourceFile}:${event.lineNumber}`,
        page: document.location.href,
    });
}, true);
"""


class PolicyWatch:
    """What the browser refused in a context's pages, frames and tabs."""

    def __init__(self, page):
        self.violations = []
        self.console = []
        context = page.context
        context.expose_binding(
            "__kompetensCspViolation",
            lambda source, violation: self.violations.append(violation),
        )
        context.add_init_script(_WATCH)
        self.listen(page)
        context.on("page", self.listen)

    def listen(self, page):
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def assert_none(self, where):
        assert not self.violations and not self.console, (
            f"the policy refused something on {where}:\n"
            + "\n".join(str(v) for v in self.violations)
            + "\n"
            + "\n".join(self.console)
        )


@pytest.fixture
def demo(settings, tmp_path, transactional_db):
    # The demo's images and video go to this test's own directory.
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=StringIO())
    course = CoursePage.objects.live().get(title=DEMO_COURSE)
    lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))

    def with_block(kind):
        return next(
            lesson
            for lesson in lessons
            if any(block.block_type == kind for block in lesson.body)
        )

    return {
        "course": course,
        "video_lesson": with_block("video"),
        "image_lesson": with_block("image"),
        "quiz": QuizPage.objects.live().child_of(course).get(slug="kunskapstest"),
    }


def _policy_of(response):
    return response.header_value("content-security-policy") or ""


def test_the_watch_reports_what_the_policy_refuses(new_page, demo):
    page = new_page()
    watch = PolicyWatch(page)
    response = page.goto("/login/")
    assert "script-src 'self'" in _policy_of(response)
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined")
    assert [v["directive"] for v in watch.violations] == ["script-src-elem"]


def test_learner_and_manager_pages_run_within_the_policy(new_page, demo):
    # Anna has begun the course: My learning shows its progress bar.
    anna = get_user_model().objects.get(username="anna")
    actions.record_lesson_progress(anna, demo["video_lesson"], completed=True)
    page = new_page()
    watch = PolicyWatch(page)
    log_in(page, "anna", DEMO_PASSWORD)
    assert path_of(page) == "/learning/"
    # The bar is drawn without an inline style: an SVG rectangle as wide as
    # the percentage.
    bar = page.locator("[role=progressbar]").first
    percent = int(bar.get_attribute("aria-valuenow"))
    assert percent > 0
    drawn = bar.evaluate(
        """(track) => track.querySelector("rect").getBoundingClientRect().width
            / track.getBoundingClientRect().width"""
    )
    assert abs(drawn - percent / 100) < 0.05, (drawn, percent)
    watch.assert_none("My learning")

    # A lesson with self-hosted video: the video's metadata loads.
    response = page.goto(demo["video_lesson"].url)
    assert "media-src 'self'" in _policy_of(response)
    page.wait_for_function(
        "() => document.querySelector('video').readyState >= 1", timeout=10_000
    )
    page.wait_for_load_state("networkidle")
    watch.assert_none("a lesson with video")

    # The quiz: its introduction, then started (a form post) and its questions.
    page.goto(demo["quiz"].url)
    with page.expect_navigation():
        page.locator(QUIZ_START).click()
    assert page.locator("fieldset.question").count() > 0
    page.wait_for_load_state("networkidle")
    watch.assert_none("the quiz")

    manager = new_page()
    watch = PolicyWatch(manager)
    log_in(manager, "chef", DEMO_PASSWORD)
    for url in ("/learning/team/", "/learning/reports/", "/learning/reports/people/"):
        response = manager.goto(url)
        assert response.status == 200, url
        assert manager.locator("main table").count() > 0, url
        manager.wait_for_load_state("networkidle")
        watch.assert_none(url)


def test_the_wagtail_admin_runs_within_its_policy(new_page, demo):
    page = new_page()
    watch = PolicyWatch(page)
    log_in(page, "admin", DEMO_PASSWORD, next_path="/admin/")
    assert path_of(page) == "/admin/"
    page.wait_for_load_state("networkidle")
    watch.assert_none("the dashboard")

    # The page editor of a lesson: its StreamField, with an image block.
    lesson = demo["image_lesson"]
    response = page.goto(f"/admin/pages/{lesson.pk}/edit/")
    policy = _policy_of(response)
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9+/=]+'", policy), policy
    assert "'unsafe-inline'" not in policy.split("script-src ")[1].split(";")[0]
    page.wait_for_load_state("networkidle")
    watch.assert_none("the page editor")

    # The image chooser (a modal loaded from the server), and a choice in it.
    chooser = page.locator('[data-contentpath="image"]').first
    chooser.locator(".w-dropdown__toggle").click()
    chooser.locator("[data-chooser-action-choose]:visible").first.click()
    choice = page.locator(".modal a[data-chooser-modal-choice]").first
    choice.wait_for()
    choice.click()
    page.locator(".modal").first.wait_for(state="hidden")
    watch.assert_none("the image chooser")

    # A new block in the StreamField, with text typed into Draftail (which
    # writes <style> elements of its own).
    page.locator("button.c-sf-add-button").first.click()
    # The block menu's first kind is text.
    page.get_by_role("option").first.click()
    page.keyboard.type("Ny text i lektionen.")
    watch.assert_none("a new StreamField block")

    # The preview in the side panel (a frame of our own origin)…
    page.locator('[data-side-panel-toggle="preview"]').click()
    # (Wagtail swaps in a fresh iframe once the preview has loaded.)
    page.wait_for_function(
        """(title) => {
            const frame = document.querySelector("#w-preview-iframe");
            const heading = frame?.contentDocument?.querySelector("main h1");
            return heading?.textContent.includes(title);
        }""",
        arg=lesson.title,
    )
    watch.assert_none("the preview panel")

    # …and in a new tab.
    with page.context.expect_page() as new_tab:
        page.locator(f'a[href$="/pages/{lesson.pk}/edit/preview/"]').first.click()
    tab = new_tab.value
    tab.locator("h1").filter(has_text=lesson.title).wait_for()
    tab.wait_for_load_state("networkidle")
    watch.assert_none("the preview in a new tab")

    # The schedule's date-time picker (Wagtail's inline script, with the nonce).
    page.locator('[data-side-panel-toggle="status"]').click()
    page.locator(
        '[data-a11y-dialog-show="schedule-publishing-dialog"]:visible'
    ).first.click()
    page.locator("#id_go_live_at").click()
    page.locator(".xdsoft_datetimepicker").first.wait_for()
    watch.assert_none("the schedule's date-time picker")

    # Lists with date filters, the image editor (focal point) and our own
    # admin views.
    image_pk = next(
        block.value["image"].pk for block in lesson.body if block.block_type == "image"
    )
    for url in (
        "/admin/pages/",
        f"/admin/images/{image_pk}/",
        "/admin/assignment-rules/",
        "/admin/certificates/",
        "/admin/hr-import/",
        "/admin/audit_log/",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        watch.assert_none(url)
