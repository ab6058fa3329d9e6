"""Invitations for imported staff: until single sign-on arrives, a person gets
an email with a one-time link to set their password.

The link is Django's password-reset token: it expires after
PASSWORD_RESET_TIMEOUT and stops working once used (setting the password
changes what the token is made from). The invitation is sent once per person
(the Notification key); `invite` is safe to call again.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def invite(user):
    """Enqueue the invitation after the surrounding transaction commits."""
    from .tasks import send_invitation

    if user.email and user.is_active:
        send_invitation.delay_on_commit(user.pk)


def invite_many(user_ids):
    """Invite many people (an HR import): one task after commit, which fans
    out in chunks in the worker, so the request never waits for the broker
    once per person. A nightly sweep catches any that were lost."""
    from .tasks import send_invitations

    if user_ids:
        send_invitations.delay_on_commit(sorted(user_ids))


def set_password_url(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("set_password", args=[uid, token])
