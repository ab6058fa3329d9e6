"""Required training and My team in a real browser, in Swedish.

A learner sees what they must complete, when, and why; creates their calendar
address and the feed answers on it. Their manager finds them through "My
team" and opens their record. axe-core checks My learning (with required
training), the calendar page, My team and the person page against WCAG 2.1
A and AA, on a desktop screen and on a phone's width.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from assignments.actions.evaluation import evaluate_course
from assignments.models import Exemption
from organisation.models import OrgUnit
from tests.browser.helpers import PHONE, assert_no_axe_violations, log_in, path_of
from tests.factories import PASSWORD, make_course, make_rule, make_staff, make_unit

pytestmark = [
    pytest.mark.browser,
    # The live server needs a transactional database; serialized_rollback
    # restores what the migrations created for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def staff(username, first_name, last_name, **fields):
    user = make_staff(username, **fields)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def swedish_date(day):
    with translation.override("sv"):
        return date_format(day, "j F Y")


@pytest.fixture
def team(catalogue):
    """A head of "Vård och omsorg" with Anna and Bertil in "Hemtjänst"; two
    courses for the whole administration, one of them overdue, and an
    exemption for Bertil."""
    chef = staff("chef", "Cecilia", "Chef")
    care = make_unit("VO", "Vård och omsorg", head=chef)
    home_care = make_unit("HT", "Hemtjänst", parent=OrgUnit.objects.get(pk=care.pk))
    anna = staff(
        "anna", "Anna", "Andersson", unit=home_care, job_title="Undersköterska"
    )
    bertil = staff("bertil", "Bertil", "Berg", unit=home_care)
    fire = make_course(catalogue, lessons=1, title="Brandskydd")
    hygiene = make_course(catalogue, lessons=1, title="Basala hygienrutiner")
    make_rule(fire, name="Alla i vården", units=[care], active=True, due_days=30)
    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        make_rule(
            hygiene, name="Hygien i vården", units=[care], active=True, due_days=20
        )
    Exemption.objects.create(person=bertil, course=fire, reason="Brandutbildad")
    evaluate_course(fire.pk)
    today = timezone.localdate()
    return {
        "chef": chef,
        "anna": anna,
        "home_care": home_care,
        "fire_due": today + timedelta(days=30),
        "hygiene_due": today - timedelta(days=40),
    }


def test_learner_sees_required_training_with_due_date_and_why(new_page, team):
    page = new_page()
    log_in(page, "anna", PASSWORD, next_path="/learning/")
    assert path_of(page) == "/learning/"

    required = page.locator("section", has=page.locator("#required-heading"))
    expect(required.locator("h2")).to_have_text("Obligatorisk utbildning")
    cards = required.locator("li.card")
    expect(cards).to_have_count(2)
    # Soonest due first: the overdue one, marked in words.
    overdue = cards.nth(0)
    expect(overdue.locator("h3")).to_have_text("Basala hygienrutiner")
    expect(overdue).to_contain_text("Försenad")
    expect(overdue.locator("time").first).to_have_text(
        swedish_date(team["hygiene_due"])
    )
    later = cards.nth(1)
    expect(later.locator("h3")).to_have_text("Brandskydd")
    expect(later).not_to_contain_text("Försenad")
    due = later.locator(f"time[datetime='{team['fire_due'].isoformat()}']")
    expect(due).to_have_text(swedish_date(team["fire_due"]))

    # Why: closed at first, opened by its summary.
    why = later.locator("details")
    reason = "Regeln ”Alla i vården”: din enhet Hemtjänst hör till Vård och omsorg"
    expect(why.get_by_text(reason)).to_be_hidden()
    why.locator("summary").click()
    expect(why.get_by_text(reason)).to_be_visible()
    assert_no_axe_violations(page, "My learning with required training")

    # The calendar: create the address; the feed answers on it.
    page.get_by_role("link", name="Få dina sista datum i din kalender").click()
    page.get_by_role("button", name="Skapa min kalenderadress").click()
    address = page.get_by_label("Din kalenderadress").input_value()
    assert "/kalender/" in address and address.endswith(".ics")
    assert_no_axe_violations(page, "the calendar page")
    # The address is on SITE_URL; fetch the same path from the live server in
    # a fresh context, without a session, as a calendar does.
    token_path = "/kalender/" + address.split("/kalender/", 1)[1]
    feed = new_page().request.get(token_path)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    body = feed.text()
    assert "SUMMARY:Sista datum: Brandskydd" in body
    assert f"DTSTART;VALUE=DATE:{team['fire_due']:%Y%m%d}" in body

    phone = new_page(device=PHONE)
    log_in(phone, "anna", PASSWORD, next_path="/learning/")
    assert_no_axe_violations(phone, "My learning with required training (phone)")


def test_manager_follows_up_the_team_and_one_person(new_page, team):
    page = new_page()
    log_in(page, "chef", PASSWORD, next_path="/learning/")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Mina medarbetare"
    ).click()
    assert path_of(page) == "/learning/team/"
    expect(page.locator("h1")).to_have_text("Mina medarbetare")

    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    anna = rows.filter(has_text="Anna Andersson")
    # Not started, in progress, overdue, completed, exempt (as Reports counts).
    cells = anna.locator("td.num")
    expect(cells).to_have_text(["1", "0", "1", "0", "0"])
    bertil = rows.filter(has_text="Bertil Berg").locator("td.num")
    expect(bertil).to_have_text(["0", "0", "1", "0", "1"])
    assert_no_axe_violations(page, "My team")

    # Only people with overdue training, in one of the manager's units.
    page.get_by_label("Enhet (med underliggande enheter)").select_option(
        str(team["home_care"].pk)
    )
    page.get_by_label("Bara personer med försenad utbildning").check()
    page.get_by_role("button", name="Visa", exact=True).click()
    expect(rows).to_have_count(2)
    assert "forsenade=1" in page.url

    page.get_by_role("link", name="Anna Andersson").click()
    assert path_of(page) == f"/learning/team/{team['anna'].staff_profile.pk}/"
    expect(page.locator("h1")).to_have_text("Anna Andersson")
    table = page.locator("table tbody tr")
    expect(table).to_have_count(2)
    expect(table.nth(0)).to_contain_text("Basala hygienrutiner")
    expect(table.nth(0)).to_contain_text("Försenad")
    expect(table.nth(1)).to_contain_text("Inte påbörjad")
    assert_no_axe_violations(page, "a person in My team")

    phone = new_page(device=PHONE)
    log_in(phone, "chef", PASSWORD, next_path="/learning/team/")
    assert_no_axe_violations(phone, "My team (phone)")
    phone.goto(f"/learning/team/{team['anna'].staff_profile.pk}/")
    assert_no_axe_violations(phone, "a person in My team (phone)")


def test_a_learner_gets_no_team_link_and_no_team(new_page, team):
    page = new_page()
    log_in(page, "anna", PASSWORD, next_path="/learning/")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link", name="Mina medarbetare")).to_have_count(0)
    response = page.goto("/learning/team/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Mina medarbetare")
    expect(page.locator("main")).to_contain_text("Du har ingen att följa upp här.")
