"""The assignment-rule pages in the Wagtail admin: draft, preview, activate,
edit with a preview of its effect, deactivate; exemptions; retakes. Each is
tried from the wrong side: anonymous, a learner, an editor without the
permission, a manager given the permission by mistake, a coordinator of
another administration. The rule's units and named people are chosen with
the unit and person choosers: the form posts their ids."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from assignments.models import Assignment, AssignmentRule, Exemption
from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from tests.factories import UserFactory, make_course, make_rule, make_staff, make_unit
from tests.helpers import in_english

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Lazy messages are read outside the request: in English, as asserted."""
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    care = make_unit("VO", name="Vård och omsorg")
    home = make_unit("VO1", name="Hemtjänst", parent=care)
    school = make_unit("SK", name="Skola")
    units = {u.hr_code: u for u in OrgUnit.objects.all()}
    people = [
        make_staff("care1", unit=units["VO1"], job_title="Undersköterska"),
        make_staff("care2", unit=units["VO1"], job_title="Sjuksköterska"),
        make_staff("school1", unit=units["SK"], job_title="Lärare"),
    ]
    assert home and school
    return {**units, "people": people}


def _hr_user(username, **profile):
    user = UserFactory(username=username)
    user.groups.add(ensure_hr_admin_group())
    if profile:
        StaffProfile.objects.create(
            user=user, employee_number=f"E-{username}", **profile
        )
    return in_english(user)


@pytest.fixture
def hr(db, org):
    return _hr_user("central", hr_role="central")


@pytest.fixture
def coordinator(db, org):
    return _hr_user(
        "coord", hr_role="coordinator", coordinator_of=org["SK"], unit=org["SK"]
    )


def unit_ids(*codes):
    """The ids the unit chooser posts for these units."""
    return [OrgUnit.objects.get(hr_code=code).pk for code in codes]


def person_ids(*numbers):
    """The ids the person chooser posts for the people with these numbers."""
    return [StaffProfile.objects.get(employee_number=n).user_id for n in numbers]


def rule_post(the_course, **overrides):
    data = {
        "name": "Alla i vården",
        "course": the_course.pk,
        "units_with_subtree": unit_ids("VO"),
        "units_only": [],
        "job_titles_text": "",
        "people": [],
        "new_starters_from": "",
        "due_kind": "after_assignment",
        "due_date": "",
        "due_days": "30",
        "grace_days": "14",
        "recurrence": "none",
        "renew_days_before": "30",
    }
    data.update(overrides)
    return data


def test_hr_drafts_previews_and_activates_a_rule(client, hr, course, org):
    client.force_login(hr)
    response = client.post(reverse("assignment_rule_add"), rule_post(course))
    rule = AssignmentRule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assignment_rule_preview", args=[rule.pk])
    assert not rule.active and not Assignment.objects.exists()
    assert list(rule.units_with_subtree.values_list("hr_code", flat=True)) == ["VO"]

    preview = client.get(reverse("assignment_rule_preview", args=[rule.pk]))
    html = preview.content.decode()
    assert 'data-count="gains">2<' in html
    previewed = {
        preview.context["sections"][0]["rows"][i]["change"].person_id for i in range(2)
    }
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert due in html and "Hemtjänst (within Vård och omsorg)" in html

    response = client.post(reverse("assignment_rule_activate", args=[rule.pk]))
    assert response.status_code == 302
    created = set(Assignment.objects.values_list("person_id", flat=True))
    assert created == previewed == {p.pk for p in org["people"][:2]}
    audit = AuditEvent.objects.filter(action=AuditEvent.Action.RULE_CHANGE)
    assert [e.details["change"] for e in audit.order_by("pk")] == ["create", "activate"]


