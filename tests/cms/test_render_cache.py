"""What is cached or remembered to make the learner pages fast never shows one
person's data or progress to another, never shows stale progress or stale
content, and never keeps a preview or a draft (courses.rendering,
cms.lookups, learners.progress.lessons_by_course)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.rendering import BODY_KEY
from learners import actions
from tests.factories import LessonPageFactory, make_course, publish

pytestmark = pytest.mark.django_db

PROGRESS = re.compile(r'aria-valuenow="(\d+)"')


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def percent(page_html):
    return int(PROGRESS.search(page_html).group(1))


def set_body(lesson, text):
    lesson.body = [("text", rich_text(f"<p>{text}</p>"))]
    return lesson


def test_the_lesson_content_is_cached_per_published_revision(learner_client, lessons):
    lesson = lessons[0]
    assert "Innehåll i lektionen." in html(learner_client, lesson.url)
    key = BODY_KEY.format(
        page=lesson.pk, revision=lesson.live_revision_id, language="sv"
    )
    generation, stored = cache.get(key)
    assert "Innehåll i lektionen." in stored
    # Nothing of the request or the person is inside the fragment.
    assert "csrfmiddlewaretoken" not in stored and "nonce" not in stored
    assert "anna" not in stored and 'data-testid="progress"' not in stored

    # A new publication is a new revision: the new content at once.
    publish(set_body(lesson, "Ny version av lektionen"))
    page = html(learner_client, lesson.url)
    assert "Ny version av lektionen" in page
    assert "Innehåll i lektionen." not in page


def test_the_cached_content_is_kept_per_language(learner_client, lessons):
    lesson = lessons[0]
    html(learner_client, lesson.url)
    learner_client.cookies["django_language"] = "en"
    with translation.override("en"):
        html(learner_client, lesson.url)
    for language in ("sv", "en"):
        key = BODY_KEY.format(
            page=lesson.pk, revision=lesson.live_revision_id, language=language
        )
        assert cache.get(key) is not None, language


def test_a_link_in_the_content_follows_the_page_it_points_at(
    learner_client, course, lessons
):
    target = lessons[1]
    lesson = lessons[0]
    lesson.body = [
        (
            "text",
            rich_text(f'<p>Läs <a linktype="page" id="{target.pk}">nästa</a>.</p>'),
        )
    ]
    publish(lesson)
    assert f'href="{target.url}"' in html(learner_client, lesson.url)
    # The linked page gets a new address; the cached lesson is not republished.
    target.slug = "nytt-namn"
    publish(target)
    target.refresh_from_db()
    page = html(learner_client, lesson.url)
    assert f'href="{target.url}"' in page and "nytt-namn" in target.url


def test_one_learners_progress_is_never_shown_to_another(
    catalogue, course, lessons, learner, other_learner
):
    anna, bertil = logged_in(learner), logged_in(other_learner)
    # Both have read the pages (every cache warm), then Anna does a lesson.
    for client in (anna, bertil):
        for url in (catalogue.url, course.url, lessons[0].url, "/learning/"):
            html(client, url)
    actions.record_lesson_progress(learner, lessons[0], completed=True)

    anna_lesson, bertil_lesson = (
        html(anna, lessons[0].url),
        html(bertil, lessons[0].url),
    )
    assert "You have completed this lesson." in translated(anna, lessons[0].url)
    assert percent(anna_lesson) == 33
    assert percent(bertil_lesson) == 0
    assert 'class="mark-done"' in bertil_lesson
    assert 'class="mark-done"' not in anna_lesson

    assert percent(html(anna, course.url)) == 33
    assert percent(html(bertil, course.url)) == 0
    # My learning: Anna has the course in progress, Bertil has nothing.
    assert course.title in html(anna, "/learning/")
    assert course.title not in html(bertil, "/learning/")


def translated(client, url):
    client.cookies["django_language"] = "en"
    try:
        return html(client, url)
    finally:
        del client.cookies["django_language"]


def test_progress_is_never_stale_after_a_lesson_is_done(
    learner_client, course, lessons
):
    for lesson in lessons:
        assert 'class="mark-done"' in html(learner_client, lesson.url)
    assert percent(html(learner_client, course.url)) == 0
    for done, lesson in enumerate(lessons, start=1):
        response = learner_client.post(
            reverse("learners:lesson_progress", args=[lesson.pk]),
            {"completed": "true", "course": course.pk},
        )
        assert response.status_code == 302
        page = html(learner_client, lesson.url)
        assert 'class="mark-done"' not in page
        assert percent(page) == round(100 * done / 3)
        assert percent(html(learner_client, course.url)) == round(100 * done / 3)
    assert "completed" in html(learner_client, course.url)


def test_a_new_lesson_appears_at_once(learner_client, course, lessons):
    html(learner_client, course.url)  # the course's lessons are remembered
    added = publish(LessonPageFactory(parent=course, title="Alldeles ny lektion"))
    page = html(learner_client, course.url)
    assert "Alldeles ny lektion" in page
    assert f'href="{added.url}"' in page
    # And an unpublished one goes at once.
    added.unpublish()
    assert "Alldeles ny lektion" not in html(learner_client, course.url)
    assert learner_client.get(added.url).status_code == 404


def test_a_preview_never_lands_in_the_cache(client, admin_user, learner, lessons):
    lesson = lessons[0]
    anna = logged_in(learner)
    client.force_login(admin_user)
    # The editor previews a change before any learner has read the lesson...
    url = reverse("wagtailadmin_pages:preview_on_edit", args=(lesson.pk,))
    form = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "body": streamfield([("text", rich_text("<p>Förhandsvisad ändring</p>"))]),
            "required": "on",
            "estimated_minutes": "5",
        }
    )
    assert client.post(url, form).json()["is_valid"] is True
    assert "Förhandsvisad ändring" in client.get(url).content.decode()
    # ...and saves it as a draft and looks at the draft.
    set_body(lesson, "Ett sparat utkast").save_revision()
    draft = client.get(reverse("wagtailadmin_pages:view_draft", args=(lesson.pk,)))
    assert "Ett sparat utkast" in draft.content.decode()

    page = html(anna, lesson.url)
    assert "Innehåll i lektionen." in page
    assert "Förhandsvisad ändring" not in page and "Ett sparat utkast" not in page

    # With the published content cached, the preview still shows the draft.
    draft = client.get(reverse("wagtailadmin_pages:view_draft", args=(lesson.pk,)))
    assert "Ett sparat utkast" in draft.content.decode()
    assert "Ett sparat utkast" not in html(anna, lesson.url)


def test_a_view_restriction_added_later_holds_at_once(learner_client, course, lessons):
    assert learner_client.get(lessons[0].url).status_code == 200
    PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="hemlig"
    )
    response = learner_client.get(lessons[0].url)
    assert response.status_code == 200
    assert "Innehåll i lektionen." not in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_a_moved_course_is_found_at_its_new_address_only(
    learner_client, catalogue, course, lessons
):
    old = lessons[0].url
    assert learner_client.get(old).status_code == 200
    course.slug = "flyttad-kurs"
    publish(course)
    lessons[0].refresh_from_db()
    assert learner_client.get(old).status_code == 404
    assert "Innehåll i lektionen." in html(learner_client, lessons[0].url)


def test_a_lesson_of_an_unpublished_course_is_not_served(learner_client, catalogue):
    course = make_course(catalogue, lessons=1)
    lesson = course.lessons().first()
    assert learner_client.get(lesson.url).status_code == 200
    course.unpublish()
    assert learner_client.get(lesson.url).status_code == 404
