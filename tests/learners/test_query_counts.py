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
CATALOGUE_MAX = 18
COURSE_MAX = 19
LESSON_MAX = 21
MY_LEARNING_MAX = 15


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


def measure(client, assert_max, bound, url, params=None):
    client.get(url, params)  # warm process-wide caches (content types)
    with assert_max(bound):
        return client.get(url, params)


def test_learner_pages_query_counts_do_not_grow(
    learner_client, catalogue, many_courses, django_assert_max_num_queries
):
    def check(bound, url, params=None):
        return measure(
            learner_client, django_assert_max_num_queries, bound, url, params
        )

    response = check(CATALOGUE_MAX, catalogue.url)
    assert len(response.context["courses"]) == len(many_courses)
    statuses = {course.learner_status for course in response.context["courses"]}
    assert statuses == {"completed", "in_progress"}

    response = check(CATALOGUE_MAX, catalogue.url, {"q": many_courses[0].title})
    assert many_courses[0] in response.context["courses"]

    course = many_courses[-1]
    response = check(COURSE_MAX, course.url)
    assert len(response.context["course_progress"].lessons) == 3

    response = check(LESSON_MAX, course.lessons().last().url)
    assert response.context["lesson_number"] == 3

    response = check(MY_LEARNING_MAX, reverse("learners:my_learning"))
    shown = len(response.context["in_progress"]) + len(response.context["completed"])
    assert shown == len(many_courses)
