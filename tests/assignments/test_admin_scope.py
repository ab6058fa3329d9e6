"""What a local coordinator sees of a course's plan: a preview spans every
active rule of the course, city-wide, so before the fix a coordinator's
preview (and its CSV, and the deactivation's) listed the people of other
administrations whose assignments were due to change. Now the coordinator
sees, and is given the counts of, only the people of their scope, as in the
reports; central HR sees everyone. Exemptions and retakes were already
scoped (tests/assignments/test_rule_admin.py)."""

import pytest
from django.urls import reverse
from django.utils import translation

from assignments.models import Assignment
from tests.factories import make_rule, make_staff
from tests.helpers import make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db, course):
    org = make_two_administrations()
    # Central HR's rule for the whole city, evaluated: everyone is assigned.
    make_rule(course, everyone=True, active=True, name="Stadens regel")
    # Then one person joins each administration: their assignments are due,
    # and show in any preview of the course until the nightly sweep.
    for username, unit, last in (("nyanna", "a1", "Nyström"), ("nybo", "b", "Nyberg")):
        user = make_staff(username, unit=org[unit])
        user.last_name = last
        user.save(update_fields=["last_name"])
    return org


@pytest.fixture
def draft(org, course):
    """A's coordinator's draft for their administration."""
    return make_rule(course, everyone=True, scope_unit=org["a"], name="Alfas regel")


def test_a_coordinators_preview_lists_only_their_administration(
    client, org, course, draft
):
    client.force_login(org["coord_a"])
    response = client.get(reverse("assignment_rule_preview", args=[draft.pk]))
    html = response.content.decode()
    assert "Nyström" in html
    assert "Nyberg" not in html and "Bergqvist" not in html
    assert response.context["counts"]["assign"] == 1
    in_a = {"alma", "coord-a", "nyanna"}
    assert response.context["counts"]["matched"] == len(in_a)

    csv = b"".join(
        client.get(
            reverse("assignment_rule_preview", args=[draft.pk]), {"format": "csv"}
        ).streaming_content
    ).decode()
    assert "Nyström" in csv and "Nyberg" not in csv

    client.force_login(org["central"])
    response = client.get(reverse("assignment_rule_preview", args=[draft.pk]))
    html = response.content.decode()
    assert "Nyström" in html and "Nyberg" in html
    assert response.context["counts"]["assign"] == 2


def test_a_coordinators_deactivation_preview_lists_only_their_administration(
    client, org, course, draft
):
    client.force_login(org["coord_a"])
    client.post(reverse("assignment_rule_activate", args=[draft.pk]))
    # The activation evaluated the course: everyone is assigned again; one
    # more person joins B.
    make_staff("nycklas", unit=org["b"])
    response = client.get(reverse("assignment_rule_deactivate", args=[draft.pk]))
    people = {
        row["change"].person_id
        for section in response.context["sections"]
        for row in section["rows"]
    }
    assert not people & {org["bertil"].pk}
    assert "nycklas" not in response.content.decode()


def test_a_coordinators_activation_message_counts_only_their_people(
    client, org, course, draft
):
    client.force_login(org["coord_a"])
    response = client.post(
        reverse("assignment_rule_activate", args=[draft.pk]), follow=True
    )
    assert "1 person was assigned" in response.content.decode()
    # The course's evaluation is city-wide, as the nightly sweep's: B's new
    # person is assigned too, by central HR's rule.
    assert Assignment.objects.filter(person__username="nybo").exists()


def test_the_rule_list_counts_open_assignments_in_the_viewers_scope(
    client, org, course, draft
):
    client.force_login(org["coord_a"])
    rules = client.get(reverse("assignment_rules")).context["rules"]
    assert [(r.name, r.open_count) for r in rules] == [("Alfas regel", 2)]
    client.force_login(org["central"])
    rules = {
        r.name: r.open_count
        for r in client.get(reverse("assignment_rules")).context["rules"]
    }
    assert rules["Alfas regel"] == Assignment.objects.filter(state="open").count()
