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
# My learning: 16 with its "Required training" (one query for the assignments;
# their courses' progress shares the in-progress section's queries).
MY_LEARNING_MAX = 16


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
    assert many_courses[0].pk in {item.pk for item in response.context["courses"]}

    course = many_courses[-1]
    response = check(COURSE_MAX, course.url)
    assert len(response.context["course_progress"].lessons) == 3

    response = check(LESSON_MAX, course.lessons().last().url)
    assert response.context["lesson_number"] == 3

    response = check(MY_LEARNING_MAX, reverse("learners:my_learning"))
    shown = len(response.context["in_progress"]) + len(response.context["completed"])
    assert shown == len(many_courses)


def test_my_learning_query_count_does_not_grow_with_assignments(
    learner_client, learner, catalogue, django_assert_max_num_queries
):
    """Required training costs the same with 1 assignment as with 5 (in
    progress, overdue, exempt, renewed with a certificate among them)."""
    from datetime import timedelta

    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assignments.actions.evaluation import evaluate_course
    from assignments.models import Exemption
    from organisation.models import StaffProfile
    from tests.factories import make_rule

    # Rules match staff: the learner needs a staff profile.
    StaffProfile.objects.create(user=learner, employee_number="E-anna")
    url = reverse("learners:my_learning")

    def measured():
        learner_client.get(url)
        with django_assert_max_num_queries(MY_LEARNING_MAX):
            with CaptureQueriesContext(connection) as queries:
                response = learner_client.get(url)
        return response, len(queries)

    # Started, so that both measurements read progress rows (the progress
    # queries are skipped for someone who has started nothing).
    first = make_course(catalogue, lessons=2)
    make_rule(first, people=[learner], active=True)
    actions.record_lesson_progress(learner, first.lessons().first(), completed=True)
    response, with_one = measured()
    assert len(response.context["required"]) == 1

    not_started = make_course(catalogue, lessons=2)
    make_rule(not_started, people=[learner], active=True)
    late = make_course(catalogue, lessons=1)
    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        make_rule(late, people=[learner], active=True, due_days=20)
    exempt = make_course(catalogue, lessons=1)
    make_rule(exempt, people=[learner], active=True)
    Exemption.objects.create(person=learner, course=exempt, reason="Intyg")
    evaluate_course(exempt.pk)
    renewed = make_course(catalogue, lessons=1)
    renewed.validity_kind = "months"
    renewed.validity_months = 12
    publish(renewed)
    with time_machine.travel(timezone.now() - timedelta(days=350), tick=False):
        actions.record_lesson_progress(
            learner, renewed.lessons().first(), completed=True
        )
    make_rule(renewed, people=[learner], active=True, recurrence="keep_valid")

    response, with_five = measured()
    required = response.context["required"]
    assert len(required) == 5
    assert {item.status for item in required} == {
        "not_started",
        "in_progress",
        "exempt",
    }
    assert any(item.overdue for item in required)
    assert any(item.certificate for item in required)
    assert with_five == with_one, (with_one, with_five)
