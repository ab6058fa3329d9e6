from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def ping(request):
    """Liveness check for load balancers; also the benchmark's bare-Django baseline."""
    return HttpResponse("ok", content_type="text/plain")
