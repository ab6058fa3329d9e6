"""Creating a course or lesson keeps everything HR typed, in one page, at a
person's speed (pauses longer than Wagtail's autosave interval) and at a
machine's (type fast, save at once); a form left unsaved leaves no page.

Wagtail 8 used to autosave the create form: the page was created while HR
was still typing, and "Save draft" before the browser had switched to the new
page's edit view posted the create form again, which failed on the slug (or
with an error page) and left a page holding only the first fields. The create
view now has autosave off (courses/admin_views.py); editing keeps it: typing
in the edit view of a course writes a draft revision while HR types (one per
editing session, overwritten as they go on), and a reload shows what was
typed.

Wagtail's "unsaved changes" watcher (w-unsaved, which starts the autosave)
takes the form as it is 2 s after it appears as the unchanged state, so that
widgets can settle first. A check typing at once after the page loaded
never saw an autosave: what it typed *was* the unchanged state. A person does
not type within 2 s of the editor opening; the test waits, as they do, for
the watcher to start (its `w-unsaved:watch-edits` event). And it waits with
Playwright's own waits, never `time.sleep`, while it listens for requests:
the sync API hands events to listeners only inside its own calls.
"""

import re
import time

import pytest
from django.conf import settings

from cms.roles import ensure_hr_author_group
from courses.models import Category, CoursePage, LessonPage
from tests.browser.helpers import admin_log_in, assert_no_axe_violations, path_of
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "/tmp/out/shots/authoring"
# Longer than Wagtail's autosave interval (its default, 500 ms, unless set).
# Waited with Playwright, so that its request listeners hear what happens meanwhile.
PAUSE_MS = getattr(settings, "WAGTAIL_AUTOSAVE_INTERVAL", 500) * 3
HUMAN_KEY_DELAY_MS = 90


@pytest.fixture
def author(catalogue):
    Category.objects.create(name="Säkerhet", slug="sakerhet")
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_author_group())
    return user


class Posts:
    """Every POST the editor's page sends, to tell autosaves from saves."""

    def __init__(self, page):
        self.urls = []
        page.on(
            "request",
            lambda request: (
                self.urls.append(re.sub(r"^https?://[^/]+", "", request.url))
                if request.method == "POST"
                else None
            ),
        )

    def to(self, prefix):
        return [url for url in self.urls if url.startswith(prefix)]


def type_into(locator, text, human):
    if human:
        locator.click()
        locator.press_sequentially(text, delay=HUMAN_KEY_DELAY_MS)
        locator.page.wait_for_timeout(PAUSE_MS)
    else:
        locator.fill(text)


def type_rich_text(page, field, text, human):
    editor = page.locator(
        f"[data-contentpath={field}] .public-DraftEditor-content"
    ).first
    editor.click()
    page.keyboard.type(text, delay=HUMAN_KEY_DELAY_MS if human else 0)
    # Draftail writes to its hidden input a moment after typing (debounced);
    # a person is never faster than that.
    page.wait_for_function(
        """([name, text]) => {
            const input = document.querySelector(`input[name="${name}"]`);
            return input && input.value.includes(text);
        }""",
        arg=[field, text],
    )
    if human:
        page.wait_for_timeout(PAUSE_MS)


def save_draft(page):
    with page.expect_navigation():
        page.locator("footer button[type=submit]").first.click()


def test_a_course_typed_at_human_speed_keeps_every_field_in_one_page(
    new_page, author, catalogue
):
    page = new_page()
    admin_log_in(page, author.username)
    posts = Posts(page)
    add_url = f"/admin/pages/add/courses/coursepage/{catalogue.pk}/"
    page.goto(add_url)
    type_into(page.locator("#id_title"), "Brandskydd på jobbet", human=True)
    type_into(page.locator("#id_summary"), "Så förebygger du brand.", human=True)
    type_rich_text(page, "objectives", "Hitta utrymningsvägarna", human=True)
    page.locator("#id_estimated_minutes").fill("")
    type_into(page.locator("#id_estimated_minutes"), "45", human=True)
    page.get_by_label("Säkerhet").check()
    page.wait_for_timeout(PAUSE_MS)
    # Nothing was created while HR typed.
    assert posts.to(add_url) == []
    assert not CoursePage.objects.exists()
    save_draft(page)

    assert posts.to(add_url) == [add_url]
    course = CoursePage.objects.get()
    assert path_of(page) == f"/admin/pages/{course.pk}/edit/"
    assert page.locator(".w-field__errors .error-message").count() == 0
    draft = course.get_latest_revision_as_object()
    assert draft.title == "Brandskydd på jobbet"
    assert draft.summary == "Så förebygger du brand."
    assert "Hitta utrymningsvägarna" in draft.objectives
    assert draft.estimated_minutes == 45
    assert [c.slug for c in draft.categories.all()] == ["sakerhet"]


