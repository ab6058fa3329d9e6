"""A person's calendar feed: the due dates of their open required training as
all-day events (RFC 5545), for Outlook and other calendars to subscribe to.

Reads only. The feed is the same on every fetch until an assignment changes:
each event's UID is stable per assignment, and its DTSTAMP is when the
assignment was last changed (RFC 5545 3.8.7.2, for a calendar without METHOD).
"""

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from core import vocabulary
from organisation.models import StaffProfile

from .models import Assignment, CalendarFeed
from .required import by_due_date, current_assignments

PRODID = "-//Kompetens//Required training//SV"
# A hint to calendars that honour it (Outlook keeps its own schedule).
REFRESH_INTERVAL = timedelta(hours=12)


def feed_url(feed: CalendarFeed) -> str:
    """The address a person subscribes to (the token is its only credential)."""
    return settings.SITE_URL + reverse("calendar_feed", args=[feed.token])


def feed_for_token(token):
    """The active person's feed with this token, or None."""
    return (
        CalendarFeed.objects.filter(token=token, person__is_active=True)
        .select_related("person")
        .first()
    )


def _site_host():
    return urlsplit(settings.SITE_URL).hostname or "kompetens"


def _course_url(course):
    if course is None or not course.live:
        return ""
    url = course.get_url() or ""
    return settings.SITE_URL + url if url.startswith("/") else url


def _language(person):
    language = (
        StaffProfile.objects.filter(user=person)
        .values_list("preferred_language", flat=True)
        .first()
    )
    return language or settings.LANGUAGE_CODE


def feed_assignments(person):
    """The person's open required training with a due date, soonest first."""
    return by_due_date(
        current_assignments(
            Assignment.objects.filter(
                person=person, state=Assignment.State.OPEN, due_date__isnull=False
            )
        ).select_related("course")
    )


def build_feed(person) -> bytes:
    """The iCalendar document for the person, in their preferred language."""
    with translation.override(_language(person)):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Kompetens: required training"))
        calendar.add(
            "refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
        host = _site_host()
        for assignment in feed_assignments(person):
            calendar.add_component(_event(assignment, host))
        return calendar.to_ical()


def _event(assignment, host):
    url = _course_url(assignment.course)
    event = Event()
    event.add("uid", f"assignment-{assignment.pk}@{host}")
    event.add("dtstamp", assignment.updated_at.astimezone(UTC))
    event.add("last-modified", assignment.updated_at.astimezone(UTC))
    # All day: a date, and the day after as the (exclusive) end.
    event.add("dtstart", assignment.due_date)
    event.add("dtend", assignment.due_date + timedelta(days=1))
    event.add("summary", vocabulary.calendar_summary(assignment.course_title))
    description = _("Required training in Kompetens, to be completed by this day.")
    if url:
        description = f"{description}\n{url}"
        event.add("url", url)
    event.add("description", description)
    # A due date is a reminder, not a meeting: it does not make anyone busy.
    event.add("transp", "TRANSPARENT")
    event.add("x-microsoft-cdo-busystatus", "FREE")
    return event
