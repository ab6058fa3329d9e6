"""The answer to a sign-in refused by the throttle (django-axes renders it
through AXES_LOCKOUT_CALLABLE): the same page for any username, existing or
not, and whether the account or the address is locked."""

from django.conf import settings
from django.shortcuts import render

# HTTP 429 Too Many Requests: what a throttled client is told.
LOCKED_OUT_STATUS = 429


def locked_out(request, original_response=None, credentials=None):
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": settings.LOGIN_COOLOFF_MINUTES},
        status=LOCKED_OUT_STATUS,
    )
