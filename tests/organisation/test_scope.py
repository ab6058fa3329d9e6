"""Manager scope: units headed (with subtrees), direct reports, delegations in
their period; coordinators their administration; central HR the city."""

from datetime import date

import pytest

from organisation.models import OrgUnit, StaffProfile, UnitDelegation
from organisation.scope import scope_of
from tests.factories import UserFactory, make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """Two administrations; A has a department with two units."""
    head_a = UserFactory(username="head-a")
    head_dept = UserFactory(username="head-dept")
    admin_a = make_unit("A", head=head_a)
    dept = make_unit("A1", parent=admin_a, head=head_dept)
    unit_x = make_unit("A1X", parent=OrgUnit.objects.get(pk=dept.pk))
    unit_y = make_unit("A1Y", parent=OrgUnit.objects.get(pk=dept.pk))
    admin_b = make_unit("B")
    unit_b = make_unit("B1", parent=OrgUnit.objects.get(pk=admin_b.pk))
    people = {
        "x1": make_staff("x1", unit=unit_x),
        "y1": make_staff("y1", unit=unit_y),
        "dept1": make_staff("dept1", unit=dept),
        "b1": make_staff("b1", unit=unit_b),
        # In unit B but reporting to the head of the department.
        "b2": make_staff("b2", unit=unit_b, line_manager=head_dept),
    }
    return {
        "head_a": head_a,
        "head_dept": head_dept,
        "units": {u.hr_code: u for u in OrgUnit.objects.all()},
        "people": people,
    }


def seen(user, day=None):
    return set(scope_of(user, day).people().values_list("user__username", flat=True))


def test_head_sees_their_subtree_and_direct_reports(org):
    assert seen(org["head_dept"]) == {"x1", "y1", "dept1", "b2"}
    assert seen(org["head_a"]) == {"x1", "y1", "dept1"}


def test_a_learner_sees_nobody(org):
    assert seen(org["people"]["x1"]) == set()


def test_delegation_counts_only_within_its_period(org):
    deputy = UserFactory(username="deputy")
    UnitDelegation.objects.create(
        unit=org["units"]["B"],
        delegate=deputy,
        valid_from=date(2026, 6, 1),
        valid_until=date(2026, 6, 30),
    )
    assert seen(deputy, date(2026, 5, 31)) == set()
    assert seen(deputy, date(2026, 6, 1)) == {"b1", "b2"}
    assert seen(deputy, date(2026, 6, 30)) == {"b1", "b2"}
    assert seen(deputy, date(2026, 7, 1)) == set()


def test_coordinator_sees_their_administration_only(org):
    coordinator = make_staff(
        "coord",
        unit=org["units"]["A1X"],
        hr_role="coordinator",
        coordinator_of=org["units"]["A"],
    )
    assert seen(coordinator) == {"x1", "y1", "dept1", "coord"}


def test_central_hr_sees_the_city(org):
    central = make_staff("central", hr_role="central")
    assert seen(central) == set(
        StaffProfile.objects.values_list("user__username", flat=True)
    )


def test_unit_scope_uses_the_same_rule(org):
    units = set(scope_of(org["head_dept"]).units().values_list("hr_code", flat=True))
    assert units == {"A1", "A1X", "A1Y"}


def test_inactive_head_sees_nothing(org):
    org["head_dept"].is_active = False
    org["head_dept"].save()
    assert seen(org["head_dept"]) == set()


def test_scope_is_one_query_for_people(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the scope, the people
        people = list(scope_of(org["head_dept"]).people())
    assert {p.user.username for p in people} == {"x1", "y1", "dept1", "b2"}
