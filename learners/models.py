"""The learning record: enrolments, lesson progress and the notification log.

Rows here are history. They are written only through `learners.actions`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .querysets import EnrolmentQuerySet, LessonProgressQuerySet


class OrgUnit(MP_Node):
    """A unit of the city's organisation: administration → department → unit."""

    hr_code = models.CharField(_("HR code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
    )
    active = models.BooleanField(_("active"), default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self):
        return self.name


class Enrolment(models.Model):
    """A learner on a course for one cycle. A new cycle (recertification) is a
    new row; an earlier cycle is never overwritten."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    # SET_NULL: HR deleting a course must not delete anyone's history.
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
    )
    course_title = models.CharField(_("course title"), max_length=255)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    registration = models.UUIDField(
        _("registration"), default=uuid.uuid4, unique=True, editable=False
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course", "cycle"], name="enrolment_unique_cycle"
            ),
            models.CheckConstraint(
                condition=Q(cycle__gte=1), name="enrolment_cycle_positive"
            ),
        ]
        indexes = [models.Index(fields=["course", "completed_at"])]

    def __str__(self):
        return f"{self.learner} – {self.course_title} ({self.cycle})"

    @property
    def is_completed(self):
        return self.completed_at is not None


class LessonProgress(models.Model):
    """One row per (enrolment, lesson). Progress only moves forward and
    `completed_at` is set the first time only."""

    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    # SET_NULL: a lesson deleted by HR leaves the learner's history in place.
    lesson = models.ForeignKey(
        "courses.LessonPage",
        verbose_name=_("lesson"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="progress",
    )
    lesson_title = models.CharField(_("lesson title"), max_length=255)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"),
        default=0,
        help_text=_("How far the learner has come, 0–100."),
    )
    last_position = models.PositiveSmallIntegerField(
        _("last position (%)"),
        default=0,
        help_text=_("Where the learner was, for resume."),
    )
    time_spent_seconds = models.PositiveIntegerField(
        _("time spent (seconds)"), default=0
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "lesson"], name="lesson_progress_unique"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100) & Q(last_position__lte=100),
                name="lesson_progress_percent_range",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} – {self.lesson_title}: {self.progress} %"


class Notification(models.Model):
    """The delivery log. `key` is unique per (kind, recipient, subject, period):
    it is what makes "sent once" true, and the row is the proof of sending."""

    class Kind(models.TextChoices):
        COURSE_COMPLETED = "course_completed", _("Course completed")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

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

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self):
        return self.key

    @property
    def message_id(self):
        """A stable Message-ID: a resend after a crash carries the same one."""
        domain = (
            settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "kompetens"
        )
        return f"<{uuid.uuid5(uuid.NAMESPACE_URL, 'kompetens:' + self.key)}@{domain}>"
