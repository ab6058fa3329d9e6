from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
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
