"""The assignment-rule pages in the Wagtail admin: draft, preview, activate,
edit with a preview of its effect, deactivate; exemptions; retakes. Each is
tried from the wrong side: anonymous, a learner, an editor without the
permission, a manager given the permission by mistake, a coordinator of
another administration."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

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


def rule_post(the_course, **overrides):
    data = {
        "name": "Alla i vården",
        "course": the_course.pk,
        "subtree_codes": "VO",
        "only_codes": "",
        "job_titles_text": "",
        "people_text": "",
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
        ({"subtree_codes": "VO\nNOPE"}, "subtree_codes", "Unknown HR codes: NOPE."),
        ({"subtree_codes": ""}, "everyone", "Choose who the rule is for"),
        ({"people_text": "E-nobody"}, "people_text", "Unknown employee numbers"),
        ({"due_kind": "fixed", "due_days": ""}, "due_date", "Give the due date."),
        ({"due_days": ""}, "due_days", "Give the number of days."),
        ({"due_kind": "fixed", "due_date": "31/12"}, "due_date", "YYYY-MM-DD"),
        ({"recurrence": "keep_valid"}, "recurrence", "does not expire"),
        ({"course": "999999"}, "course", "Choose a published course."),
        ({"everyone": "on"}, "subtree_codes", "cannot also be limited to units"),
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
    data = rule_post(course, subtree_codes="SK", due_days="60")
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

    refused = client.post(reverse("assignment_rule_add"), rule_post(course))
    assert refused.status_code == 400
    assert "Outside Skola" in str(refused.context["form"].errors["subtree_codes"])
    refused = client.post(
        reverse("assignment_rule_add"),
        rule_post(course, subtree_codes="", people_text="E-care1"),
    )
    assert "Outside Skola" in str(refused.context["form"].errors["people_text"])

    # "All staff" from a coordinator is all staff of their administration.
    client.post(
        reverse("assignment_rule_add"),
        rule_post(course, name="Skolans regel", subtree_codes="", everyone="on"),
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
