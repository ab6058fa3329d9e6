"""The learner pages' queries once the process is warm (the sites and routes
it remembers, the courses' lessons, the rendered content, the session in the
cache: cms.lookups, courses.rendering): a fixed number, the same with 3
courses as with 30, and what each one is for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learners import actions
from tests.factories import (
    CategoryFactory,
    InformationPageFactory,
    make_course,
    publish,
)

pytestmark = pytest.mark.django_db

# The user; the page and its parent (routed by URL path, cms.lookups); the
# enrolment; the learner's lesson progress and quiz attempts; the catalogue
# (the breadcrumb's link: the course's parent).
LESSON = 7
# The user; the page and its parent; the enrolment; lesson progress; quiz
# attempts.
COURSE = 6
# The user; the page (routed by URL path); the learner's enrolments. The
# cards, which cards a filter shows and the categories are kept per content
# generation (courses.catalogue).
CATALOGUE = 3
# The user; the current enrolments; the required training's assignments;
# the progress (enrolments, lesson progress, quiz attempts); certificates;
# completed enrolments.
MY_LEARNING = 8
# Never asked for on a warm learner page: the session (in the cache), the
# site (remembered), the route slug by slug, the lessons of a course
# (remembered), view restrictions (none anywhere), the user bar's
# permissions (cached per person).
NEVER = (
    "django_session",
    "wagtailcore_site",
    "wagtailcore_pageviewrestriction",
    "auth_permission",
    '"wagtailcore_page"."slug" = ',
)


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
        lessons = list(course.lessons())
        done = lessons if index % 3 == 0 else lessons[:1]
        for lesson in done:
            actions.record_lesson_progress(learner, lesson, completed=True)
    return courses


def queries_of(client, url):
    client.get(url)  # warm: this process's memory, the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, [query["sql"] for query in queries.captured_queries]


def check(client, bound, url):
    response, sql = queries_of(client, url)
    assert len(sql) <= bound, (url, len(sql), sql)
    for query in sql:
        for needle in NEVER:
            assert needle not in query, (url, needle, query)
    return response


def test_warm_learner_pages_have_a_fixed_number_of_queries(
    learner_client, catalogue, many_courses
):
    course = many_courses[-1]
    lesson = course.lessons().last()
    response = check(learner_client, LESSON, lesson.url)
    assert response.context["lesson_number"] == 3
    assert "Innehåll i lektionen." in response.content.decode()

    response = check(learner_client, COURSE, course.url)
    assert len(response.context["course_progress"].lessons) == 3

    response = check(learner_client, CATALOGUE, catalogue.url)
    assert len(response.context["courses"]) == len(many_courses)
    statuses = {item.learner_status for item in response.context["courses"]}
    assert statuses == {"completed", "in_progress"}

    response = check(learner_client, MY_LEARNING, reverse("learners:my_learning"))
    shown = len(response.context["in_progress"]) + len(response.context["completed"])
    assert shown == len(many_courses)
