"""A person's calendar address: create it, or replace it with a new one.

`create_calendar_feed` is safe to run twice (the second run returns the same
address). `renew_calendar_feed` always gives a new secret token: the old
address stops working at once, which is how a person revokes an address they
have shared by mistake.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import CalendarFeed, new_feed_token


def _require_active(person):
    if not person.is_authenticated or not person.is_active:
        raise PermissionDenied(_("Log in to manage your calendar address."))


def create_calendar_feed(person) -> CalendarFeed:
    _require_active(person)
    feed, _created = CalendarFeed.objects.get_or_create(person=person)
    return feed


def renew_calendar_feed(person) -> CalendarFeed:
    _require_active(person)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            person=person
        )
        if created:
            return feed
        feed.token = new_feed_token()
        feed.save(update_fields=["token", "created_at"])
    return feed
