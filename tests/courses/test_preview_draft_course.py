"""HR authors preview every page of a course that is not yet published, as a
new learner will see it, and previewing writes nothing to anyone's learning
record.

The preview used to be a 404 for a lesson of an unpublished course: the
learner's context refused lessons whose course is not live, and Wagtail's
preview renders the page's context directly (no `serve`), so that check ran
for editors too.
"""

import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.roles import ensure_hr_author_group
from learners import actions
from learners.models import Enrolment, LessonProgress, QuizAttempt
from tests.factories import (
    CoursePageFactory,
    InformationPageFactory,
    LessonPageFactory,
    QuizPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(catalogue):
    # After the catalogue: the group's page permissions are on it.
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_author_group())
    assert not user.is_superuser
    return user


@pytest.fixture
def draft_course(catalogue, author):
    """A course saved as a draft with two lessons and a quiz, none published."""
    course = CoursePageFactory(parent=catalogue, title="Utkastkurs", live=False)
    course.save_revision(user=author)
    first = LessonPageFactory(
        parent=course,
        title="Första utkastlektionen",
        live=False,
        body=[{"type": "text", "value": "<p>Text i första lektionen.</p>"}],
    )
    first.save_revision(user=author)
    second = LessonPageFactory(parent=course, title="Andra utkastlektionen", live=False)
    second.save_revision(user=author)
    quiz = QuizPageFactory(parent=course, title="Utkasttest", live=False)
    quiz.save_revision(user=author)
    return course, first, second, quiz


def view_draft(client, page):
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=(page.pk,)))
    assert response.status_code == 200, (page, response.status_code)
    return response.content.decode()


def draft_link(page):
    return reverse("wagtailadmin_pages:view_draft", args=(page.pk,))


def assert_no_learning_record():
    assert not Enrolment.objects.exists()
    assert not LessonProgress.objects.exists()
    assert not QuizAttempt.objects.exists()


def test_every_page_of_a_draft_course_previews_with_a_banner(
    client, author, draft_course, catalogue
):
    course, first, second, quiz = draft_course
    info = InformationPageFactory(parent=catalogue, title="Utkastguide", live=False)
    info.save_revision(user=author)
    client.force_login(author)

    html = view_draft(client, course)
    assert 'class="preview-banner"' in html
    # Every step of the course, in order, each linking to its own preview
    # (a page never published has no public address) and marked as a draft.
    steps = re.findall(
        r'<li class="lesson-list__item[^>]*>\s*<a href="([^"]+)">([^<]+)</a>', html
    )
    assert steps == [
        (draft_link(first), "Första utkastlektionen"),
        (draft_link(second), "Andra utkastlektionen"),
        (draft_link(quiz), "Utkasttest"),
    ]
    assert html.count("tag--draft") == 3
    # No "start" form a preview could post: learners start the course here.
    assert reverse("learners:start_course", args=(course.pk,)) not in html

    html = view_draft(client, first)
    assert 'class="preview-banner"' in html
    assert "Text i första lektionen." in html
    assert f'<a href="{draft_link(course)}">Utkastkurs</a>' in html
    assert f'rel="next" href="{draft_link(second)}"' in html
    # No progress is reported from a preview.
    assert "data-progress-url" not in html
    assert reverse("learners:lesson_progress", args=(first.pk,)) not in html

    html = view_draft(client, quiz)
    assert 'class="preview-banner"' in html
    assert 'type="radio"' in html
    assert f'<a href="{draft_link(course)}">Utkastkurs</a>' in html

    html = view_draft(client, info)
    assert 'class="preview-banner"' in html and "Utkastguide" in html

    assert 'class="preview-banner"' in view_draft(client, catalogue)
    assert_no_learning_record()


def test_the_course_preview_shows_the_latest_drafts_of_its_lessons(
    client, author, draft_course
):
    course, first, _second, _quiz = draft_course
    first.title = "Omdöpt lektion"
    first.save_revision(user=author)
    client.force_login(author)
    html = view_draft(client, course)
    assert f'<a href="{draft_link(first)}">Omdöpt lektion</a>' in html
    assert "Första utkastlektionen" not in html


def test_preview_panel_of_a_lesson_in_a_draft_course(client, author, draft_course):
    """The editor's preview panel and "Preview" button post the form, then
    show it."""
    course, first, _second, _quiz = draft_course
    client.force_login(author)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=(first.pk,))
    form = nested_form_data(
        {
            "title": "Ändrad utkastlektion",
            "slug": first.slug,
            "body": streamfield(
                [("text", rich_text("<p>Ny text i förhandsvisning</p>"))]
            ),
            "required": "on",
            "estimated_minutes": "5",
        }
    )
    assert client.post(url, form).json()["is_valid"] is True
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="preview-banner"' in html
    assert "Ändrad utkastlektion" in html and "Ny text i förhandsvisning" in html
    assert "Lesson 1 of 3" in html or "Lektion 1 av 3" in html
    assert_no_learning_record()


def test_preview_of_a_new_lesson_in_a_draft_course(client, author, draft_course):
    course, *_rest = draft_course
    client.force_login(author)
    url = reverse(
        "wagtailadmin_pages:preview_on_add", args=("courses", "lessonpage", course.pk)
    )
    form = nested_form_data(
        {
            "title": "Helt ny lektion",
            "slug": "helt-ny",
            "body": streamfield([("text", rich_text("<p>Ny lektionstext</p>"))]),
            "required": "on",
            "estimated_minutes": "5",
        }
    )
    assert client.post(url, form).json()["is_valid"] is True
    html = client.get(url).content.decode()
    assert 'class="preview-banner"' in html and "Ny lektionstext" in html
    assert_no_learning_record()


def test_the_preview_shows_a_new_learner_not_the_authors_own_record(
    client, author, course, lessons
):
    """An author who took the course herself previews it as a learner who has
    not started; her record is read by nobody and stays as it was."""
    actions.record_lesson_progress(author, lessons[0], completed=True)
    progress_before = list(LessonProgress.objects.values_list("pk", "completed_at"))
    client.force_login(author)

    html = view_draft(client, course)
    assert 'class="preview-banner"' in html
    assert "lesson-list__item--completed" not in html
    assert html.count("lesson-list__item--not_started") == 3
    assert 'aria-valuenow="0"' in html
    html = view_draft(client, lessons[0])
    assert "lesson-list__item--completed" not in html
    assert 'aria-valuenow="0"' in html

    assert Enrolment.objects.count() == 1
    assert list(LessonProgress.objects.values_list("pk", "completed_at")) == (
        progress_before
    )


def test_a_lesson_of_a_draft_course_is_still_not_served_to_learners(
    learner_client, draft_course
):
    _course, first, _second, quiz = draft_course
    # Published lesson and quiz, but their course is not: still not served.
    first.save_revision().publish()
    quiz.save_revision().publish()
    first.refresh_from_db()
    quiz.refresh_from_db()
    assert learner_client.get(first.url).status_code == 404
    assert learner_client.get(quiz.url).status_code == 404
    assert_no_learning_record()


def test_a_learner_cannot_open_the_draft_preview(learner_client, draft_course):
    course, first, *_rest = draft_course
    for page in (course, first):
        response = learner_client.get(draft_link(page))
        assert response.status_code in (302, 403)
        assert "Text i första lektionen." not in response.content.decode()
