"""The learner's pages and the progress endpoint, including from the wrong side."""

import pytest
from django.urls import reverse

from learners import actions
from learners.models import Enrolment, LessonProgress
from tests.factories import (
    make_course,
)
from tests.helpers import complete_course

pytestmark = pytest.mark.django_db


def progress_url(lesson):
    return reverse("learners:lesson_progress", args=[lesson.pk])


@pytest.mark.parametrize("name", ["my_learning"])
def test_anonymous_visitor_is_sent_to_login(client, name):
    response = client.get(reverse(f"learners:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_visitor_is_sent_to_login_from_course_pages(
    client, catalogue, course, lessons
):
    for page in (catalogue, course, lessons[0]):
        response = client.get(page.url)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_post_of_progress_saves_nothing(client, lessons):
    response = client.post(progress_url(lessons[0]), {"completed": "true"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not LessonProgress.objects.exists()


def test_mark_as_done_redirects_to_next_lesson_and_records(
    learner_client, learner, lessons
):
    response = learner_client.post(
        progress_url(lessons[0]), {"completed": "true", "next": lessons[1].url}
    )
    assert response.status_code == 302
    assert response["Location"] == lessons[1].url
    row = LessonProgress.objects.get(enrolment__learner=learner, lesson=lessons[0])
    assert row.completed_at is not None


def test_redirect_to_another_site_is_refused(learner_client, lessons):
    response = learner_client.post(
        progress_url(lessons[0]), {"completed": "true", "next": "https://evil.example/"}
    )
    assert response["Location"] == lessons[0].url


def test_double_submit_records_once(learner_client, learner, lessons):
    for _attempt in range(2):
        learner_client.post(progress_url(lessons[0]), {"completed": "true"})
    assert LessonProgress.objects.filter(enrolment__learner=learner).count() == 1


def test_json_heartbeat_returns_forward_only_progress(learner_client, lessons):
    url = progress_url(lessons[0])
    headers = {"Accept": "application/json"}
    learner_client.post(
        url, {"progress": "70", "position": "70", "seconds": "12"}, headers=headers
    )
    response = learner_client.post(
        url, {"progress": "20", "position": "20"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json() == {
        "progress": 70,
        "position": 20,
        "completed": False,
        "course_completed": False,
    }


def test_learner_cannot_write_progress_for_someone_else(
    learner_client, learner, other_learner, lessons
):
    # There is no way to name another learner: extra fields are ignored and the
    # progress is the requester's own.
    learner_client.post(
        progress_url(lessons[0]),
        {"completed": "true", "learner": other_learner.pk, "user": other_learner.pk},
    )
    assert not Enrolment.objects.filter(learner=other_learner).exists()
    assert Enrolment.objects.filter(learner=learner).count() == 1


def test_other_learners_progress_is_not_shown(
    client, learner, other_learner, course, lessons
):
    for lesson in lessons:
        actions.record_lesson_progress(other_learner, lesson, completed=True)
    client.force_login(learner)
    response = client.get(reverse("learners:my_learning"))
    assert course.title not in response.content.decode()
    response = client.get(course.url)
    assert response.context["course_progress"].percent == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"progress": "abc"}, "progress"),
        ({"progress": "150"}, "progress"),
        ({"position": "-3"}, "position"),
        ({"seconds": "1e9"}, "seconds"),
        ({"course": "x"}, "course"),
    ],
)
def test_malformed_values_get_400_with_a_message_and_save_nothing(
    learner_client, lessons, data, field
):
    response = learner_client.post(
        progress_url(lessons[0]), data, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["errors"][field][0]
    assert not Enrolment.objects.exists()
    assert not LessonProgress.objects.exists()


def test_malformed_form_post_gets_a_readable_400_page(learner_client, lessons):
    response = learner_client.post(progress_url(lessons[0]), {"progress": "abc"})
    assert response.status_code == 400
    assert "Framsteg måste vara ett heltal" in response.content.decode() or (
        "Progress must be a whole number" in response.content.decode()
    )
    assert not LessonProgress.objects.exists()


def test_progress_for_a_lesson_of_another_course_is_refused(
    learner_client, catalogue, lessons
):
    other_course = make_course(catalogue, lessons=1)
    response = learner_client.post(
        progress_url(lessons[0]),
        {"completed": "true", "course": other_course.pk},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "course" in response.json()["errors"]
    assert not LessonProgress.objects.exists()


def test_unknown_lesson_is_404_and_saves_nothing(learner_client, course):
    response = learner_client.post(
        reverse("learners:lesson_progress", args=[987654]), {"completed": "true"}
    )
    assert response.status_code == 404
    # The course page id is a page, but not a lesson.
    response = learner_client.post(progress_url(course), {"completed": "true"})
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_get_on_progress_endpoint_is_not_allowed(learner_client, lessons):
    response = learner_client.get(progress_url(lessons[0]), {"completed": "on"})
    assert response.status_code == 405
    assert not LessonProgress.objects.exists()


def test_start_course_enrols_and_goes_to_first_lesson(
    learner_client, learner, course, lessons
):
    response = learner_client.post(reverse("learners:start_course", args=[course.pk]))
    assert response.status_code == 302
    assert response["Location"] == lessons[0].url
    assert Enrolment.objects.filter(learner=learner, course=course).count() == 1


def test_resume_goes_to_first_unfinished_lesson(
    learner_client, learner, course, lessons
):
    actions.record_lesson_progress(learner, lessons[0], completed=True)
    response = learner_client.post(reverse("learners:start_course", args=[course.pk]))
    assert response["Location"] == lessons[1].url
    response = learner_client.get(course.url)
    assert response.context["course_progress"].resume_lesson.pk == lessons[1].pk
    assert response.context["course_progress"].percent == 33


def test_start_unpublished_course_is_404(learner_client, course):
    course.unpublish()
    response = learner_client.post(reverse("learners:start_course", args=[course.pk]))
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_my_learning_lists_in_progress_and_completed(
    learner_client, learner, catalogue, course, lessons
):
    second = make_course(catalogue, lessons=2, title="Dataskydd")
    for lesson in lessons:
        actions.record_lesson_progress(learner, lesson, completed=True)
    actions.record_lesson_progress(learner, second.lessons().first(), completed=True)
    response = learner_client.get(reverse("learners:my_learning"))
    assert [item.course.pk for item in response.context["in_progress"]] == [second.pk]
    assert [item.course.pk for item in response.context["completed"]] == [course.pk]
    assert response.context["in_progress"][0].percent == 50


def test_lesson_of_an_unpublished_course_is_404(learner_client, course, lessons):
    course.unpublish()
    assert learner_client.get(lessons[0].url).status_code == 404
    response = learner_client.post(progress_url(lessons[0]), {"completed": "true"})
    assert response.status_code == 400
    assert not LessonProgress.objects.exists()


def test_a_completed_course_stays_in_my_learning_after_hr_deletes_it(
    learner_client, learner, course
):
    complete_course(learner, course)
    title = course.title
    course.delete()
    response = learner_client.get(reverse("learners:my_learning"))
    assert [e.course_title for e in response.context["completed"]] == [title]
    assert title in response.content.decode()
