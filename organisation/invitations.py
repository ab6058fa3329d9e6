"""Invitations for imported staff: until single sign-on arrives, a person gets
an email with a one-time link to set their password.

The link is Django's password-reset token: it expires after
PASSWORD_RESET_TIMEOUT and stops working once used (setting the password
changes what the token is made from). The invitation is sent once per person
(the Notification key); every function here is safe to run twice.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from core.tasks import enqueue, enqueue_on_commit
from notifications.models import Notification
from notifications.sender import deliver

INVITATION_CHUNK = 200
SWEEP_WINDOW = timedelta(days=7)


def invite(user):
    """Enqueue the invitation after the surrounding transaction commits."""
    if user.email and user.is_active:
        enqueue_on_commit("organisation.send_invitation", user.pk)


def invite_many(user_ids):
    """Invite many people (an HR import): one task after commit, which fans
    out in chunks in the worker, so the request never waits for the broker
    once per person. A nightly sweep catches any that were lost."""
    if user_ids:
        enqueue_on_commit("organisation.send_invitations", sorted(user_ids))


def set_password_url(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("set_password", args=[uid, token])


def fan_out(user_ids):
    """Small tasks of a few hundred invitations each."""
    for start in range(0, len(user_ids), INVITATION_CHUNK):
        enqueue(
            "organisation.send_invitation_chunk",
            user_ids[start : start + INVITATION_CHUNK],
        )
    return len(user_ids)


def uninvited_since(since):
    """People imported since `since` whose invitation never went out (an
    enqueue lost, a worker killed)."""
    sent = Notification.objects.filter(
        kind=Notification.Kind.INVITATION, status=Notification.Status.SENT
    ).values("recipient_id")
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            last_login__isnull=True,
            staff_profile__created_at__gte=since,
        )
        .exclude(email="")
        .exclude(pk__in=sent)
        .values_list("pk", flat=True)
    )


def sweep_invitations():
    ids = uninvited_since(timezone.now() - SWEEP_WINDOW)
    if ids:
        enqueue("organisation.send_invitations", ids)
    return len(ids)


def send_invitation(user_id):
    """The invitation with a set-password link, once per person."""
    user = (
        get_user_model()
        .objects.select_related("staff_profile")
        .filter(pk=user_id, is_active=True)
        .exclude(email="")
        .first()
    )
    if user is None:
        return "nothing to send"
    return deliver(
        key=f"invitation:{user.pk}",
        kind=Notification.Kind.INVITATION,
        recipient=user,
        template="organisation/emails/invitation",
        subject=_("Welcome to Kompetens: set your password"),
        context={
            "user": user,
            "set_password_url": set_password_url(user),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "site_url": settings.SITE_URL,
        },
    )
