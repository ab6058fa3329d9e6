"""Enrolling and giving the second factor (accounts.middleware sends the
people who must, before any other page)."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import actions
from .forms import CodeForm
from .two_factor import confirmed_device, must_give_second_factor


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _next_query(request):
    return urlencode({"next": _next_url(request)})


def _secret_groups(device):
    """The secret in base32, in groups of four, as the apps ask for it when
    it is typed in (for those who cannot scan the QR code)."""
    secret = b32encode(device.bin_key).decode("ascii")
    return [secret[i : i + 4] for i in range(0, len(secret), 4)]


def _qr_svg(device):
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#000000", light="#ffffff", title=_("QR code")
    )
    # An image with its name, for axe and screen readers; the secret in text
    # beside it is the equivalent.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_enrol(request):
    """First sign-in with a password: set up an authenticator app (QR code,
    or the secret typed in) and confirm it with its first code."""
    if not must_give_second_factor(request):
        return redirect(_next_url(request))
    if confirmed_device(request.user) is not None:
        # Enrolling a second device needs the first one: never with a
        # password alone.
        return redirect(
            reverse("accounts:two_factor_verify") + "?" + _next_query(request)
        )
    device = actions.start_enrolment(request.user)
    form = CodeForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        result = actions.confirm_enrolment(request, device, form.cleaned_data["code"])
        if result is actions.CodeResult.ACCEPTED:
            return redirect(_next_url(request))
        throttled = result is actions.CodeResult.THROTTLED
        form.add_error("code", _throttled_or_wrong(throttled))
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret_groups": _secret_groups(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": _next_url(request),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_verify(request):
    """After the password: the code from the enrolled app."""
    if not must_give_second_factor(request):
        return redirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(
            reverse("accounts:two_factor_enrol") + "?" + _next_query(request)
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = actions.give_second_factor(request, device, form.cleaned_data["code"])
        if result is actions.CodeResult.ACCEPTED:
            return redirect(_next_url(request))
        form.add_error(
            "code", _throttled_or_wrong(result is actions.CodeResult.THROTTLED)
        )
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


def _throttled_or_wrong(throttled):
    if throttled:
        return _(
            "Too many wrong codes in a row: after each one the wait before the "
            "next try doubles. Wait a moment, then enter the code the app shows "
            "then."
        )
    return _("The code is not right. Enter the code the app shows now.")
