"""Creating a course or lesson keeps everything HR typed, in one page, at a
person's speed (pauses longer than Wagtail's autosave interval) and at a
machine's (type fast, save at once); a form left unsaved leaves no page.

Wagtail 8 used to autosave the create form: the page was created while HR
was still typing, and "Save draft" before the browser had switched to the new
page's edit view posted the create form again, which failed on the slug (or
with an error page) and left a page holding only the first fields. The create
view now has autosave off (courses/admin_views.py); editing keeps it, so the
second half of the human-speed tests goes through an autosave on the edit
view too.
"""

import re
import time

import pytest
from django.conf import settings

from cms.roles import ensure_hr_author_group
from courses.models import Category, CoursePage, LessonPage
from tests.browser.helpers import path_of
from tests.browser.test_hr_authoring import admin_log_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "/tmp/out/shots/authoring"
# Longer than Wagtail's autosave interval (its default, 500 ms, unless set).
PAUSE = getattr(settings, "WAGTAIL_AUTOSAVE_INTERVAL", 500) / 1000 * 3
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
        time.sleep(PAUSE)
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
        time.sleep(PAUSE)


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
    time.sleep(PAUSE)
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
    time.sleep(PAUSE)
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
    time.sleep(PAUSE)
    # Wagtail asks before leaving unsaved changes; HR leaves anyway.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/")
    assert not CoursePage.objects.exists()