def test_preview_csv_lists_everyone(client, hr, course, org):
    rule = make_rule(course, units=[org["VO"], org["SK"]])
    client.force_login(hr)
    response = client.get(
        reverse("assignment_rule_preview", args=[rule.pk]) + "?format=csv"
    )
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert sorted(line.split(";")[1] for line in body.splitlines()[1:]) == [
        "E-care1",
        "E-care2",
        "E-school1",
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"units_with_subtree": ["999999"]},
            "units_with_subtree",
            "A chosen unit is not in your part of the organisation",
        ),
        ({"units_with_subtree": []}, "everyone", "Choose who the rule is for"),
        (
            {"people": ["999999"]},
            "people",
            "A chosen person is not in your part of the organisation",
        ),
        ({"due_kind": "fixed", "due_days": ""}, "due_date", "Give the due date."),
        ({"due_days": ""}, "due_days", "Give the number of days."),
        ({"due_kind": "fixed", "due_date": "31/12"}, "due_date", "YYYY-MM-DD"),
        ({"recurrence": "keep_valid"}, "recurrence", "does not expire"),
        ({"course": "999999"}, "course", "Choose a published course."),
        ({"everyone": "on"}, "units_with_subtree", "cannot also be limited to units"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(
    client, hr, course, org, overrides, field, message
):
    client.force_login(hr)
    response = client.post(
        reverse("assignment_rule_add"), rule_post(course, **overrides)
    )
    assert response.status_code == 400
    # The request left Swedish active (LocaleMiddleware); read lazy ones in English.
    with translation.override("en"):
        errors = {
            k: [str(m) for m in v] for k, v in response.context["form"].errors.items()
        }
    assert message in " ".join(errors.get(field, [])), errors
    assert 'id="error-summary"' in response.content.decode()  # linked to the field
    assert not AssignmentRule.objects.exists()
    # Signing in is audited too; nothing else may be.
    assert not AuditEvent.objects.exclude(action="sign_in").exists()


def test_editing_an_active_rule_shows_its_effect_first(client, hr, course, org):
    rule = make_rule(course, units=[org["VO"]], active=True)
    client.force_login(hr)
    url = reverse("assignment_rule_edit", args=[rule.pk])
    data = rule_post(course, units_with_subtree=unit_ids("SK"), due_days="60")
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["mode"] == "confirm_edit"
    counts = response.context["counts"]
    assert (counts["assign"], counts["withdraw"]) == (1, 2)
    assert Assignment.objects.filter(state="open").count() == 2  # nothing yet
    rule.refresh_from_db()
    assert list(rule.units_with_subtree.values_list("hr_code", flat=True)) == ["VO"]

    hidden = dict(response.context["hidden"])
    response = client.post(url, {**hidden, "confirmed": "yes"})
    assert response.status_code == 302
    states = dict(Assignment.objects.values_list("person__username", "state"))
    assert states == {"care1": "withdrawn", "care2": "withdrawn", "school1": "open"}


def test_deactivating_shows_who_loses_it_then_withdraws(client, hr, course, org):
    rule = make_rule(course, units=[org["VO"]], active=True)
    client.force_login(hr)
    url = reverse("assignment_rule_deactivate", args=[rule.pk])
    page = client.get(url)
    assert page.context["counts"]["withdraw"] == 2
    assert Assignment.objects.filter(state="open").count() == 2
    client.post(url)
    assert Assignment.objects.filter(state="withdrawn").count() == 2
    rule.refresh_from_db()
    assert not rule.active


def test_an_active_rule_cannot_be_deleted(client, hr, course, org):
    rule = make_rule(course, units=[org["VO"]], active=True)
    client.force_login(hr)
    client.post(reverse("assignment_rule_delete", args=[rule.pk]))
    assert AssignmentRule.objects.filter(pk=rule.pk).exists()
    AssignmentRule.objects.filter(pk=rule.pk).update(active=False)
    client.post(reverse("assignment_rule_delete", args=[rule.pk]))
    assert not AssignmentRule.objects.filter(pk=rule.pk).exists()
    # History stays: the assignments keep their reasons.
    assert Assignment.objects.count() == 2


# --- Units and people, chosen with the choosers ------------------------------------


def test_units_and_people_chosen_are_saved_and_shown_by_name(client, hr, course, org):
    client.force_login(hr)
    school1 = org["people"][2]
    response = client.post(
        reverse("assignment_rule_add"),
        rule_post(
            course,
            units_with_subtree=unit_ids("VO"),
            units_only=unit_ids("SK"),
            people=[school1.pk],
        ),
    )
    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert list(rule.units_with_subtree.all()) == [org["VO"]]
    assert list(rule.units_only.all()) == [org["SK"]]
    assert list(rule.people.all()) == [school1]
    audit = AuditEvent.objects.get(action=AuditEvent.Action.RULE_CHANGE)
    assert {"units_with_subtree", "units_only", "people"} <= set(
        audit.details["fields"]
    )

    html = client.get(reverse("assignment_rule_edit", args=[rule.pk])).content.decode()
    name = school1.get_full_name()
    assert f">{name} (E-school1, Skola)<" in html
    assert ">Vård och omsorg<" in html and ">Skola<" in html
    for field, pk in (
        ("units_with_subtree", org["VO"].pk),
        ("units_only", org["SK"].pk),
        ("people", school1.pk),
    ):
        assert f'<input type="hidden" name="{field}" value="{pk}">' in html
    # Names, never the HR codes or usernames the old text fields took.
    assert ">VO<" not in html and "school1<" not in html
    assert reverse("unit_chooser:choose") + "?own=1" in html
    assert "organisation/js/multiple-chooser.js" in html


def test_the_preview_of_an_active_rules_change_keeps_every_choice(
    client, hr, course, org
):
    """Several ids per field survive the confirmation step (hidden inputs)."""
    rule = make_rule(course, units=[org["VO"]], active=True)
    client.force_login(hr)
    url = reverse("assignment_rule_edit", args=[rule.pk])
    data = rule_post(
        course,
        units_with_subtree=unit_ids("VO1", "SK"),
        people=person_ids("E-care2"),
    )
    response = client.post(url, data)
    assert response.context["mode"] == "confirm_edit"
    hidden = response.context["hidden"]
    assert {v for k, v in hidden if k == "units_with_subtree"} == {
        str(pk) for pk in unit_ids("VO1", "SK")
    }
    html = response.content.decode()
    assert html.count('name="units_with_subtree"') == 2
    fields = {}
    for key, value in hidden:
        fields.setdefault(key, []).append(value)
    response = client.post(url, {**fields, "confirmed": "yes"})
    assert response.status_code == 302
    assert set(rule.units_with_subtree.all()) == {org["VO1"], org["SK"]}
    assert list(rule.people.all()) == [org["people"][1]]
    states = dict(Assignment.objects.values_list("person__username", "state"))
    assert states == {"care1": "open", "care2": "open", "school1": "open"}


@pytest.mark.parametrize(
    "value", ["abc", "", "-1", "1.5", "9" * 19, "1" * 40, "0x10", "1; DROP TABLE"]
)
@pytest.mark.parametrize("field", ["units_with_subtree", "units_only", "people"])
def test_a_malformed_id_is_a_form_error_never_a_500(
    client, hr, course, org, field, value
):
    client.force_login(hr)
    response = client.post(
        reverse("assignment_rule_add"), rule_post(course, **{field: [value]})
    )
    assert response.status_code == 400
    # Read in English: the request leaves its own language active.
    with translation.override("en"):
        message = str(response.context["form"].errors[field])
    assert "was taken off the list. Check the list and save again." in message
    assert not AssignmentRule.objects.exists()


def test_too_many_ids_are_refused(client, hr, course, org):
    client.force_login(hr)
    ids = [str(n) for n in range(1, 502)]
    response = client.post(
        reverse("assignment_rule_add"), rule_post(course, people=ids)
    )
    assert response.status_code == 400
    with translation.override("en"):
        message = str(response.context["form"].errors["people"])
    assert "Choose at most 500 people." in message
    assert not AssignmentRule.objects.exists()


def test_another_administrations_coordinator_forges_ids_and_saves_nothing(
    client, coordinator, course, org
):
    """Skola's coordinator posts Vård och omsorg's unit (as a sub-unit rule,
    as a unit only) and one of its people, beside a choice of their own."""
    client.force_login(coordinator)
    school1, care1 = org["people"][2], org["people"][0]
    for field, forged in (
        ("units_with_subtree", unit_ids("SK", "VO1")),
        ("units_only", unit_ids("VO")),
        ("people", [school1.pk, care1.pk]),
    ):
        response = client.post(
            reverse("assignment_rule_add"),
            rule_post(course, **{"units_with_subtree": unit_ids("SK"), field: forged}),
        )
        assert response.status_code == 400, field
        message = str(response.context["form"].errors[field])
        assert "not in Skola, which you assign for" in message
        html = response.content.decode()
        for secret in ("Vård och omsorg", "Hemtjänst", care1.get_full_name(), "care1"):
            assert secret not in html, (field, secret)
        # What the coordinator may choose is still in the list.
        if field == "people":
            assert f'name="people" value="{school1.pk}"' in html
    assert not AssignmentRule.objects.exists()


def test_an_edit_keeps_what_the_rule_names_even_if_it_changed_since(
    client, coordinator, course, org
):
    """A unit closed and a person who left after the rule named them: the
    edit page still shows them by name, and saving unchanged keeps them."""
    leaver = org["people"][2]  # school1
    rule = make_rule(course, units=[org["SK"]], people=[leaver], scope_unit=org["SK"])
    OrgUnit.objects.filter(pk=org["SK"].pk).update(active=False)
    type(leaver).objects.filter(pk=leaver.pk).update(is_active=False)
    client.force_login(coordinator)
    url = reverse("assignment_rule_edit", args=[rule.pk])
    html = client.get(url).content.decode()
    assert (
        ">Skola<" in html and f">{leaver.get_full_name()} (E-school1, Skola)<" in html
    )
    response = client.post(
        url, rule_post(course, units_with_subtree=unit_ids("SK"), people=[leaver.pk])
    )
    assert response.status_code == 302, response.context["form"].errors
    assert list(rule.units_with_subtree.all()) == [org["SK"]]
    assert list(rule.people.all()) == [leaver]
    # Removed once, a closed unit cannot be chosen again.
    client.post(url, rule_post(course, units_with_subtree=[], everyone="on"))
    response = client.post(url, rule_post(course, units_with_subtree=unit_ids("SK")))
    assert response.status_code == 400


def test_the_edit_page_reads_the_same_queries_for_few_or_many_chosen(
    client, hr, course, org
):
    few = make_rule(
        course,
        units=[org["VO"]],
        units_only=[org["SK"]],
        people=org["people"][:1],
        name="Få",
    )
    units = [
        make_unit(
            f"U{n}", name=f"Enhet {n}", parent=OrgUnit.objects.get(pk=org["VO"].pk)
        )
        for n in range(15)
    ]
    people = [make_staff(f"many{n}", unit=org["VO1"]) for n in range(15)]
    many = make_rule(
        course, units=units, units_only=units[:5], people=people, name="Många"
    )
    client.force_login(hr)
    client.get(reverse("assignment_rule_edit", args=[few.pk]))  # warm
    counts = []
    for rule in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("assignment_rule_edit", args=[rule.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    html = response.content.decode()
    assert len(re.findall(r'name="people" value="\d+"', html)) == 15
    assert len(re.findall(r'name="units_with_subtree" value="\d+"', html)) == 15


# --- The wrong side -------------------------------------------------------------


def refused(response):
    """Wagtail's admin answers PermissionDenied with a redirect to its home
    page and a message; a plain view answers 403."""
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def _urls(rule):
    return [
        ("get", reverse("assignment_rules")),
        ("get", reverse("assignment_rule_add")),
        ("get", reverse("assignment_rule_edit", args=[rule.pk])),
        ("get", reverse("assignment_rule_preview", args=[rule.pk])),
        ("post", reverse("assignment_rule_activate", args=[rule.pk])),
        ("get", reverse("assignment_rule_deactivate", args=[rule.pk])),
        ("post", reverse("assignment_rule_delete", args=[rule.pk])),
        ("get", reverse("exemptions")),
        ("get", reverse("require_retake")),
    ]


def test_anonymous_and_learners_are_sent_away(client, course, org):
    rule = make_rule(course, units=[org["VO"]])
    for method, url in _urls(rule):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    client.force_login(org["people"][0])
    for method, url in _urls(rule):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 403), url
    assert not AssignmentRule.objects.get().active


def test_editor_without_permission_and_manager_with_it_by_mistake(client, course, org):
    rule = make_rule(course, units=[org["VO"]])
    editor = in_english(UserFactory(username="editor"))
    editor.groups.add(ensure_hr_author_group())
    manager = _hr_user("manager", unit=org["VO1"])  # HR group, but no HR role
    OrgUnit.objects.filter(pk=org["VO1"].pk).update(head=manager)
    for user in (editor, manager):
        client.force_login(user)
        for method, url in _urls(rule):
            response = getattr(client, method)(url)
            assert refused(response), (user, url)
    assert not AssignmentRule.objects.get().active
    assert not Assignment.objects.exists()


def test_coordinator_assigns_within_their_administration_only(
    client, coordinator, course, org
):
    city_rule = make_rule(course, units=[org["VO"]], name="Stadens regel")
    client.force_login(coordinator)
    index = client.get(reverse("assignment_rules"))
    assert "Stadens regel" not in index.content.decode()
    for name in ("assignment_rule_edit", "assignment_rule_preview"):
        assert client.get(reverse(name, args=[city_rule.pk])).status_code == 404
    assert (
        client.post(
            reverse("assignment_rule_activate", args=[city_rule.pk])
        ).status_code
        == 404
    )

    # Vård och omsorg's id, and a person of it, posted by hand: refused,
    # naming the coordinator's administration and nobody else.
    refused = client.post(reverse("assignment_rule_add"), rule_post(course))
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert "not in Skola, which you assign for" in str(errors["units_with_subtree"])
    assert "Vård och omsorg" not in refused.content.decode()
    care1 = org["people"][0]
    refused = client.post(
        reverse("assignment_rule_add"),
        rule_post(course, units_with_subtree=[], people=[care1.pk]),
    )
    assert "not in Skola, which you assign for" in str(
        refused.context["form"].errors["people"]
    )
    html = refused.content.decode()
    assert care1.get_full_name() not in html and "E-care1" not in html
    assert list(AssignmentRule.objects.all()) == [city_rule]  # nothing saved

    # "All staff" from a coordinator is all staff of their administration.
    client.post(
        reverse("assignment_rule_add"),
        rule_post(course, name="Skolans regel", units_with_subtree=[], everyone="on"),
    )
    rule = AssignmentRule.objects.get(name="Skolans regel")
    assert rule.scope_unit == org["SK"]
    client.post(reverse("assignment_rule_activate", args=[rule.pk]))
    assigned = set(Assignment.objects.values_list("person__username", flat=True))
    assert assigned == {"school1", "coord"}


# --- Exemptions and retakes -------------------------------------------------------


def _person(number):
    """The id the person chooser posts for the person with this number."""
    return StaffProfile.objects.get(employee_number=number).user_id


def test_exemption_through_the_admin(client, hr, course, org):
    make_rule(course, units=[org["VO"]], active=True)
    client.force_login(hr)
    until = (timezone.localdate() + timedelta(days=60)).isoformat()
    response = client.post(
        reverse("exemption_add"),
        {
            "person": _person("E-care1"),
            "course": course.pk,
            "reason": "Föräldraledig",
            "valid_until": until,
        },
    )
    assert response.status_code == 302
    state = Assignment.objects.get(person__username="care1").state
    assert state == Assignment.State.EXEMPT
    exemption = Exemption.objects.get()
    client.post(reverse("exemption_end", args=[exemption.pk]))
    assert not Exemption.objects.exists()
    assert Assignment.objects.get(person__username="care1").state == "open"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"person": "999999"}, "person"),
        ({"person": "E-care1"}, "person"),
        ({"reason": "  "}, "reason"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"valid_until": "snart"}, "valid_until"),
    ],
)
def test_bad_exemptions_save_nothing(client, hr, course, org, data, field):
    client.force_login(hr)
    post = {
        "person": _person("E-care1"),
        "course": course.pk,
        "reason": "Skäl",
        "valid_until": "",
        **data,
    }
    response = client.post(reverse("exemption_add"), post)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Exemption.objects.exists()


