"""One scope, asked by every surface: for the same viewer and person, My team,
its person page, the people list, the person's report page, both exports and
remind-now all agree on whether the person is in scope.

The organisation (S is the city):

    S ─ A ─ U ─ U1          head: heads U, and is px's line manager
        │   └ X             head_x: heads X
        └ B ─ D             delegate: D delegated to them today
            ├ Y             line_manager: py's line manager, heads nothing
            └ Z             coordinator: coordinates A; central: central HR

Every person has an open assignment. A direct report in another unit (px,
py) is in their line manager's people lists and person pages; their unit is
not in the manager's overview (it holds other people too).
"""

from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from assignments.models import Assignment
from notifications.models import Notification
from organisation.models import OrgUnit, UnitDelegation
from tests.factories import make_course, make_staff, make_unit

pytestmark = pytest.mark.django_db

PEOPLE = ("pu", "pu1", "px", "py", "pd", "pz")
SEES = {
    "head": {"pu", "pu1", "px"},
    "head_x": {"px"},
    "line_manager": {"py"},
    "delegate": {"pd"},
    "coordinator": {"pu", "pu1", "px"},
    "central": set(PEOPLE),
}


def _unit(code, parent=None, head=None):
    parent = OrgUnit.objects.get(pk=parent.pk) if parent else None
    return make_unit(code, parent=parent, head=head)


@pytest.fixture
def org(catalogue):
    viewers = {
        name: make_staff(name)
        for name in ("head", "head_x", "line_manager", "delegate", "central")
    }
    city = _unit("S")
    a = _unit("A", city)
    u = _unit("U", a, head=viewers["head"])
    u1 = _unit("U1", u)
    x = _unit("X", a, head=viewers["head_x"])
    b = _unit("B", city)
    d, y, z = _unit("D", b), _unit("Y", b), _unit("Z", b)
    viewers["coordinator"] = make_staff(
        "coordinator", hr_role="coordinator", coordinator_of=a
    )
    viewers["central"].staff_profile.hr_role = "central"
    viewers["central"].staff_profile.save()
    today = timezone.localdate()
    UnitDelegation.objects.create(
        unit=d, delegate=viewers["delegate"], valid_from=today, valid_until=today
    )
    homes = {"pu": u, "pu1": u1, "px": x, "py": y, "pd": d, "pz": z}
    managers = {"px": viewers["head"], "py": viewers["line_manager"]}
    course = make_course(catalogue, lessons=1, title="Brandskydd")
    people = {}
    for name, unit in homes.items():
        person = make_staff(name, unit=unit, line_manager=managers.get(name))
        people[name] = person.staff_profile
        Assignment.objects.create(
            person=person,
            course=course,
            course_title=course.title,
            assigned_on=today - timedelta(days=40),
            due_date=today - timedelta(days=1),  # overdue: remind-now has work
        )
    return {"viewers": viewers, "people": people, "units": homes}


def _numbers_in_xlsx(content):
    sheet = load_workbook(BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Anställningsnummer")
    return {row[column] for row in rows[1:]}


def _seen_by(client, people):
    """For each person: in scope on each surface?"""
    team = client.get("/learning/team/").content.decode()
    listing = client.get("/learning/reports/people/").content.decode()
    csv = b"".join(
        client.get("/learning/reports/people/", {"format": "csv"}).streaming_content
    ).decode("utf-8-sig")
    xlsx = _numbers_in_xlsx(
        b"".join(client.get("/learning/reports/people/", {"format": "xlsx"}))
    )
    seen = {}
    for name, profile in people.items():
        number = profile.employee_number
        before = Notification.objects.filter(recipient=profile.user).count()
        remind = client.post(f"/learning/team/{profile.pk}/remind/")
        seen[name] = {
            "team": f'href="/learning/team/{profile.pk}/"' in team,
            "team person": client.get(f"/learning/team/{profile.pk}/").status_code
            == 200,
            "people list": f">{number}<" in listing,
            "person page": client.get(
                f"/learning/reports/people/{profile.pk}/"
            ).status_code
            == 200,
            "CSV": f"\n{number};" in csv,
            "XLSX": number in xlsx,
            "remind now": remind.status_code == 302
            and Notification.objects.filter(recipient=profile.user).count()
            == before + 1,
        }
        # Out of scope is a 404 on every page that names the person.
        if not seen[name]["team person"]:
            assert remind.status_code == 404, (name, remind.status_code)
    return seen


@pytest.mark.parametrize("viewer", list(SEES))
def test_every_surface_agrees_on_who_is_in_scope(org, viewer, settings):
    settings.LANGUAGE_CODE = "sv"
    client = Client()
    client.force_login(org["viewers"][viewer])
    seen = _seen_by(client, org["people"])
    for name, surfaces in seen.items():
        expected = name in SEES[viewer]
        assert surfaces == dict.fromkeys(surfaces, expected), (viewer, name, surfaces)


def test_a_direct_reports_unit_is_not_in_the_managers_overview(org):
    """px reports to the head of U but sits in X: px is on the head's people
    list (above), X's report page is not the head's to see."""
    client = Client()
    client.force_login(org["viewers"]["head"])
    overview = client.get("/learning/reports/").content.decode()
    x = org["units"]["px"]
    assert f"/learning/reports/units/{x.pk}/" not in overview
    assert client.get(f"/learning/reports/units/{x.pk}/").status_code == 404
    assert client.get(f"/learning/reports/units/{x.pk}/people/").status_code == 404
    # Their own unit is theirs.
    u = org["units"]["pu"]
    assert client.get(f"/learning/reports/units/{u.pk}/").status_code == 200
