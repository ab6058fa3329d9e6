"""The personal calendar feed: exactly the open required training's due dates
as all-day events; the secret address is the credential and can be replaced."""

from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from assignments.actions.calendar import create_calendar_feed, renew_calendar_feed
from assignments.actions.evaluation import evaluate_course
from assignments.models import Assignment, CalendarFeed, Exemption
from learners import actions
from organisation.models import StaffProfile
from tests.factories import make_course, make_rule, make_staff

pytestmark = pytest.mark.django_db

CALENDAR_PAGE = reverse("assignments:calendar")
# The feed, the person's language, their assignments: 1 or 100 of them.
FEED_MAX = 3


def feed_path(feed):
    return reverse("calendar_feed", args=[feed.token])


def events_of(response):
    calendar = Calendar.from_ical(response.content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def person(db):
    return make_staff("anna")


@pytest.fixture
def assigned(person, catalogue):
    """Open, overdue, exempt, completed and withdrawn training, and an open
    earlier cycle that a newer one replaced."""
    courses = {
        title: make_course(catalogue, lessons=1, title=title)
        for title in ("Öppen", "Försenad", "Befriad", "Klar", "Återtagen", "Omgång")
    }
    make_rule(courses["Öppen"], people=[person], active=True, due_days=30)
    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        make_rule(courses["Försenad"], people=[person], active=True, due_days=20)
    make_rule(courses["Befriad"], people=[person], active=True)
    Exemption.objects.create(person=person, course=courses["Befriad"], reason="x")
    evaluate_course(courses["Befriad"].pk)
    make_rule(courses["Klar"], people=[person], active=True)
    for lesson in courses["Klar"].lessons():
        actions.record_lesson_progress(person, lesson, completed=True)
    rule = make_rule(courses["Återtagen"], people=[person], active=True)
    rule.people.clear()
    evaluate_course(courses["Återtagen"].pk)
    today = timezone.localdate()
    for cycle in (1, 2):
        Assignment.objects.create(
            person=person,
            course=courses["Omgång"],
            course_title="Omgång",
            cycle=cycle,
            assigned_on=today,
            due_date=today + timedelta(days=100 + cycle),
        )
    states = dict(
        Assignment.objects.filter(person=person, cycle=1).values_list(
            "course_title", "state"
        )
    )
    assert states["Klar"] == "completed" and states["Återtagen"] == "withdrawn"
    assert states["Befriad"] == "exempt"
    return courses


def test_feed_holds_exactly_the_open_due_dates_as_all_day_events(
    client, person, assigned
):
    feed = create_calendar_feed(person)

    response = client.get(feed_path(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_of(response)
    today = timezone.localdate()
    expected = {
        "Sista datum: Öppen": today + timedelta(days=30),
        "Sista datum: Försenad": today - timedelta(days=40),
        "Sista datum: Omgång": today + timedelta(days=102),
    }
    assert {summary: e.decoded("dtstart") for summary, e in events.items()} == (
        expected
    )
    host = "localhost"  # from SITE_URL
    for summary, event in events.items():
        start = event.decoded("dtstart")
        # All day: a date (not a time), ending the next day.
        assert type(start) is date
        assert event["dtstart"].params.get("VALUE") == "DATE"
        assert event.decoded("dtend") == start + timedelta(days=1)
        assert event.decoded("dtstamp").tzinfo is not None
        title = summary.removeprefix("Sista datum: ")
        # The newest cycle only (Omgång has an open cycle 1 besides).
        assignment = (
            Assignment.objects.filter(person=person, course_title=title, state="open")
            .order_by("-cycle")
            .first()
        )
        assert str(event["uid"]) == f"assignment-{assignment.pk}@{host}"
        assert str(event["url"]) == settings.SITE_URL + assigned[title].url


def test_feed_is_the_same_on_every_fetch(client, person, assigned):
    feed = create_calendar_feed(person)
    first = client.get(feed_path(feed)).content
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        again = client.get(feed_path(feed)).content
    assert first == again


def test_feed_is_in_the_persons_language(client, person, catalogue):
    StaffProfile.objects.filter(user=person).update(preferred_language="en")
    make_rule(make_course(catalogue, lessons=1, title="Fire"), people=[person])
    course = make_course(catalogue, lessons=1, title="Safety")
    make_rule(course, people=[person], active=True)
    response = client.get(feed_path(create_calendar_feed(person)))
    assert list(events_of(response)) == ["Due date: Safety"]
    assert Calendar.from_ical(response.content)["x-wr-calname"] == (
        "Kompetens: required training"
    )


def test_feed_has_nothing_of_anyone_else(client, person, catalogue):
    other = make_staff("bertil")
    make_rule(make_course(catalogue, lessons=1), people=[other], active=True)
    response = client.get(feed_path(create_calendar_feed(person)))
    assert response.status_code == 200
    assert events_of(response) == {}


def test_unknown_token_is_not_found(client, person, assigned):
    create_calendar_feed(person)
    for path in ("/kalender/not-a-token.ics", "/kalender/.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert b"BEGIN:VCALENDAR" not in response.content


def test_a_deactivated_persons_feed_is_not_found(client, person, assigned):
    feed = create_calendar_feed(person)
    person.is_active = False
    person.save()
    response = client.get(feed_path(feed))
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content
    assert "Öppen".encode() not in response.content


def test_creating_the_address_needs_a_login_and_a_post(client, person):
    response = client.post(reverse("assignments:create_calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.get(CALENDAR_PAGE)
    assert response["Location"].startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()

    client.force_login(person)
    assert client.get(reverse("assignments:create_calendar")).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_person_creates_the_address_and_sees_it_with_instructions(client, person):
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(CALENDAR_PAGE).content.decode()
    assert "You have no calendar address yet." in page

    response = client.post(reverse("assignments:create_calendar"), follow=True)

    feed = CalendarFeed.objects.get(person=person)
    html = response.content.decode()
    assert settings.SITE_URL + feed_path(feed) in html
    assert "Outlook for Windows" in html and "Subscribe from web" in html
    assert "Your calendar address is ready." in html
    # Creating again (a double click) keeps the address.
    client.post(reverse("assignments:create_calendar"))
    assert CalendarFeed.objects.get(person=person).token == feed.token


def test_a_new_address_replaces_the_old_one_at_once(client, person, assigned):
    old = create_calendar_feed(person)
    old_path = feed_path(old)
    assert client.get(old_path).status_code == 200
    client.force_login(person)

    response = client.post(reverse("assignments:renew_calendar"))

    assert response.status_code == 302
    assert response["Location"] == CALENDAR_PAGE
    new = CalendarFeed.objects.get(person=person)
    assert new.token != old.token
    client.logout()  # calendars fetch without a session
    assert client.get(old_path).status_code == 404
    response = client.get(feed_path(new))
    assert response.status_code == 200
    assert len(events_of(response)) == 3


def test_renewing_without_an_address_creates_one(person):
    feed = renew_calendar_feed(person)
    assert CalendarFeed.objects.get(person=person).token == feed.token


def test_feed_query_count_does_not_grow_with_assignments(
    client, person, catalogue, django_assert_max_num_queries
):
    feed = create_calendar_feed(person)

    def measured():
        with django_assert_max_num_queries(FEED_MAX):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(feed_path(feed))
        return len(events_of(response)), len(queries)

    make_rule(make_course(catalogue, lessons=1), people=[person], active=True)
    client.get(feed_path(feed))  # warm process-wide caches (site root paths)
    events, with_one = measured()
    assert events == 1
    for _index in range(4):
        make_rule(make_course(catalogue, lessons=1), people=[person], active=True)
    # New courses move the content generation on: the site is looked up again
    # once (cms.lookups), whatever the number of assignments.
    client.get(feed_path(feed))
    events, with_five = measured()
    assert events == 5
    assert with_five == with_one
