"""The organisation's admin tools scoped like the reports (organisation.scope),
tried from the wrong side: a local coordinator of administration A neither
sees nor reaches B's delegations and audit events (B's names absent from the
listing, a direct address a 404, a forged POST a form error, nothing
changed), B's coordinator does, central HR sees both, and an HR author
without the permission is refused."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from organisation.models import AuditEvent, UnitDelegation
from organisation.scope import scope_of
from tests.helpers import admin_refused as refused
from tests.helpers import make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return make_two_administrations()


def _delegate(unit, person, by):
    today = timezone.localdate()
    return UnitDelegation.objects.create(
        unit=unit,
        delegate=person,
        valid_from=today,
        valid_until=today + timedelta(days=30),
        created_by=by,
    )


def _post(unit, delegate):
    today = timezone.localdate()
    return {
        "unit": unit.pk,
        "delegate": delegate.pk,  # chosen with the person chooser
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=14)).isoformat(),
    }


# --- Delegations ------------------------------------------------------------------


def test_coordinator_lists_and_reaches_only_their_administrations_delegations(
    client, org
):
    in_a = _delegate(org["a1"], org["alma"], org["central"])
    in_b = _delegate(org["b"], org["bertil"], org["central"])
    client.force_login(org["coord_a"])
    html = client.get(reverse("delegations:index")).content.decode()
    assert "Enhet Alfa ett" in html
    assert "Förvaltning Beta" not in html and "bertil" not in html
    for name in ("edit", "delete", "history", "usage"):
        url = reverse(f"delegations:{name}", args=[in_b.pk])
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("delegations:edit", args=[in_a.pk])).status_code == 200

    before = UnitDelegation.objects.values().get(pk=in_b.pk)
    response = client.post(
        reverse("delegations:edit", args=[in_b.pk]), _post(org["b"], org["coord_a"])
    )
    assert response.status_code == 404
    assert client.post(reverse("delegations:delete", args=[in_b.pk])).status_code == 404
    assert UnitDelegation.objects.values().get(pk=in_b.pk) == before

    client.force_login(org["coord_b"])
    html = client.get(reverse("delegations:index")).content.decode()
    assert "Förvaltning Beta" in html and "Enhet Alfa ett" not in html
    client.force_login(org["central"])
    html = client.get(reverse("delegations:index")).content.decode()
    assert "Förvaltning Beta" in html and "Enhet Alfa ett" in html


def test_coordinator_cannot_delegate_outside_their_administration(client, org):
    """The finding: a coordinator delegated a unit of B to themselves, and so
    widened their own report scope into B."""
    client.force_login(org["coord_a"])
    form = client.get(reverse("delegations:add")).content.decode()
    assert reverse("unit_chooser:choose") + "?own=1" in form
    units = client.get(reverse("unit_chooser:choose_results"), {"own": "1"})
    units = units.content.decode()
    assert "Enhet Alfa ett" in units and "Förvaltning Alfa" in units
    assert "Förvaltning Beta" not in units

    response = client.post(reverse("delegations:add"), _post(org["b"], org["coord_a"]))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    response = client.post(reverse("delegations:add"), _post(org["a1"], org["bertil"]))
    assert response.status_code == 200
    assert "delegate" in response.context["form"].errors
    assert "in your part of the organisation" in response.content.decode()
    assert not UnitDelegation.objects.exists()
    assert not AuditEvent.objects.filter(action="delegation").exists()
    assert scope_of(org["coord_a"]).unit_paths == (org["a"].path,)

    response = client.post(reverse("delegations:add"), _post(org["a1"], org["alma"]))
    assert response.status_code == 302
    delegation = UnitDelegation.objects.get()
    assert (delegation.unit, delegation.delegate) == (org["a1"], org["alma"])
    event = AuditEvent.objects.get(action="delegation")
    assert event.details["unit"] == "FA1" and event.details["change"] == "create"


def test_a_unit_delegated_to_a_coordinator_is_not_theirs_to_lend_further(client, org):
    """Central HR made A's coordinator B's deputy: they see B in the reports,
    but B's delegations stay B's and central HR's."""
    _delegate(org["b"], org["coord_a"], org["central"])
    assert org["b"].path in scope_of(org["coord_a"]).unit_paths
    client.force_login(org["coord_a"])
    html = client.get(reverse("delegations:index")).content.decode()
    assert "Förvaltning Beta" not in html
    response = client.post(reverse("delegations:add"), _post(org["b"], org["alma"]))
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert UnitDelegation.objects.count() == 1


