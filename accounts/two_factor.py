"""Who must give a second factor, and their device (reads only).

Superusers, members of the groups in TWO_FACTOR_GROUPS (HR administrators)
and anyone with an HR role on their staff profile (central HR, a local
coordinator: they see the people of the city or an administration) need a
TOTP code after a password, when REQUIRE_TWO_FACTOR is on. A session signed
in with the city's account (OpenID Connect) is exempt: the identity provider
enforces its own factors.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisation.models import StaffProfile

from .throttling import SSO_BACKEND

DEVICE_NAME = "Kompetens"


def signed_in_with_password(request):
    return request.session.get(BACKEND_SESSION_KEY) != SSO_BACKEND


POWERFUL_ROLES = (StaffProfile.HrRole.CENTRAL, StaffProfile.HrRole.COORDINATOR)
# Set on the person by the password backend (accounts.backends), read in the
# query that loads them on every request.
IN_POWERFUL_GROUP = "kompetens_in_2fa_group"
HAS_POWERFUL_ROLE = "kompetens_has_2fa_role"


def needs_second_factor(user):
    """Whether `user` holds powers that a password alone must not unlock:
    read with the person when the password backend loaded them for this
    request (accounts.backends: so as fresh as the person), else one query;
    none for a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if hasattr(user, IN_POWERFUL_GROUP) and hasattr(user, HAS_POWERFUL_ROLE):
        return getattr(user, IN_POWERFUL_GROUP) or getattr(user, HAS_POWERFUL_ROLE)
    powerful = Q(groups__name__in=settings.TWO_FACTOR_GROUPS) | Q(
        staff_profile__hr_role__in=POWERFUL_ROLES
    )
    return get_user_model().objects.filter(powerful, pk=user.pk).exists()


def must_give_second_factor(request):
    """Whether this request's person must give (or enrol) a second factor
    before anything else."""
    user = request.user
    return (
        settings.REQUIRE_TWO_FACTOR
        and user.is_authenticated
        and not user.is_verified()
        and signed_in_with_password(request)
        and needs_second_factor(user)
    )


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user):
    """The device being enrolled (the same secret on every reload of the page
    until it is confirmed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