def test_coordinator_cannot_exempt_or_end_outside_their_scope(
    client, coordinator, course, org
):
    exemption = Exemption.objects.create(
        person=org["people"][0], course=course, reason="Annan förvaltning"
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("exemption_add"),
        {"person": _person("E-care2"), "course": course.pk, "reason": "x"},
    )
    assert response.status_code == 400
    assert "Annan förvaltning" not in client.get(reverse("exemptions")).content.decode()
    assert client.post(reverse("exemption_end", args=[exemption.pk])).status_code == 404
    assert Exemption.objects.count() == 1


def test_retake_is_previewed_then_applied_by_central_hr(
    client, hr, coordinator, course, org, lessons
):
    from learners import actions

    for lesson in lessons:
        actions.record_lesson_progress(org["people"][0], lesson, completed=True)
    client.force_login(coordinator)
    assert refused(client.get(reverse("require_retake")))
    client.force_login(hr)
    due = (timezone.localdate() + timedelta(days=45)).isoformat()
    data = {"course": course.pk, "due_date": due, "reason": "Ny lag"}
    preview = client.post(reverse("require_retake"), data)
    assert preview.context["holders"] == 1
    assert not Assignment.objects.exists()
    client.post(reverse("require_retake"), {**data, "confirmed": "yes"})
    row = Assignment.objects.get()
    assert (row.cycle, row.source, row.due_date) == (
        2,
        "retake",
        date.fromisoformat(due),
    )
    bad = client.post(reverse("require_retake"), {**data, "due_date": "igår"})
    assert bad.status_code == 400


