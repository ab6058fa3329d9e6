from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


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
