"""The reports' admin tools scoped like the reports themselves: goals (a
local coordinator of A lists, sets and reaches only A's goals, none of B's
and none for the whole city), and the two settings for the whole city (what
managers may see, the reminder policy), which only central HR changes. An
HR author without the permission is refused each."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from organisation.models import OrgUnit
from reports.models import ReportGoal
from tests.helpers import admin_refused as refused
from tests.helpers import make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db, course):
    return make_two_administrations()


def _goal(course, unit, percent):
    return ReportGoal.objects.create(
        course=course,
        unit=unit,
        target_percent=percent,
        deadline=timezone.localdate() + timedelta(days=90),
    )


def _post(course, code, percent="80"):
    return {
        "course": course.pk,
        # Chosen with the unit chooser: its id ("": none, the whole city).
        "unit": OrgUnit.objects.get(hr_code=code).pk if code else "",
        "target_percent": percent,
        "deadline": (timezone.localdate() + timedelta(days=60)).isoformat(),
    }


def test_a_coordinator_lists_and_reaches_only_their_administrations_goals(
    client, org, course
):
    theirs = _goal(course, org["a1"], 71)
    other = _goal(course, org["b"], 72)
    city = _goal(course, None, 73)
    client.force_login(org["coord_a"])
    html = client.get(reverse("report_goals:index")).content.decode()
    assert "Enhet Alfa ett" in html
    assert "Förvaltning Beta" not in html and "the whole city" not in html
    for goal in (other, city):
        for name in ("edit", "delete"):
            url = reverse(f"report_goals:{name}", args=[goal.pk])
            assert client.get(url).status_code == 404, (goal, name)
        url = reverse("report_goals:edit", args=[goal.pk])
        assert client.post(url, _post(course, "FA", "10")).status_code == 404
    assert (
        client.post(reverse("report_goals:delete", args=[other.pk])).status_code == 404
    )
    assert sorted(ReportGoal.objects.values_list("target_percent", flat=True)) == [
        71,
        72,
        73,
    ]
    url = reverse("report_goals:edit", args=[theirs.pk])
    assert client.get(url).status_code == 200

    client.force_login(org["coord_b"])
    html = client.get(reverse("report_goals:index")).content.decode()
    assert "Förvaltning Beta" in html and "Enhet Alfa ett" not in html
    client.force_login(org["central"])
    html = client.get(reverse("report_goals:index")).content.decode()
    assert "Förvaltning Beta" in html and "Enhet Alfa ett" in html


def test_a_coordinator_sets_goals_only_within_their_administration(client, org, course):
    client.force_login(org["coord_a"])
    response = client.post(reverse("report_goals:add"), _post(course, "FB"))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert "in your part of the organisation" in response.content.decode()
    response = client.post(reverse("report_goals:add"), _post(course, ""))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert "Only central HR" in response.content.decode()
    assert not ReportGoal.objects.exists()
    response = client.post(reverse("report_goals:add"), _post(course, "FA1"))
    assert response.status_code == 302
    assert ReportGoal.objects.get().unit == org["a1"]

    client.force_login(org["central"])
    assert (
        client.post(reverse("report_goals:add"), _post(course, "")).status_code == 302
    )
    assert ReportGoal.objects.filter(unit__isnull=True).exists()


def test_an_hr_author_without_the_permission_is_refused_goals(client, org, course):
    goal = _goal(course, org["a1"], 71)
    client.force_login(org["author"])
    for url in (
        reverse("report_goals:index"),
        reverse("report_goals:add"),
        reverse("report_goals:edit", args=[goal.pk]),
    ):
        assert refused(client.get(url)), url
    assert refused(client.post(reverse("report_goals:add"), _post(course, "FA1")))
    assert ReportGoal.objects.count() == 1


def test_the_goal_listing_reads_a_fixed_number_of_queries(
    client, org, course, catalogue, django_assert_max_num_queries
):
    _goal(course, org["a1"], 71)
    client.force_login(org["coord_a"])
    client.get(reverse("report_goals:index"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("report_goals:index"))
    for percent in range(50, 58):
        _goal(course, org["a"], percent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("report_goals:index")).content.decode()
    assert "Förvaltning Alfa" in html


@pytest.mark.parametrize(
    "app, model", [("reports", "reportsettings"), ("reminders", "reminderpolicy")]
)
def test_the_city_wide_settings_are_central_hrs_only(client, org, app, model):
    setting = apps.get_model(app, model).load()
    url = reverse("wagtailsettings:edit", args=[app, model, setting.pk])
    for user in (org["coord_a"], org["author"]):
        client.force_login(user)
        assert refused(client.get(url)), user
        menu = reverse("wagtailsettings:edit", args=[app, model])
        assert menu not in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(org["central"])
    assert client.get(url).status_code == 200
    menu = reverse("wagtailsettings:edit", args=[app, model])
    assert menu in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_goal_form_tells_a_coordinator_before_sending_that_a_unit_is_needed(
    client, org, course
):
    client.force_login(org["coord_a"])
    response = client.get(reverse("report_goals:add"))
    unit = response.context["form"].fields["unit"]
    html = response.content.decode()
    assert unit.required
    assert "A unit of your administration." in html
    assert "No unit chosen: the whole city." not in html

    client.force_login(org["central"])
    response = client.get(reverse("report_goals:add"))
    assert not response.context["form"].fields["unit"].required
    assert "No unit chosen: the whole city." in response.content.decode()


def test_the_admin_menu_leads_to_the_reports_for_whoever_has_someone_in_scope(
    client, org
):
    reports = reverse("reports:reports")
    for who in ("coord_a", "central"):
        client.force_login(org[who])
        assert reports in client.get(reverse("wagtailadmin_home")).content.decode()
    # An HR author with nobody in scope has no reports to go to.
    client.force_login(org["author"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reports not in html
    assert client.get(reports).status_code in (403, 404)