def test_a_coordinator_edits_and_ends_delegations_of_their_units_and_it_is_logged(
    client, org
):
    delegation = _delegate(org["a1"], org["alma"], org["central"])
    client.force_login(org["coord_a"])
    later = timezone.localdate() + timedelta(days=60)
    response = client.post(
        reverse("delegations:edit", args=[delegation.pk]),
        {**_post(org["a1"], org["alma"]), "valid_until": later.isoformat()},
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.valid_until == later
    client.post(reverse("delegations:delete", args=[delegation.pk]))
    assert not UnitDelegation.objects.exists()
    changes = list(
        AuditEvent.objects.filter(action="delegation")
        .order_by("pk")
        .values_list("details__change", flat=True)
    )
    assert changes == ["edit", "delete"]


def test_central_hr_delegates_across_administrations(client, org):
    client.force_login(org["central"])
    response = client.post(reverse("delegations:add"), _post(org["b"], org["alma"]))
    assert response.status_code == 302
    day = timezone.localdate() + timedelta(days=1)
    assert org["b"].path in scope_of(org["alma"], day).unit_paths


def test_an_hr_author_without_the_permission_is_refused_delegations(client, org):
    delegation = _delegate(org["a1"], org["alma"], org["central"])
    client.force_login(org["author"])
    for url in (
        reverse("delegations:index"),
        reverse("delegations:add"),
        reverse("delegations:edit", args=[delegation.pk]),
        reverse("delegations:delete", args=[delegation.pk]),
    ):
        assert refused(client.get(url)), url
    assert refused(
        client.post(reverse("delegations:add"), _post(org["a1"], org["alma"]))
    )
    assert refused(client.post(reverse("delegations:delete", args=[delegation.pk])))
    assert UnitDelegation.objects.count() == 1


def test_the_delegation_listing_reads_a_fixed_number_of_queries(
    client, org, django_assert_max_num_queries
):
    client.force_login(org["coord_a"])
    _delegate(org["a1"], org["alma"], org["central"])
    client.get(reverse("delegations:index"))  # warm caches (content types...)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("delegations:index"))
    for n in range(8):
        person = org["alma"] if n % 2 else org["coord_a"]
        _delegate(org["a" if n % 2 else "a1"], person, org["central"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("delegations:index")).content.decode()
    assert html.count("Enhet Alfa ett") >= 5


# --- The audit log -------------------------------------------------------------------


@pytest.fixture
def events(org):
    def event(summary, actor=None, **details):
        return AuditEvent.objects.create(
            action="view_report", summary=summary, actor=actor, details=details
        )

    return {
        "by_a": event("Done by Alma", org["alma"]),
        "by_b": event("Done by Bertil", org["bertil"]),
        "about_a": event("Exempted Alma", org["central"], person=org["alma"].pk),
        "about_b": event("Recorded Bertil", org["central"], learner=org["bertil"].pk),
        "unit_a": event("Report of A1", org["central"], unit="FA1"),
        "unit_b": event("Report of B", org["central"], unit="FB"),
        "system": event("Nightly job ran"),
        "by_central": event("Central only event", org["central"]),
    }


def _audit_html(client, user):
    client.force_login(user)
    # The sign-in itself may be logged; only the fixture's events are asserted.
    return client.get(reverse("audit_log:index"), {"per_page": 100}).content.decode()


A_EVENTS = {"Done by Alma", "Exempted Alma", "Report of A1"}
B_EVENTS = {"Done by Bertil", "Recorded Bertil", "Report of B"}
CITY_EVENTS = {"Nightly job ran", "Central only event"}


def test_a_coordinator_reads_only_the_events_about_their_administration(
    client, org, events
):
    html = _audit_html(client, org["coord_a"])
    assert all(summary in html for summary in A_EVENTS)
    assert not [s for s in B_EVENTS | CITY_EVENTS if s in html]
    for name in ("by_b", "about_b", "unit_b", "system"):
        url = reverse("audit_log:inspect", args=[events[name].pk])
        assert client.get(url).status_code == 404, name
    url = reverse("audit_log:inspect", args=[events["about_a"].pk])
    assert "Exempted Alma" in client.get(url).content.decode()

    html = _audit_html(client, org["coord_b"])
    assert all(summary in html for summary in B_EVENTS)
    assert not any(summary in html for summary in A_EVENTS | CITY_EVENTS)

    html = _audit_html(client, org["central"])
    assert all(summary in html for summary in A_EVENTS | B_EVENTS | CITY_EVENTS)


def test_an_hr_author_without_the_permission_is_refused_the_audit_log(
    client, org, events
):
    client.force_login(org["author"])
    assert refused(client.get(reverse("audit_log:index")))
    url = reverse("audit_log:inspect", args=[events["about_a"].pk])
    assert refused(client.get(url))


def test_the_audit_log_reads_a_fixed_number_of_queries_for_a_coordinator(
    client, org, events, django_assert_max_num_queries
):
    _audit_html(client, org["coord_a"])
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("audit_log:index"))
    for n in range(10):
        AuditEvent.objects.create(
            action="view_report", summary=f"More by Alma {n}", actor=org["alma"]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("audit_log:index")).content.decode()
    assert "More by Alma 9" in html


def test_a_coordinators_scope_query_is_unchanged_by_the_delegations_flag(org):
    """`delegated=False` leaves out the units lent to a person, nothing else."""
    _delegate(org["b"], org["coord_a"], org["central"])
    today = timezone.localdate()
    assert scope_of(org["coord_a"], today).unit_paths == tuple(
        sorted((org["a"].path, org["b"].path))
    )
    assert scope_of(org["coord_a"], today, delegated=False).unit_paths == (
        org["a"].path,
    )
    assert scope_of(org["central"], date(2020, 1, 1), delegated=False).is_city
