"""Wagtail admin: the sign-in lockouts in force, and lifting one (POST only).

HR administrators (`axes.view_accessattempt` to see, `axes.delete_accessattempt`
to lift) see them as their scope allows (accounts.lockouts)."""

import ipaddress

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.addresses import client_address
from organisation.scope import scope_of

from . import lockouts
from .actions import LockoutKind, lift_lockout


def can_view_lockouts(user):
    return user.is_authenticated and user.has_perm("axes.view_accessattempt")


def can_lift_lockouts(user):
    return user.is_authenticated and user.has_perm("axes.delete_accessattempt")


@require_GET
def lockout_index(request):
    if not can_view_lockouts(request.user):
        raise PermissionDenied
    scope = scope_of(request.user)
    return render(
        request,
        "accounts/admin/lockouts.html",
        {
            "accounts": lockouts.locked_accounts(scope),
            "addresses": lockouts.locked_addresses(scope),
            "can_lift": can_lift_lockouts(request.user),
            "account_limit": settings.LOGIN_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
            "minutes": settings.LOGIN_COOLOFF_MINUTES,
            "shown": lockouts.LOCKOUTS_SHOWN,
        },
    )


def _lockout_from(post):
    """(kind, value) from the form, or None for anything malformed."""
    try:
        kind = LockoutKind(post.get("kind", ""))
    except ValueError:
        return None
    value = post.get("value", "")
    if kind is LockoutKind.ADDRESS:
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            return None
    elif not value or len(value) > 255 or "\x00" in value:
        return None
    return kind, value


@require_POST
def lockout_lift(request):
    if not can_lift_lockouts(request.user):
        raise PermissionDenied
    lockout = _lockout_from(request.POST)
    if lockout is None:
        messages.error(request, _("That is not a lockout; nothing was changed."))
        return redirect(reverse("sign_in_lockouts"))
    kind, value = lockout
    if not lockouts.may_lift(scope_of(request.user), kind, value):
        raise PermissionDenied
    if lift_lockout(request.user, kind, value, address=client_address(request)):
        messages.success(
            request,
            _("The lockout of %(what)s is lifted: the next attempt counts afresh.")
            % {"what": value},
        )
    else:
        messages.info(request, _("%(what)s was no longer locked.") % {"what": value})
    return redirect(reverse("sign_in_lockouts"))
