"""Several people or units at once (organisation.multiple_choosers, and the
choosers' "several at once" mode): the modal's checkboxes, the "chosen
multiple" step within the asker's scope, and the form field that shows the
chosen by name and refuses what the scope does not hold, naming no one."""

import json
from datetime import timedelta

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from organisation.choosers import MAX_CHOSEN_AT_ONCE
from organisation.models import OrgUnit, UnitDelegation
from organisation.multiple_choosers import (
    MAX_CHOICES,
    MultiplePersonChoiceField,
    MultipleUnitChoiceField,
)
from organisation.scope import CITY, NOBODY, scope_of
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


def _modal(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return json.loads(response.content)["html"]


def _chosen(client, name, ids, **params):
    return client.get(reverse(name), {"id": [str(i) for i in ids], **params})


def _titles(response):
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["step"] == "chosen"
    assert all(not item["edit_url"] for item in data["result"])
    return [item["title"] for item in data["result"]]


# --- The modal, several at once ---------------------------------------------------


def test_several_at_once_each_row_has_a_checkbox_labelled_by_the_name(client, org):
    alma = org["alma"]
    alma.username = "am-login-xyz"
    alma.save(update_fields=["username"])
    client.force_login(org["coord_a"])
    html = _modal(client, "person_chooser:choose", multiple="1", own="1")
    assert "data-multiple-choice-form" in html and "Add the selected" in html
    assert f'id="chooser-modal-select-{alma.pk}"' in html
    label = f'<label for="chooser-modal-select-{alma.pk}">'
    assert "Alma Ahlström" in html[html.index(label) :][:200]
    assert "data-chooser-modal-choice" not in html  # ticked, not clicked
    # The search keeps the checkboxes and the scope it was opened with.
    assert reverse("person_chooser:choose_results") + "?own=1&amp;multiple=1" in html
    assert reverse("person_chooser:chosen_multiple") + "?own=1&amp;multiple=1" in html
    assert "am-login-xyz" not in html and "Bertil" not in html

    response = client.get(
        reverse("person_chooser:choose_results"),
        {"q": "alma", "multiple": "1", "own": "1"},
    )
    results = response.content.decode()
    assert f'value="{alma.pk}"' in results and "data-multiple-choice-select" in results
    assert "am-login-xyz" not in results


def test_several_units_at_once_within_the_administration(client, org):
    client.force_login(org["coord_a"])
    html = _modal(client, "unit_chooser:choose", multiple="1")
    assert f'value="{org["a1"].pk}"' in html and f'value="{org["a"].pk}"' in html
    assert f'value="{org["b"].pk}"' not in html and "Förvaltning Beta" not in html


# --- The "chosen multiple" step ---------------------------------------------------


def test_the_chosen_come_back_by_name_in_the_choosers_order(client, org):
    client.force_login(org["coord_a"])
    response = _chosen(
        client, "unit_chooser:chosen_multiple", [org["a1"].pk, org["a"].pk]
    )
    assert _titles(response) == [
        "Förvaltning Alfa (Staden)",
        "Enhet Alfa ett (Förvaltning Alfa)",
    ]
    response = _chosen(client, "person_chooser:chosen_multiple", [org["alma"].pk])
    assert _titles(response) == ["Alma Ahlström (E-alma, Enhet Alfa ett)"]
    assert json.loads(response.content)["result"][0]["id"] == str(org["alma"].pk)


@pytest.mark.parametrize(
    "ids",
    [
        ["@alma", "@bertil"],  # one outside the scope: nothing is chosen
        ["@bertil"],
        [],
        ["abc"],
        ["9" * 19],
        ["-1"],
        ["999999"],
        [str(n) for n in range(1, MAX_CHOSEN_AT_ONCE + 2)],
    ],
)
def test_anyone_outside_malformed_or_too_many_is_a_404(client, org, ids):
    client.force_login(org["coord_a"])
    ids = [org[i[1:]].pk if str(i).startswith("@") else i for i in ids]
    response = _chosen(client, "person_chooser:chosen_multiple", ids)
    assert response.status_code == 404
    assert "Bertil" not in response.content.decode()


def test_a_unit_outside_is_a_404_and_the_same_id_twice_is_one(client, org):
    client.force_login(org["coord_a"])
    url = "unit_chooser:chosen_multiple"
    assert _chosen(client, url, [org["a1"].pk, org["b"].pk]).status_code == 404
    response = _chosen(client, url, [org["a1"].pk, org["a1"].pk])
    assert _titles(response) == ["Enhet Alfa ett (Förvaltning Alfa)"]
    client.force_login(org["author"])  # no scope at all
    assert _chosen(client, url, [org["a1"].pk]).status_code == 404


def test_own_leaves_out_the_units_lent_to_the_asker(client, org):
    head = make_staff("head-a1", unit=org["a1"])
    head.user_permissions.add(Permission.objects.get(codename="access_admin"))
    OrgUnit.objects.filter(pk=org["a1"].pk).update(head=head)
    today = timezone.localdate()
    UnitDelegation.objects.create(
        unit=org["b"], delegate=head, valid_from=today, valid_until=today + timedelta(1)
    )
    client.force_login(in_english(head))
    url = "person_chooser:chosen_multiple"
    assert _chosen(client, url, [org["bertil"].pk]).status_code == 200
    assert _chosen(client, url, [org["bertil"].pk], own="1").status_code == 404


def test_the_chosen_step_reads_the_same_queries_for_one_or_ten(client, org):
    people = [make_staff(f"p{n}", unit=org["a1"]) for n in range(10)]
    client.force_login(org["coord_a"])
    url = "person_chooser:chosen_multiple"
    _chosen(client, url, [people[0].pk])  # warm: the session, the permissions
    with CaptureQueriesContext(connection) as one:
        _titles(_chosen(client, url, [people[0].pk]))
    with CaptureQueriesContext(connection) as ten:
        assert len(_titles(_chosen(client, url, [p.pk for p in people]))) == 10
    assert len(ten) == len(one)


# --- The form field -----------------------------------------------------------------


class ChoiceForm(forms.Form):
    units = MultipleUnitChoiceField("Units")
    people = MultiplePersonChoiceField("People", own=True, help_text="Anyone")

    def __init__(self, *args, scope=NOBODY, keep=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].limit_to(scope, keep=keep)
        self.fields["people"].limit_to(scope)


def _form(data, **kwargs):
    form = ChoiceForm(data, **kwargs)
    form.is_valid()
    return form


def test_the_field_gives_the_chosen_in_the_order_chosen(org):
    scope = scope_of(org["coord_a"])
    form = _form(
        {
            "units": [org["a1"].pk, org["a"].pk, org["a1"].pk],
            "people": [org["alma"].pk],
        },
        scope=scope,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["units"] == [org["a1"], org["a"]]
    assert form.cleaned_data["people"] == [org["alma"]]
    assert _form({}, scope=scope).cleaned_data == {"units": [], "people": []}


def test_a_field_never_told_its_scope_offers_nothing(org):
    form = _form({"units": [org["a1"].pk]})
    assert "units" in form.errors
    assert "Alma" not in str(form["people"])


@pytest.mark.parametrize(
    "value", ["abc", "", "-1", "1.0", "9" * 19, "99999999999999999", "1 OR 1=1"]
)
def test_a_bad_value_is_the_one_clear_message(org, value):
    form = _form({"units": [org["a1"].pk, value]}, scope=CITY)
    assert form.errors["units"] == [
        "A chosen unit is not in your part of the organisation, or is closed, and "
        "was taken off the list. Check the list and save again."
    ]


def test_more_than_the_limit_is_refused(org):
    ids = [str(n) for n in range(1, MAX_CHOICES + 2)]
    form = _form({"units": ids}, scope=CITY)
    assert form.errors["units"] == [f"Choose at most {MAX_CHOICES} units."]


def test_a_forged_choice_is_refused_and_shown_again_without_it(org):
    """Beta's person and unit posted by Alfa's coordinator: a form error that
    names no one; the list shown again holds only what Alfa may choose."""
    form = _form(
        {"units": [org["a1"].pk, org["b"].pk], "people": [org["bertil"].pk]},
        scope=scope_of(org["coord_a"]),
    )
    assert "units" in form.errors and "people" in form.errors
    assert "A chosen person is not in your part" in str(form.errors["people"])
    html = str(form["units"]) + str(form["people"]) + str(form.errors)
    assert "Enhet Alfa ett (Förvaltning Alfa)" in html
    assert "Förvaltning Beta" not in html and "Bertil" not in html
    assert f'value="{org["b"].pk}"' not in html
    assert f'value="{org["bertil"].pk}"' not in html


def test_the_widget_shows_names_never_usernames_and_is_labelled(org):
    alma = org["alma"]
    alma.username = "am-login-xyz"
    alma.save(update_fields=["username"])
    form = ChoiceForm(initial={"people": [alma], "units": []}, scope=CITY)
    people = str(form["people"])
    assert "Alma Ahlström (E-alma, Enhet Alfa ett)" in people
    assert "am-login-xyz" not in people
    assert 'aria-label="Add people: People"' in people
    assert 'id="id_people"' in people  # the button the <label> points at
    assert 'aria-describedby="id_people_helptext"' in people
    assert 'aria-label="People"' in people  # the list
    assert reverse("person_chooser:choose") + "?own=1" in people
    units = str(form["units"])
    assert "No unit is chosen." in units
    assert reverse("unit_chooser:choose") + '"' in units  # not "own"
    media = str(form.media)
    assert "organisation/js/multiple-chooser.js" in media
    assert "wagtailadmin/js/chooser-modal.js" in media
    assert "organisation/css/multiple-chooser.css" in media


def test_what_an_edit_keeps_stays_choosable(org):
    """A unit closed since it was chosen: still shown and accepted on the
    edit that keeps it, and refused to anyone adding it anew."""
    closed = make_unit(
        "FA2", name="Enhet Alfa två", parent=OrgUnit.objects.get(pk=org["a"].pk)
    )
    OrgUnit.objects.filter(pk=closed.pk).update(active=False)
    scope = scope_of(org["coord_a"])
    kept = _form({"units": [closed.pk]}, scope=scope, keep=[closed.pk])
    assert kept.is_valid(), kept.errors
    assert "Enhet Alfa två (Förvaltning Alfa)" in str(kept["units"])
    assert "units" in _form({"units": [closed.pk]}, scope=scope).errors


def test_showing_the_list_is_one_query_whatever_the_number(
    org, django_assert_num_queries
):
    few = [org["a"], org["a1"]]
    many = few + [
        make_unit(
            f"U{n}", name=f"Enhet {n}", parent=OrgUnit.objects.get(pk=org["a"].pk)
        )
        for n in range(20)
    ]
    for units in (few, many):
        form = ChoiceForm(initial={"units": units}, scope=CITY)
        with django_assert_num_queries(1):
            html = str(form["units"])
        assert html.count("data-multiple-chooser-item>") == len(units) + 1  # + template


def test_a_person_made_by_hand_only_for_the_city(org):
    robot = UserFactory(username="robot", first_name="Rob", last_name="Ot")
    assert _form({"people": [robot.pk]}, scope=CITY).is_valid()
    assert (
        "people" in _form({"people": [robot.pk]}, scope=scope_of(org["coord_a"])).errors
    )
