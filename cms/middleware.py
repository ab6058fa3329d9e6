"""What every request of a logged-in person passes through: the session's
idle and absolute time limits, and no copies of personal pages kept by the
browser or a proxy."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from courses.rendering import generation_for_request

from .lookups import site_for_request

STARTED = "kompetens_started"
LAST_SEEN = "kompetens_last_seen"
# The last activity is written at most this often (a session write per
# request would cost every page a database UPDATE).
LAST_SEEN_EVERY_SECONDS = 60


def session_started(sender, request, user, **kwargs):
    """Stamped at login (the session is written then anyway), so that the
    first pages after it write nothing more."""
    now = time.time()
    request.session[STARTED] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Ends a session idle for SESSION_IDLE_MINUTES or older than
    SESSION_ABSOLUTE_HOURS, whatever its activity: the person is logged out
    (the session row is deleted on the server) and sent to a page that says
    so. Any request counts as activity, the beacons of a lesson or a running
    quiz too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(STARTED, now)
            last_seen = session.get(LAST_SEEN, now)
            idle = settings.SESSION_IDLE_MINUTES * 60
            absolute = settings.SESSION_ABSOLUTE_HOURS * 3600
            if now - last_seen > idle or now - started > absolute:
                logout(request)
                return redirect(reverse("signed_out"))
            if now - last_seen >= LAST_SEEN_EVERY_SECONDS or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)


class PrivatePagesMiddleware:
    """A page or file served to a logged-in person carries their data (My
    learning, My team, people lists, exports): `Cache-Control: private,
    no-store`, so that a shared computer's browser keeps no copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class WagtailSiteMiddleware:
    """Which Wagtail site a request is for, from the process's memory while
    no page or site has changed (cms.lookups), instead of a query on every
    page and every page with a link to one. Wagtail's `Site.find_for_request`
    answers from `request._wagtail_site` when it is there, as it does after
    its own first lookup in a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with generation_for_request(request):
            request._wagtail_site = site_for_request(request)
            return self.get_response(request)