def test_a_lesson_typed_at_human_speed_keeps_its_content_in_one_page(
    new_page, author, course
):
    page = new_page()
    admin_log_in(page, author.username)
    posts = Posts(page)
    add_url = f"/admin/pages/add/courses/lessonpage/{course.pk}/"
    page.goto(add_url)
    type_into(page.locator("#id_title"), "Släckare och filtar", human=True)
    page.locator(".c-sf-add-button").first.click()
    page.get_by_role("option", name="Text", exact=True).click()
    editor = page.locator("[data-contentpath=body] .public-DraftEditor-content").first
    editor.click()
    page.keyboard.type("Pulversläckaren står vid dörren.", delay=HUMAN_KEY_DELAY_MS)
    page.wait_for_function(
        """text => [...document.querySelectorAll('input[name^="body-"]')]
                    .some(input => input.value.includes(text))""",
        arg="Pulversläckaren",
    )
    page.wait_for_timeout(PAUSE_MS)
    page.locator("#id_estimated_minutes").fill("")
    type_into(page.locator("#id_estimated_minutes"), "7", human=True)
    assert posts.to(add_url) == []
    assert (
        not LessonPage.objects.child_of(course)
        .filter(title__startswith="Släck")
        .exists()
    )
    page.screenshot(path=f"{SHOTS}/lesson-create-before-save.png", full_page=True)
    save_draft(page)

    assert posts.to(add_url) == [add_url]
    lessons = LessonPage.objects.child_of(course).filter(title__startswith="Släck")
    assert lessons.count() == 1
    draft = lessons.get().get_latest_revision_as_object()
    assert draft.title == "Släckare och filtar"
    assert draft.estimated_minutes == 7
    assert "Pulversläckaren står vid dörren." in str(draft.body[0].value)
    assert page.locator(".w-field__errors .error-message").count() == 0


def test_a_course_typed_at_machine_speed_and_saved_at_once(new_page, author, catalogue):
    page = new_page()
    admin_log_in(page, author.username)
    page.goto(f"/admin/pages/add/courses/coursepage/{catalogue.pk}/")
    type_into(page.locator("#id_title"), "Snabbkurs", human=False)
    type_into(page.locator("#id_summary"), "Snabbt skriven.", human=False)
    type_rich_text(page, "objectives", "Vara snabb", human=False)
    page.locator("#id_estimated_minutes").fill("12")
    page.get_by_label("Säkerhet").check()
    save_draft(page)
    course = CoursePage.objects.get()
    draft = course.get_latest_revision_as_object()
    assert (draft.title, draft.summary, draft.estimated_minutes) == (
        "Snabbkurs",
        "Snabbt skriven.",
        12,
    )
    assert "Vara snabb" in draft.objectives
    assert [c.slug for c in draft.categories.all()] == ["sakerhet"]


def test_a_lesson_typed_at_machine_speed_and_saved_at_once(new_page, author, course):
    page = new_page()
    admin_log_in(page, author.username)
    page.goto(f"/admin/pages/add/courses/lessonpage/{course.pk}/")
    page.locator("#id_title").fill("Snabblektion")
    page.locator(".c-sf-add-button").first.click()
    page.get_by_role("option", name="Text", exact=True).click()
    page.locator("[data-contentpath=body] .public-DraftEditor-content").first.click()
    page.keyboard.type("Snabb text.")
    page.wait_for_function(
        """() => [...document.querySelectorAll('input[name^="body-"]')]
                    .some(input => input.value.includes('Snabb text.'))"""
    )
    save_draft(page)
    lessons = LessonPage.objects.child_of(course).filter(title="Snabblektion")
    assert lessons.count() == 1
    assert "Snabb text." in str(
        lessons.get().get_latest_revision_as_object().body[0].value
    )


