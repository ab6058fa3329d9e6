"""The calendar feed and the page where a person creates or replaces its
address. Thin: parse, check access, call one function."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from .actions.calendar import create_calendar_feed, renew_calendar_feed
from .calendar import build_feed, feed_for_token, feed_url
from .models import CalendarFeed


@never_cache  # the page shows a secret address
@login_required
def calendar_settings(request):
    feed = CalendarFeed.objects.filter(person=request.user).first()
    return render(
        request,
        "assignments/calendar.html",
        {"feed": feed, "feed_url": feed_url(feed) if feed else ""},
    )


@login_required
@require_POST
def create_feed(request):
    create_calendar_feed(request.user)
    messages.success(request, _("Your calendar address is ready."))
    return redirect("assignments:calendar")


@login_required
@require_POST
def renew_feed(request):
    renew_calendar_feed(request.user)
    messages.success(
        request,
        _(
            "You have a new calendar address. The old one no longer works: "
            "subscribe to the new one in your calendar."
        ),
    )
    return redirect("assignments:calendar")


@require_safe
def calendar_feed(request, token):
    """No login: calendars fetch on their own. The secret token is the
    credential; an unknown, replaced or deactivated person's token is a 404."""
    feed = feed_for_token(token)
    if feed is None:
        raise Http404
    response = HttpResponse(
        build_feed(feed.person), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="kompetens.ics"'
    # The address is personal: no shared cache keeps it, no search engine lists it.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
