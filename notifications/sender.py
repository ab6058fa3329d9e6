"""Sending one email once, through the delivery log.

`deliver` gets or creates the message's `Notification` by its key, claims it
(an atomic UPDATE: one sender at a time), sends it with a Message-ID derived
from the key and marks it sent. A crash can at worst repeat the one message
in flight, with the same Message-ID; running it twice sends nothing twice.
"""

import logging
import os
import signal
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)

# A claim older than this is taken to be from a worker that died mid-send.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def claim(notification_id):
    """Atomically take the notification for sending; False if someone else has
    it, or it is already sent or given up."""
    now = timezone.now()
    return bool(
        Notification.objects.filter(pk=notification_id, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status__in=[Notification.Status.PENDING, Notification.Status.FAILED])
            | Q(status=Notification.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .update(
            status=Notification.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )


def language_of(user):
    """The recipient's preferred language, else the site's default."""
    profile = getattr(user, "staff_profile", None)
    return getattr(profile, "preferred_language", "") or settings.LANGUAGE_CODE


def deliver(*, key, kind, recipient, template, context, subject):
    """Send one message once: get or create its Notification by key, claim it,
    send it with a Message-ID derived from the key, mark it sent.

    `subject` is a lazy or plain string rendered in the recipient's language;
    `template` names <template>.txt and .html (for example
    "learners/emails/course_completed"). Returns what happened.
    """
    notification, _created = Notification.objects.get_or_create(
        key=key, defaults={"kind": kind, "recipient": recipient}
    )
    if notification.status == Notification.Status.SENT:
        return "already sent"
    if not claim(notification.pk):
        return "claimed elsewhere"
    return send_claimed(notification, recipient, template, context, subject)


def crash_point(name):
    """Fault injection for the integration tests, and nothing else: when
    KOMPETENS_CRASH_AT names this point, the worker process is killed here
    (SIGKILL, once: a marker file records it), as a power cut would."""
    wanted = os.environ.get("KOMPETENS_CRASH_AT")
    if wanted != name:
        return
    marker = os.environ.get("KOMPETENS_CRASH_MARKER", "")
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return  # killed once already
        os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


def send_claimed(notification, recipient, template, context, subject):
    """Render in the recipient's language, send, mark sent. The caller holds
    the claim. A failure is recorded on the notification and raised."""
    with translation.override(language_of(recipient)):
        subject = str(subject)
        context = {**context, "subject": subject}
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED, last_error=repr(exc)[:2000]
        )
        logger.warning("Email %s failed: %r", notification.key, exc)
        raise
    crash_point("after_accept")
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        subject=subject[:255],
        last_error="",
    )
    crash_point("after_mark")
    return "sent"


TRANSIENT_SMTP_ERRORS = (OSError, TimeoutError)


def is_transient(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(exc, (*TRANSIENT_SMTP_ERRORS, smtplib.SMTPServerDisconnected))