def test_hr_admin_group_has_the_rule_permissions(db):
    group = ensure_hr_admin_group()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "add_assignmentrule",
        "change_assignmentrule",
        "require_retake",
    } <= codenames
    assert Permission.objects.filter(codename="require_retake").exists()


def test_new_course_not_offered_in_the_form_unless_published(
    client, hr, catalogue, org
):
    draft = make_course(catalogue, lessons=1, title="Utkast")
    draft.unpublish()
    client.force_login(hr)
    page = client.get(reverse("assignment_rule_add")).content.decode()
    assert "Utkast" not in page


# --- The form's fields say what they are -------------------------------------
# "due" and "due date" are both "sista datum" in Swedish; the days before
# expiry are asked for only for a rule that keeps a certificate valid.

LABEL = re.compile(r"<label[^>]*>\s*([^<*]+?)\s*(?:<|\*)")
LEGEND = re.compile(r"<legend[^>]*>\s*([^<*]+?)\s*(?:<|\*)")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_no_two_fields_of_the_rule_form_have_the_same_label(hr, language):
    # The admin speaks the person's own language.
    profile = UserProfile.get_for_user(hr)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(hr)
    page = client.get(reverse("assignment_rule_add")).content.decode()
    labels = [text for text in LABEL.findall(page) + LEGEND.findall(page) if text]
    main = page[page.index("<form") :]
    assert ("Fast sista datum" if language == "sv" else "Fixed due date") in main
    assert (
        "När kursen ska vara klar" if language == "sv" else "When it is due"
    ) in main
    duplicates = {text for text in labels if labels.count(text) > 1}
    assert not duplicates & {"Sista datum", "Due date", "sista datum", "due date"}


def test_a_rule_done_once_needs_no_days_before_expiry(client, hr, course, org):
    client.force_login(hr)
    response = client.post(
        reverse("assignment_rule_add"),
        rule_post(course, recurrence="none", renew_days_before=""),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AssignmentRule.objects.get()
    assert rule.renew_days_before == 30  # the default, unused for "once"


def test_a_rule_that_keeps_valid_must_say_when_the_next_round_opens(
    client, hr, course, org
):
    client.force_login(hr)
    response = client.post(
        reverse("assignment_rule_add"),
        rule_post(course, recurrence="keep_valid", renew_days_before=""),
    )
    assert response.status_code == 400
    assert (
        "Say how many days before the certificate expires the next round opens."
        in response.content.decode()
    )
    assert not AssignmentRule.objects.exists()