def test_a_create_form_left_unsaved_leaves_no_page(new_page, author, catalogue):
    page = new_page()
    admin_log_in(page, author.username)
    page.goto(f"/admin/pages/add/courses/coursepage/{catalogue.pk}/")
    type_into(page.locator("#id_title"), "Övergiven kurs", human=True)
    page.wait_for_timeout(PAUSE_MS)
    # Wagtail asks before leaving unsaved changes; HR leaves anyway.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/")
    assert not CoursePage.objects.exists()


def _is_autosave_of(url):
    """The autosave's POST of the edit form (JSON back), not a save by button."""
    return lambda response: (
        response.request.method == "POST"
        and re.sub(r"^https?://[^/]+", "", response.url) == url
        and "application/json" in (response.request.headers.get("accept") or "")
    )


def _wait_for_draft_summary(page, pk, summary, seconds=15):
    """Until the page's newest revision has `summary`: Wagtail sends an
    autosave once typing pauses, and again if typing went on meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        draft = CoursePage.objects.get(pk=pk).get_latest_revision_as_object()
        if draft.summary == summary:
            return
        page.wait_for_timeout(200)
    pytest.fail(f"no autosave wrote {summary!r}; the draft says {draft.summary!r}")


def test_typing_in_the_edit_view_of_a_course_autosaves_a_draft(
    new_page, author, course
):
    live_summary = course.summary
    revisions = course.revisions.count()
    page = new_page()
    # Wagtail's watcher tells when it has taken the unchanged state.
    page.add_init_script(
        """document.addEventListener("w-unsaved:watch-edits",
            () => { window.kompetensWatching = true; });"""
    )
    admin_log_in(page, author.username)
    edit_url = f"/admin/pages/{course.pk}/edit/"
    autosaves = []
    is_autosave = _is_autosave_of(edit_url)
    page.on("response", lambda r: autosaves.append(r) if is_autosave(r) else None)
    page.goto(edit_url)
    form = page.locator("#page-edit-form")
    assert "w-autosave" in form.get_attribute("data-controller")
    page.wait_for_function("() => window.kompetensWatching === true")
    summary = page.locator("#id_summary")

    with page.expect_response(is_autosave) as autosaved:
        summary.click()
        summary.press("End")
        summary.press_sequentially(" Skrivet i redigeraren.", delay=HUMAN_KEY_DELAY_MS)
    assert autosaved.value.ok and autosaved.value.json()["success"] is True
    first = f"{live_summary} Skrivet i redigeraren."
    _wait_for_draft_summary(page, course.pk, first)
    assert course.revisions.count() == revisions + 1
    # A draft: what learners see is the published summary.
    course.refresh_from_db()
    assert course.has_unpublished_changes
    assert CoursePage.objects.live().get(pk=course.pk).summary == live_summary

    # Typing on in the same session rewrites that draft, no new revision.
    summary.press_sequentially(" Och mer.", delay=HUMAN_KEY_DELAY_MS)
    typed = f"{first} Och mer."
    _wait_for_draft_summary(page, course.pk, typed)
    assert course.revisions.count() == revisions + 1
    # The editor's indicator says it is saved, and the editor stays accessible.
    page.wait_for_function(
        """() => document.querySelector("#w-autosave-indicator")
            .getAttribute("data-w-autosave-state-value") === "saved" """
    )
    assert page.locator(".w-autosave-indicator__state--saved").is_visible()
    assert len(autosaves) >= 2
    assert all(r.ok and r.json()["success"] is True for r in autosaves)
    assert_no_axe_violations(page, "the course editor after an autosave")

    # Autosaved is saved: reloading asks nothing and shows what was typed.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    assert dialogs == []
    assert page.locator("#id_summary").input_value() == typed
