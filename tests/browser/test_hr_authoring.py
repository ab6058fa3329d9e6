"""An HR author adds a lesson in the Wagtail admin; learners see the result.

The author is in the HR authors group (``cms.roles``), not a superuser: they
author and publish, but cannot administer users.
"""

import re

import pytest
from django.urls import reverse

from cms.roles import ensure_hr_author_group
from courses.models import LessonPage
from learners import actions
from learners.models import Enrolment
from tests.browser.helpers import admin_log_in, log_in, path_of
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    # See test_learner_journey.py: the live server needs a transactional
    # database, and serialized_rollback restores what the migrations created.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_LESSON = "Lösenfraser i praktiken"
NEW_TEXT = "Välj fyra ord som bara du kopplar ihop, och använd lösenfrasen bara här."


@pytest.fixture
def hr_author(catalogue):
    # After the catalogue: the group's page permissions may be granted on the
    # catalogue pages that exist when it is set up.
    author = UserFactory(username="helena")
    author.groups.add(ensure_hr_author_group())
    assert not author.is_superuser
    assert not author.is_staff
    return author


def test_hr_author_cannot_administer_users(new_page, hr_author, learner):
    page = new_page()
    admin_log_in(page, hr_author.username)
    # No way to the user administration in the menu…
    assert page.locator('a[href^="/admin/users/"]').count() == 0
    assert page.locator('a[href^="/admin/groups/"]').count() == 0
    # …and no way in by URL: Wagtail refuses (403) or sends the author back to
    # the dashboard, without showing anyone's account.
    for url in ("/admin/users/", f"/admin/users/edit/{learner.pk}/", "/admin/groups/"):
        response = page.goto(url)
        assert response.status == 403 or not path_of(page).startswith(url), url
        assert page.get_by_text(learner.email).count() == 0


def test_lesson_added_by_hr_reaches_learners_and_keeps_completion_final(
    new_page, hr_author, course, lessons, learner, other_learner
):
    # anna has begun the course; bertil completed it before the new lesson.
    actions.record_lesson_progress(learner, lessons[0], completed=True)
    for lesson in lessons:
        actions.record_lesson_progress(other_learner, lesson, completed=True)
    completed_at = Enrolment.objects.get(learner=other_learner).completed_at
    assert completed_at is not None

    page = new_page()
    admin_log_in(page, hr_author.username)

    # The page explorer: the catalogue's course, then "Add child page".
    page.goto(f"/admin/pages/{course.get_parent().pk}/")
    with page.expect_navigation():
        page.locator(f'a[href="/admin/pages/{course.pk}/"]').first.click()
    with page.expect_navigation():
        page.locator(f'a[href="/admin/pages/{course.pk}/add_subpage/"]').first.click()
    # Wagtail skips the "choose a type" step when a parent allows one type
    # only; a course allows lessons and quizzes.
    lesson_form = f"/admin/pages/add/courses/lessonpage/{course.pk}/"
    if path_of(page) != lesson_form:
        with page.expect_navigation():
            page.locator(f'a[href^="{lesson_form}"]').click()
    assert path_of(page) == lesson_form

    page.locator("#id_title").fill(NEW_LESSON)
    # The StreamField: "+" opens the block chooser; pick the Text block.
    page.locator(".c-sf-add-button").first.click()
    page.get_by_role("option", name="Text", exact=True).click()
    editor = page.locator(".public-DraftEditor-content").first
    editor.click()
    page.keyboard.type(NEW_TEXT)
    assert NEW_TEXT in editor.inner_text()
    # Draftail writes its content to the block's hidden input a moment after
    # typing (debounced); publish only once it is there.
    page.wait_for_function(
        """text => [...document.querySelectorAll('input[name^="body-"]')]
                    .some(input => input.value.includes(text))""",
        arg="fyra ord som bara du kopplar ihop",
    )

    # Publish is in the footer's action menu, under "Save draft".
    page.locator("footer .w-dropdown__toggle").first.click()
    with page.expect_navigation(url=re.compile(rf"/admin/pages/{course.pk}/$")):
        page.locator('button[name="action-publish"]').click()
    assert page.get_by_role("link", name=NEW_LESSON).count() >= 1

    new_lesson = LessonPage.objects.child_of(course).get(title=NEW_LESSON)
    assert new_lesson.live
    assert new_lesson.owner == hr_author
    assert [block.block_type for block in new_lesson.body] == ["text"]
    assert NEW_TEXT in str(new_lesson.body[0].value)

    # anna has not completed the course: the new lesson is part of it for her.
    anna = new_page()
    log_in(anna, learner.username, PASSWORD, next_path=course.url)
    assert path_of(anna) == course.url
    items = anna.locator(".lesson-list li")
    assert items.count() == 4
    assert items.nth(3).get_by_role("link").inner_text() == NEW_LESSON
    assert anna.locator("[role=progressbar]").get_attribute("aria-valuenow") == "25"
    with anna.expect_navigation():
        items.nth(3).get_by_role("link").click()
    assert NEW_TEXT in anna.locator(".lesson__body").inner_text()

    # bertil completed it before: completion is final for the cycle.
    bertil = new_page()
    log_in(bertil, other_learner.username, PASSWORD, next_path=course.url)
    assert path_of(bertil) == course.url
    assert bertil.locator(".lesson-list li").count() == 4
    assert bertil.locator(".facts .badge--completed").is_visible()
    assert bertil.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
    bertil.goto(reverse("learners:my_learning"))
    completed = bertil.locator("section[aria-labelledby=completed-heading]")
    assert completed.get_by_role("link", name=course.title).is_visible()
    assert Enrolment.objects.get(learner=other_learner).completed_at == completed_at
