from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST


@never_cache
def ping(request):
    """Liveness check for load balancers; also the benchmark's bare-Django baseline."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def signed_out(request):
    """Where a session that timed out lands: it says so, and how to go on."""
    return render(
        request, "cms/signed_out.html", {"idle_minutes": settings.SESSION_IDLE_MINUTES}
    )


@require_POST
@login_required
def keep_alive(request):
    """A running quiz or SCORM attempt says the person is still at work: the
    request itself is the activity (cms.middleware.SessionTimeoutMiddleware
    writes it); nothing else happens. A session that has already ended gets
    the middleware's redirect to the signed-out page instead."""
    return HttpResponse(status=204)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form that timed out or came without its cookie.
    Says what happened and what to do, in the site's layout, and links back
    to the page the form was on when the browser says which one that was (on
    this site). Django has already logged the reason (django.security.csrf);
    the person is not shown it."""
    referer = request.headers.get("referer", "")
    back_is_form = bool(referer) and url_has_allowed_host_and_scheme(
        referer,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )
    return render(
        request,
        "403_csrf.html",
        {"back_url": referer if back_is_form else "/", "back_is_form": back_is_form},
        status=403,
    )
