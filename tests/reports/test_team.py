"""A manager's "My team": exactly the people in scope, their counts of required
training, one person's record — and nothing for anyone else."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assignments.actions.evaluation import evaluate_course
from assignments.models import Exemption
from learners import actions
from organisation.models import OrgUnit, StaffProfile, UnitDelegation
from reports.team import PER_PAGE
from tests.factories import make_course, make_rule, make_staff, make_unit

pytestmark = pytest.mark.django_db

TEAM = reverse("reports:team")
# Measured, the same with 5 people as with 35, and with 3 courses as with 6:
# the list is the session, the user, the scope (for the people and again for
# the unit filter), the page count, the page and one query of counts; the
# person page reads their assignments and certificates in one query each.
TEAM_MAX = 17
PERSON_MAX = 12


def staff(username, first_name, last_name, **fields):
    user = make_staff(username, **fields)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def person_url(user):
    return reverse("reports:team_person", args=[user.staff_profile.pk])


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def org(db):
    """Administration A (head_a) → department A1 (head_dept) → units A1X and
    A1Y; administration B (head_b) with unit B1."""
    head_a = staff("head-a", "Astrid", "Ahl")
    head_dept = staff("head-dept", "Dag", "Dahl")
    head_b = staff("head-b", "Bo", "Berg")
    admin_a = make_unit("A", "Förvaltning A", head=head_a)
    dept = make_unit("A1", "Avdelning A1", parent=admin_a, head=head_dept)
    dept = OrgUnit.objects.get(pk=dept.pk)
    unit_x = make_unit("A1X", "Enhet X", parent=dept)
    unit_y = make_unit("A1Y", "Enhet Y", parent=OrgUnit.objects.get(pk=dept.pk))
    admin_b = make_unit("B", "Förvaltning B", head=head_b)
    unit_b = make_unit("B1", "Enhet B1", parent=admin_b)
    StaffProfile.objects.filter(user=head_dept).update(unit=dept)
    people = {
        "x1": staff("x1", "Xena", "Ek", unit=unit_x),
        "x2": staff("x2", "Xavier", "Falk", unit=unit_x),
        "y1": staff("y1", "Yvonne", "Gran", unit=unit_y),
        "b1": staff("b1", "Bertil", "Holm", unit=unit_b),
    }
    units = {u.hr_code: u for u in OrgUnit.objects.all()}
    return {
        "head_a": head_a,
        "head_dept": head_dept,
        "head_b": head_b,
        "units": units,
        "people": people,
    }


@pytest.fixture
def training(org, catalogue):
    """Two courses for everyone in A. x1: one overdue, one completed.
    x2: one to do, one exempt. y1: two to do."""
    people = org["people"]
    first = make_course(catalogue, lessons=1, title="Brandskydd")
    second = make_course(catalogue, lessons=1, title="Hot och våld")
    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        make_rule(first, units=[org["units"]["A"]], active=True, due_days=20)
    make_rule(second, units=[org["units"]["A"]], active=True, due_days=30)
    # x1 completes the second course; the first is overdue for everyone in A
    # but x2 completes nothing and is exempt from the second.
    for lesson in second.lessons():
        actions.record_lesson_progress(people["x1"], lesson, completed=True)
    Exemption.objects.create(person=people["x2"], course=second, reason="Intyg")
    evaluate_course(second.pk)
    return {"first": first, "second": second}


def counts(response):
    return {
        row.profile.user.username: (
            row.not_started,
            row.in_progress,
            row.overdue,
            row.completed,
            row.exempt,
        )
        for row in response.context["page"].object_list
    }


def test_head_sees_their_subtree_with_counts(client, org, training):
    client.force_login(org["head_dept"])

    response = client.get(TEAM)

    assert response.status_code == 200
    # Everyone in A1 and below: the head's own unit included; not B.
    assert counts(response) == {
        "head-dept": (1, 0, 1, 0, 0),
        "x1": (0, 0, 1, 1, 0),
        "x2": (0, 0, 1, 0, 1),
        "y1": (1, 0, 1, 0, 0),
    }
    html = response.content.decode()
    assert "Bertil" not in html
    assert f'href="{person_url(org["people"]["x1"])}"' in html
    # Sorted by last name.
    names = [r.profile.user.last_name for r in response.context["page"].object_list]
    assert names == sorted(names)


def test_head_of_administration_sees_the_whole_subtree(client, org, training):
    client.force_login(org["head_a"])
    response = client.get(TEAM)
    assert set(counts(response)) == {"head-dept", "x1", "x2", "y1"}
    # The head of A is not in a unit of A: not in their own team.
    assert "head-a" not in counts(response)


def test_nav_links_my_team_only_for_people_with_someone_in_scope(client, org):
    client.force_login(org["head_dept"])
    assert (
        f'href="{TEAM}"' in client.get(reverse("learners:my_learning")).content.decode()
    )
    client.force_login(org["people"]["x1"])
    assert (
        f'href="{TEAM}"'
        not in client.get(reverse("learners:my_learning")).content.decode()
    )


def test_a_learner_has_no_team(client, org):
    client.force_login(org["people"]["x1"])
    response = english(client).get(TEAM)
    assert response.status_code == 403
    assert "You have nobody to follow up here." in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client, org):
    for url in (TEAM, person_url(org["people"]["x1"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(
    "viewer, person",
    [
        ("head_b", "x1"),  # another administration's head
        ("head_dept", "b1"),
        ("x1", "x2"),  # a learner, same unit
        ("x1", "x1"),  # a learner, themselves
    ],
)
def test_a_person_out_of_scope_is_not_found_by_id(client, org, viewer, person):
    viewer = org.get(viewer) or org["people"][viewer]
    client.force_login(viewer)
    response = client.get(person_url(org["people"][person]))
    assert response.status_code == 404
    assert org["people"][person].get_full_name() not in response.content.decode()


def test_an_unknown_or_huge_id_is_not_found(client, org):
    client.force_login(org["head_a"])
    for profile_id in (0, 10**6, 10**30):
        # By hand: reverse() refuses an id the URL would not take.
        url = reverse("reports:team_person", args=[1]).replace("/1/", f"/{profile_id}/")
        response = client.get(url)
        assert response.status_code == 404
        assert "<table" not in response.content.decode()


def test_a_deactivated_person_is_not_in_the_team(client, org, training):
    leaver = org["people"]["y1"]
    leaver.is_active = False
    leaver.save()
    client.force_login(org["head_dept"])
    assert "y1" not in counts(client.get(TEAM))
    assert client.get(person_url(leaver)).status_code == 404


def test_person_page_lists_each_current_assignment(client, org, training):
    client.force_login(org["head_a"])  # x1 is in A's subtree
    x1 = org["people"]["x1"]

    response = english(client).get(person_url(x1))

    assert response.status_code == 200
    items = {i.assignment.course_title: i for i in response.context["assignments"]}
    assert set(items) == {"Brandskydd", "Hot och våld"}
    overdue, completed = items["Brandskydd"], items["Hot och våld"]
    assert overdue.status == "overdue"
    assert completed.status == "completed"
    assert completed.assignment.completed_at is not None
    html = response.content.decode()
    # The vocabulary's badges: words and a symbol, not colour alone.
    assert 'data-state="overdue"' in html and " Overdue</span>" in html
    assert 'data-state="completed"' in html and " Completed</span>" in html
    due = overdue.assignment.due_date.isoformat()
    assert f'datetime="{due}"' in html
    # Soonest due first.
    assert html.index("Brandskydd") < html.index("Hot och våld")


def test_person_page_shows_until_when_the_certificate_is_valid(client, org, catalogue):
    course = make_course(catalogue, lessons=1, title="HLR")
    course.validity_kind = "months"
    course.validity_months = 12
    course.save_revision().publish()
    x1 = org["people"]["x1"]
    make_rule(course, people=[x1], active=True)
    for lesson in course.lessons():
        actions.record_lesson_progress(x1, lesson, completed=True)
    client.force_login(org["head_dept"])

    response = client.get(person_url(x1))

    (item,) = response.context["assignments"]
    valid_until = item.certificate.valid_until
    assert valid_until > timezone.localdate() + timedelta(days=300)
    assert f'datetime="{valid_until.isoformat()}"' in response.content.decode()


def test_unit_filter_offers_only_units_in_scope(client, org, training):
    client.force_login(org["head_dept"])
    response = client.get(TEAM)
    offered = {
        label.strip()
        for _value, label in response.context["form"].fields["enhet"].choices
    }
    assert {"Avdelning A1", "Enhet X", "Enhet Y"} <= offered
    assert not {"Förvaltning A", "Förvaltning B", "Enhet B1"} & offered

    response = client.get(TEAM, {"enhet": org["units"]["A1X"].pk})
    assert set(counts(response)) == {"x1", "x2"}


@pytest.mark.parametrize("value", ["B1", "not-a-number", "99999999999999999999"])
def test_a_unit_out_of_scope_or_garbage_gives_a_message_not_an_error(
    client, org, training, value
):
    client.force_login(org["head_dept"])
    unit = org["units"]["B1"].pk if value == "B1" else value
    response = english(client).get(TEAM, {"enhet": unit})
    assert response.status_code == 200
    assert "Choose one of the units in the list." in response.content.decode()
    # Nobody from B is shown; the team is shown unfiltered.
    assert set(counts(response)) == {"head-dept", "x1", "x2", "y1"}


def test_only_people_with_overdue_training(client, org, training):
    x2 = org["people"]["x2"]
    for lesson in training["first"].lessons():
        actions.record_lesson_progress(x2, lesson, completed=True)
    client.force_login(org["head_dept"])
    response = client.get(TEAM, {"forsenade": "1"})
    assert set(counts(response)) == {"head-dept", "x1", "y1"}


def test_team_is_paginated_by_fifty(client, org):
    unit = org["units"]["A1Y"]
    for index in range(PER_PAGE + 2):
        staff(f"many{index:02d}", "Many", f"Öman{index:02d}", unit=unit)
    client.force_login(org["head_dept"])

    first = client.get(TEAM)
    assert len(first.context["page"].object_list) == PER_PAGE
    # The head of A1 and x1, x2, y1 besides.
    assert first.context["page"].paginator.count == PER_PAGE + 6
    second = client.get(TEAM, {"sida": 2})
    assert len(second.context["page"].object_list) == 6
    # Garbage page numbers give a page, not an error.
    assert client.get(TEAM, {"sida": "x"}).context["page"].number == 1
    assert client.get(TEAM, {"sida": 99}).context["page"].number == 2
    html = first.content.decode()
    assert 'href="?sida=2"' in html


def test_a_deputy_sees_the_delegated_unit_only_within_the_period(client, org):
    deputy = make_staff("deputy")
    UnitDelegation.objects.create(
        unit=org["units"]["A1X"],
        delegate=deputy,
        valid_from=date(2026, 3, 1),
        valid_until=date(2026, 3, 31),
    )
    x1 = org["people"]["x1"]
    client.force_login(deputy)

    with time_machine.travel(datetime(2026, 3, 15, 9, tzinfo=UTC)):
        response = client.get(TEAM)
        assert set(counts(response)) == {"x1", "x2"}
        assert client.get(person_url(x1)).status_code == 200
        assert client.get(person_url(org["people"]["y1"])).status_code == 404
    for outside in (
        datetime(2026, 2, 28, 12, tzinfo=UTC),
        datetime(2026, 4, 1, 9, tzinfo=UTC),
    ):
        with time_machine.travel(outside):
            assert client.get(TEAM).status_code == 403
            assert client.get(person_url(x1)).status_code == 404


def test_central_hr_sees_the_city(client, org):
    hr = make_staff("hr", hr_role=StaffProfile.HrRole.CENTRAL)
    client.force_login(hr)
    response = client.get(TEAM)
    assert {"x1", "b1", "head-b"} <= set(counts(response))


def test_team_query_counts_do_not_grow_with_people(
    client, org, catalogue, django_assert_max_num_queries
):
    unit = org["units"]["A1X"]
    courses = [make_course(catalogue, lessons=1) for _index in range(3)]
    rules = [make_rule(course, units=[unit], active=True) for course in courses]
    client.force_login(org["head_dept"])

    def measured(url):
        client.get(url)  # warm process-wide caches
        with django_assert_max_num_queries(TEAM_MAX if url == TEAM else PERSON_MAX):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    team_few = measured(TEAM)
    person_few = measured(person_url(org["people"]["x1"]))
    for index in range(30):
        make_staff(f"p{index}", unit=unit)
    more = [make_course(catalogue, lessons=1) for _index in range(3)]
    rules += [make_rule(course, units=[unit], active=True) for course in more]
    for rule in rules:
        evaluate_course(rule.course_id)
    for lesson in more[0].lessons():
        actions.record_lesson_progress(org["people"]["x1"], lesson, completed=True)

    assert measured(TEAM) == team_few
    assert measured(person_url(org["people"]["x1"])) == person_few
