"""Every learner page has a query bound that holds with 3 courses and with 30."""

import pytest
from django.urls import reverse

from learners import actions
from tests.factories import (
    CategoryFactory,
    InformationPageFactory,
    make_course,
    publish,
)

pytestmark = pytest.mark.django_db

# Bounds include the session, the user, Wagtail's routing (site, page, view
# restrictions) and its user bar. Measured: the same with 3 courses as with 30.
CATALOGUE_MAX = 19
COURSE_MAX = 18
LESSON_MAX = 20
MY_LEARNING_MAX = 12


@pytest.fixture(params=[3, 30], ids=["3-courses", "30-courses"])
def many_courses(request, catalogue, learner):
    categories = [CategoryFactory(), CategoryFactory()]
    courses = []
    for index in range(request.param):
        course = make_course(catalogue, lessons=3, estimated_minutes=10 + index)
        course.categories.set(categories)
        publish(course)
        courses.append(course)
        publish(InformationPageFactory(parent=catalogue))
        # The learner has started every course and completed every third.
        lessons = list(course.lessons())
        done = lessons if index % 3 == 0 else lessons[:1]
        for lesson in done:
            actions.record_lesson_progress(learner, lesson, completed=True)
    return courses


def test_catalogue_query_count(
    learner_client, catalogue, many_courses, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CATALOGUE_MAX):
        response = learner_client.get(catalogue.url)
    assert len(response.context["courses"]) == len(many_courses)
    statuses = {course.learner_status for course in response.context["courses"]}
    assert statuses == {"completed", "in_progress"}


def test_catalogue_search_query_count(
    learner_client, catalogue, many_courses, django_assert_max_num_queries
):
    with django_assert_max_num_queries(CATALOGUE_MAX):
        response = learner_client.get(
            catalogue.url, {"q": many_courses[0].title, "sprak": "sv"}
        )
    assert many_courses[0] in response.context["courses"]


def test_course_page_query_count(
    learner_client, many_courses, django_assert_max_num_queries
):
    course = many_courses[-1]
    with django_assert_max_num_queries(COURSE_MAX):
        response = learner_client.get(course.url)
    assert len(response.context["course_progress"].lessons) == 3


def test_lesson_page_query_count(
    learner_client, many_courses, django_assert_max_num_queries
):
    lesson = many_courses[-1].lessons().last()
    with django_assert_max_num_queries(LESSON_MAX):
        response = learner_client.get(lesson.url)
    assert response.context["lesson_number"] == 3


def test_my_learning_query_count(
    learner_client, many_courses, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MY_LEARNING_MAX):
        response = learner_client.get(reverse("learners:my_learning"))
    shown = len(response.context["in_progress"]) + len(response.context["completed"])
    assert shown == len(many_courses)
