"""HR administrators in the admin: the audit log (read only) and delegations;
tried from the wrong side too."""

from datetime import date

import pytest
from django.urls import reverse

from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from organisation.models import AuditEvent, StaffProfile, UnitDelegation
from organisation.scope import scope_of
from tests.factories import UserFactory, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_admin(db):
    """Central HR: the permission says what, the HR role whom (the city)."""
    user = UserFactory(username="hr-admin")
    user.groups.add(ensure_hr_admin_group())
    StaffProfile.objects.create(user=user, employee_number="E-hr", hr_role="central")
    return user


@pytest.fixture
def author(catalogue):
    user = UserFactory(username="author")
    user.groups.add(ensure_hr_author_group())
    return user


def test_hr_admin_delegates_a_unit_and_it_is_logged(client, hr_admin):
    unit = make_unit("SOD")
    deputy = UserFactory(username="deputy")
    client.force_login(hr_admin)
    url = reverse("delegations:add")
    bad = {
        "unit": unit.pk,
        "delegate": deputy.pk,
        "valid_from": "2026-06-30",
        "valid_until": "2026-06-01",
    }
    assert client.post(url, bad).status_code == 200
    assert not UnitDelegation.objects.exists()
    good = bad | {"valid_from": "2026-06-01", "valid_until": "2026-06-30"}
    assert client.post(url, good).status_code == 302
    delegation = UnitDelegation.objects.get()
    assert (delegation.delegate, delegation.created_by) == (deputy, hr_admin)
    assert scope_of(deputy, date(2026, 6, 15)).unit_paths == (unit.path,)
    event = AuditEvent.objects.get(action="delegation")
    assert event.actor == hr_admin and event.details["delegate"] == "deputy"


def test_audit_log_is_read_only(client, hr_admin):
    event = AuditEvent.objects.create(action="import_staff", summary="12 rader")
    client.force_login(hr_admin)
    assert "12 rader" in client.get(reverse("audit_log:index")).content.decode()
    assert client.get(reverse("audit_log:inspect", args=[event.pk])).status_code == 200
    for url in (reverse("audit_log:add"), reverse("audit_log:edit", args=[event.pk])):
        assert client.get(url).status_code == 302, url
    client.post(reverse("audit_log:delete", args=[event.pk]))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_authors_and_learners_see_neither(client, author, learner):
    event = AuditEvent.objects.create(action="import_staff", summary="x")
    for user in (author, learner):
        client.force_login(user)
        for url in (
            reverse("audit_log:index"),
            reverse("audit_log:inspect", args=[event.pk]),
            reverse("delegations:index"),
            reverse("delegations:add"),
        ):
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response["Location"] != url
