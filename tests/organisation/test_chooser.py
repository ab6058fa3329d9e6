"""The person and unit choosers (organisation.choosers): found by name,
employee number and unit, shown as "Name (employee number, unit)" and never
by username or id, only within the asker's scope, in a fixed number of
queries whatever the number of people."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.backends import person_with_powers_sql
from organisation.choosers import choosable_people, person_label, search_people
from organisation.models import OrgUnit, StaffProfile, UnitDelegation
from organisation.scope import CITY
from tests.factories import UserFactory, make_staff, make_unit
from tests.helpers import in_english, make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return make_two_administrations()


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _results(client, query="", **params):
    response = client.get(
        reverse("person_chooser:choose_results"), {"q": query, **params}
    )
    assert response.status_code == 200
    return response.content.decode()


def _unit_results(client, query="", **params):
    response = client.get(
        reverse("unit_chooser:choose_results"), {"q": query, **params}
    )
    assert response.status_code == 200
    return response.content.decode()


# --- Finding a person -------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["Alma", "alm", "ahlst", "Ahlström", "E-alma", "e-al", "alfa ett"]
)
def test_a_person_is_found_by_name_employee_number_or_unit(client, org, query):
    client.force_login(org["central"])
    html = _results(client, query)
    assert "Alma Ahlström" in html
    assert "E-alma" in html and "Enhet Alfa ett" in html
    assert "Bertil" not in html


def test_every_word_must_match_and_the_order_is_free(client, org):
    client.force_login(org["central"])
    assert "Alma Ahlström" in _results(client, "ahl alma")
    assert "Alma Ahlström" not in _results(client, "alma beta")
    html = _results(client, "beta")  # Bertil's unit is Förvaltning Beta
    assert "Bertil Bergqvist" in html and "Alma" not in html


def test_results_show_names_never_usernames_or_ids(client, org):
    bertil = org["bertil"]
    bertil.username = "bb-login-xyz"
    bertil.save(update_fields=["username"])
    client.force_login(org["central"])
    html = _results(client, "Bertil")
    assert "Bertil Bergqvist" in html and "E-bertil" in html
    assert "bb-login-xyz" not in html
    # The only place the id appears is the link that chooses the person.
    chosen = reverse("person_chooser:chosen", args=[bertil.pk])
    assert html.count(f">{bertil.pk}<") == 0
    assert chosen in html


def test_a_search_with_a_percent_sign_or_underscore_is_taken_literally(client, org):
    client.force_login(org["central"])
    assert "There are no results" not in _results(client, "")
    for query in ("%", "_", "a%", "\\"):
        html = _results(client, query)
        assert "Alma" not in html and "Bertil" not in html, query


def test_leavers_are_not_offered_and_accounts_made_by_hand_only_to_the_city(
    client, org
):
    org["bertil"].is_active = False
    org["bertil"].save(update_fields=["is_active"])
    UserFactory(username="robot", first_name="Alma", last_name="Robot")
    client.force_login(org["central"])
    html = _results(client, "alma")
    assert "Alma Ahlström" in html and "Alma Robot" in html
    assert "Bergqvist" not in _results(client, "bertil")
    client.force_login(org["coord_a"])
    html = _results(client, "alma")
    assert "Alma Ahlström" in html and "Robot" not in html


# --- Whom each one finds ----------------------------------------------------------


def test_a_coordinator_finds_no_one_outside_their_administration(client, org):
    client.force_login(org["coord_a"])
    html = _results(client)
    assert "Alma Ahlström" in html
    for query in ("Bertil", "E-bertil", "beta"):
        html = _results(client, query)
        assert "Bergqvist" not in html and "No results" not in html, query
        assert "Sorry, there are no matches" in html

    client.force_login(org["coord_b"])
    assert "Bertil Bergqvist" in _results(client)
    assert "Ahlström" not in _results(client, "alma")


def test_central_hr_finds_the_whole_city(client, org):
    client.force_login(org["central"])
    html = _results(client)
    assert "Alma Ahlström" in html and "Bertil Bergqvist" in html


def test_a_person_without_a_scope_finds_no_one(client, org):
    client.force_login(org["author"])  # an HR author, no HR role
    html = _results(client)
    assert "There are no results" in html
    assert "Alma" not in html and "Bertil" not in html


def test_a_manager_finds_their_units_and_their_direct_reports(client, org):
    head = make_staff("head-a1", unit=org["a1"])
    head.user_permissions.add(Permission.objects.get(codename="access_admin"))
    OrgUnit.objects.filter(pk=org["a1"].pk).update(head=head)
    # Bertil (in B) reports to the head of A1.
    StaffProfile.objects.filter(user=org["bertil"]).update(line_manager=head)
    client.force_login(in_english(head))
    html = _results(client)
    assert "Alma Ahlström" in html and "Bertil Bergqvist" in html
    assert "coord-b" not in html
    # A unit delegated to them on the day is theirs too, but not for "own".
    today = timezone.localdate()
    _named(make_staff("beda", unit=org["b"]), "Beda", "Bok")
    UnitDelegation.objects.create(
        unit=org["b"],
        delegate=head,
        valid_from=today,
        valid_until=today + timedelta(days=1),
    )
    assert "Beda Bok" in _results(client, "beda")
    assert "Beda Bok" not in _results(client, "beda", own="1")


# --- Choosing ---------------------------------------------------------------------


def test_choosing_a_person_gives_their_label_and_an_address_outside_is_a_404(
    client, org
):
    client.force_login(org["coord_a"])
    response = client.get(reverse("person_chooser:chosen", args=[org["alma"].pk]))
    assert response.status_code == 200
    result = json.loads(response.content)["result"]
    assert result["title"] == "Alma Ahlström (E-alma, Enhet Alfa ett)"
    assert result["id"] == str(org["alma"].pk)
    assert not result["edit_url"]
    for pk in (org["bertil"].pk, "abc", "9" * 19, 999999):
        url = reverse("person_chooser:chosen", args=[pk])
        assert client.get(url).status_code == 404, pk


def test_the_modal_opens_with_its_search_field_and_the_first_page(client, org):
    client.force_login(org["central"])
    response = client.get(reverse("person_chooser:choose"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["step"] == "choose"
    assert 'name="q"' in data["html"]
    assert "Name, employee number or unit" in data["html"]
    assert "Alma Ahlström" in data["html"]
    # One at a time, unless several are asked for (organisation.multiple_choosers).
    assert "data-multiple-choice" not in data["html"]
    assert "data-chooser-modal-choice" in data["html"]


def test_the_results_are_pages_of_ten_in_name_order(client, org):
    for n in range(12):
        _named(make_staff(f"p{n:02}", unit=org["a1"]), "Per", f"N{n:02}")
    client.force_login(org["central"])
    html = _results(client, "per")
    assert "There are 12 matches" in html
    assert html.index("Per N00") < html.index("Per N01") < html.index("Per N09")
    assert "Per N10" not in html
    assert "Per N11" in _results(client, "per", p="2")


# --- Fast at scale ----------------------------------------------------------------


def _people(org, count, prefix):
    users = UserFactory.create_batch(count, first_name="Sven", last_name=prefix)
    StaffProfile.objects.bulk_create(
        StaffProfile(user=u, employee_number=f"{prefix}-{u.pk}", unit=org["a1"])
        for u in users
    )


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "name",
    [
        "person_chooser:choose",
        "person_chooser:choose_results",
        "unit_chooser:choose_results",
    ],
)
@pytest.mark.parametrize("who", ["coord_a", "central"])
def test_the_choosers_read_a_fixed_number_of_queries_for_10_or_200_people(
    client, org, name, who, django_assert_num_queries
):
    client.force_login(org[who])
    url = reverse(name)
    _people(org, 10, "Tio")
    _queries(client, url, {})  # warm: the session, the user's permissions
    counts = {q: _queries(client, url, {"q": q}) for q in ("", "sven", "Tio-", "alfa")}
    _people(org, 190, "Tvahundra")
    for n in range(20):
        make_unit(
            f"U{n}", name=f"Enhet {n}", parent=OrgUnit.objects.get(pk=org["a"].pk)
        )
    for query, before in counts.items():
        with django_assert_num_queries(before):
            assert client.get(url, {"q": query}).status_code == 200


def test_a_search_is_three_queries_the_scope_the_count_and_the_page(client, org):
    """Besides the session and the user: the scope, the count of matches, and
    the page of people with their profiles and units."""
    _people(org, 30, "Tre")
    client.force_login(org["coord_a"])
    url = reverse("person_chooser:choose_results")
    _queries(client, url, {})
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"q": "sven"})
    # The signed-in user's own query (accounts.backends) asks their profile
    # for a second factor: it is "the user", not the chooser's.
    user_sql = person_with_powers_sql()[0].split(" IN (")[0]
    ours = [
        q["sql"]
        for q in queries.captured_queries
        if "organisation_staffprofile" in q["sql"] and not q["sql"].startswith(user_sql)
    ]
    assert len(ours) == 3, ours
    assert "LIMIT 10" in ours[-1]


# --- A forged choice --------------------------------------------------------------


def test_a_person_outside_the_scope_posted_by_hand_is_a_form_error(client, org):
    client.force_login(org["coord_a"])
    today = timezone.localdate()
    response = client.post(
        reverse("delegations:add"),
        {
            "unit": org["a1"].pk,
            "delegate": org["bertil"].pk,
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Det finns ingen med det valet i din del av organisationen" in str(
        errors["delegate"]
    )
    assert not UnitDelegation.objects.exists()
    # The form does not show whom the forged value names.
    assert "Bertil" not in response.content.decode()


def test_a_unit_outside_the_scope_posted_by_hand_is_a_form_error(client, org):
    client.force_login(org["coord_a"])
    today = timezone.localdate()
    response = client.post(
        reverse("delegations:add"),
        {
            "unit": org["b"].pk,
            "delegate": org["alma"].pk,
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Det finns ingen sådan enhet i din del av organisationen" in str(
        response.context["form"].errors["unit"]
    )
    assert not UnitDelegation.objects.exists()


def test_the_form_shows_the_chosen_person_by_name(client, org):
    client.force_login(org["coord_a"])
    today = timezone.localdate()
    response = client.post(
        reverse("delegations:add"),
        {
            "unit": org["a1"].pk,
            "delegate": org["alma"].pk,
            "valid_from": today.isoformat(),
            "valid_until": (today - timedelta(days=1)).isoformat(),  # an error
        },
    )
    html = response.content.decode()
    assert "Alma Ahlström (E-alma, Enhet Alfa ett)" in html
    assert "Enhet Alfa ett (Förvaltning Alfa)" in html
    assert reverse("person_chooser:choose") + "?own=1" in html
    assert not UnitDelegation.objects.exists()


def test_a_delegation_chosen_with_the_choosers_is_saved(client, org):
    client.force_login(org["coord_a"])
    today = timezone.localdate()
    response = client.post(
        reverse("delegations:add"),
        {
            "unit": org["a1"].pk,
            "delegate": org["alma"].pk,
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
        },
    )
    assert response.status_code == 302
    delegation = UnitDelegation.objects.get()
    assert (delegation.unit, delegation.delegate) == (org["a1"], org["alma"])
    html = client.get(reverse("delegations:index")).content.decode()
    assert "Alma Ahlström" in html and ">alma<" not in html


# --- Units ------------------------------------------------------------------------


def test_a_unit_is_found_by_name_and_shown_with_what_it_is_part_of(client, org):
    client.force_login(org["central"])
    html = _unit_results(client, "alfa ett")
    assert "Enhet Alfa ett" in html and "Förvaltning Alfa" in html
    assert "Förvaltning Beta" not in html
    assert "Enhet Alfa ett" in _unit_results(client, "FA1")


def test_a_coordinator_finds_only_the_units_of_their_administration(client, org):
    client.force_login(org["coord_a"])
    html = _unit_results(client)
    assert "Förvaltning Alfa" in html and "Enhet Alfa ett" in html
    assert "Förvaltning Beta" not in html
    # The city above is only named as what Förvaltning Alfa is part of.
    assert reverse("unit_chooser:chosen", args=[org["city"].pk]) not in html
    assert reverse("unit_chooser:chosen", args=[org["a"].pk]) in html
    url = reverse("unit_chooser:chosen", args=[org["b"].pk])
    assert client.get(url).status_code == 404
    response = client.get(reverse("unit_chooser:chosen", args=[org["a1"].pk]))
    assert json.loads(response.content)["result"]["title"] == (
        "Enhet Alfa ett (Förvaltning Alfa)"
    )
    client.force_login(org["author"])
    assert "There are no results" in _unit_results(client)


def test_closed_units_are_not_offered(client, org):
    make_unit("FA2", name="Enhet Alfa två", parent=OrgUnit.objects.get(pk=org["a"].pk))
    OrgUnit.objects.filter(hr_code="FA2").update(active=False)
    client.force_login(org["central"])
    assert "Enhet Alfa två" not in _unit_results(client, "alfa")


# --- The reads themselves ---------------------------------------------------------


def test_labels_name_the_person_their_number_and_unit(org):
    people = choosable_people(CITY)
    alma = search_people(people, "alma").get()
    assert person_label(alma) == "Alma Ahlström (E-alma, Enhet Alfa ett)"
