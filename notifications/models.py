"""The delivery log: every email the platform sends, once.

A row's `key` is unique per (kind, recipient, subject, period): it is what
makes "sent once" true, and the row is the proof of sending. Rows are written
by `notifications.sender` and by the apps that plan messages (reminders).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """The delivery log. `key` is unique per (kind, recipient, subject, period):
    it is what makes "sent once" true, and the row is the proof of sending."""

    # A record, not content: Wagtail's reference index need not track tens of
    # thousands of these a day (the benchmark found it was most of a sweep).
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        COURSE_COMPLETED = "course_completed", _("Course completed")
        INVITATION = "invitation", _("Invitation")
        REMINDERS = "reminders", _("Reminders")
        DIGEST = "digest", _("Weekly digest")
        MANAGER_DIGEST = "manager_digest", _("Weekly manager digest")
        MANUAL = "manual", _("Reminder from a manager")
        REPORT_EXPORT = "report_export", _("Report export ready")
        LRS_ALERT = "lrs_alert", _("Sending to an LRS has stopped")
        DELIVERY_ALERT = "delivery_alert", _("Alert about messages given up")
        CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")

    class Status(models.TextChoices):
        # Waiting to be sent, or to be tried again (`next_attempt_at`).
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # Given up: refused for good by the relay, or not accepted within the
        # retry period. HR administrators are told, and can send it again.
        FAILED = "failed", _("Given up")
        # Nothing left to say when it was time to send (completed meanwhile,
        # person deactivated): recorded, not sent.
        NOT_SENT = "not_sent", _("Not sent")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the sweep last handed it to a worker: a backlog waiting for the
    # sending window or the rate limit is not enqueued again every sweep.
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    # What the message is about, for its kind's composer: {"enrolment": 12},
    # {"export": "…"}, the counts of an alert. Never the message itself: it
    # is composed when it is sent, so a retry days later says what is true.
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The retry schedule after a failure the relay may get over (4xx, down).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    first_failed_at = models.DateTimeField(_("first failed at"), null=True, blank=True)
    given_up_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    # When the HR administrators were told it was given up (one alert for
    # every message given up together).
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["status", "kind"]),
        ]
        permissions = [("resend_notification", _("Can send a given-up message again"))]

    def __str__(self):
        # What the admin names the row by (a listing's "More options for …",
        # the inspect view's title): words, never the key.
        if self.subject:
            return self.subject
        if self.created_at is None:
            return str(self.get_kind_display())
        created = timezone.localtime(self.created_at)
        return f"{self.get_kind_display()} {created:%Y-%m-%d %H:%M}"

    @property
    def message_id(self):
        """A stable Message-ID: a resend after a crash carries the same one."""
        domain = (
            settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "kompetens"
        )
        return f"<{uuid.uuid5(uuid.NAMESPACE_URL, 'kompetens:' + self.key)}@{domain}>"
