"""Invitations for imported staff who sign in with a password (where the
city's single sign-on is not used): an email with a one-time link to set it.

The link is Django's password-reset token: it expires after
PASSWORD_RESET_TIMEOUT and stops working once used (setting the password
changes what the token is made from). The invitation is written to the
delivery log in the import's own transaction, once per person (the key), and
composed when it is sent, so a retry days later carries a fresh link; the log
sends it (`notifications.sender`).
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from notifications import sender
from notifications.models import Notification


def invitation_key(user_id):
    return f"invitation:{user_id}"


def invite(user):
    """The invitation, to be sent when the surrounding transaction commits."""
    if user.email and user.is_active:
        sender.record(
            key=invitation_key(user.pk),
            kind=Notification.Kind.INVITATION,
            recipient=user,
        )


def invite_many(user_ids):
    """Invite many people (an HR import) in one write to the log; handed out
    in small chunks after the import commits."""
    return sender.record_many(
        [(invitation_key(pk), Notification.Kind.INVITATION, pk, {}) for pk in user_ids]
    )


def set_password_url(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("set_password", args=[uid, token])


def compose_invitation(notification):
    """(template, subject, context) with a fresh set-password link, or None
    for someone who has signed in meanwhile."""
    user = notification.recipient
    if user.last_login is not None:
        return None
    context = {
        "user": user,
        "set_password_url": set_password_url(user),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "site_url": settings.SITE_URL,
    }
    subject = _("Welcome to Kompetens: set your password")
    return "organisation/emails/invitation", subject, context
