"""Mandatory training: the rules HR writes, the assignments they produce,
exemptions, and each person's calendar feed.

An assignment is its own record, separate from the enrolment: it says that a
person must complete a course's cycle by a date, and why. Rows are written only
through `assignments.actions`, which keeps them in step with the rules.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learners.models import CourseCycleRecord, kept_person


class AssignmentRule(models.Model):
    """Who must complete a course, by when, and whether to keep them valid.

    The audience is everyone, or the people who match every criterion given
    (units, job titles, new starters), plus any named people.
    """

    class DueKind(models.TextChoices):
        FIXED = "fixed", _("A fixed date")
        AFTER_ASSIGNMENT = "after_assignment", _("N days after assignment")
        AFTER_START = "after_start", _("N days after the person's start date")

    class Recurrence(models.TextChoices):
        NONE = "none", _("Once")
        KEEP_VALID = "keep_valid", _("Keep valid: renew before the certificate expires")

    name = models.CharField(_("name"), max_length=200)
    # SET_NULL: deleting a course keeps the rule (inactive in effect) and its
    # assignments' history.
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="assignment_rules",
    )
    active = models.BooleanField(_("active"), default=False, editable=False)
    activated_at = models.DateTimeField(
        _("activated at"), null=True, blank=True, editable=False
    )

    # A coordinator's rule reaches only their administration; empty: the city.
    # PROTECT: widening a rule to the whole city must never happen by accident.
    scope_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name=_("limited to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    everyone = models.BooleanField(
        _("all staff"),
        default=False,
        help_text=_("Every active member of staff, whatever their unit or title."),
    )
    units_with_subtree = models.ManyToManyField(
        "organisation.OrgUnit",
        verbose_name=_("units, with their sub-units"),
        blank=True,
        related_name="+",
    )
    units_only = models.ManyToManyField(
        "organisation.OrgUnit",
        verbose_name=_("units, without their sub-units"),
        blank=True,
        related_name="+",
    )
    job_titles = models.JSONField(_("job titles"), default=list, blank=True)
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named people"),
        blank=True,
        related_name="+",
    )
    new_starters_from = models.DateField(
        _("new starters from"),
        null=True,
        blank=True,
        help_text=_("Only people whose start date is on or after this date."),
    )

    due_kind = models.CharField(
        _("due"),
        max_length=20,
        choices=DueKind.choices,
        default=DueKind.AFTER_ASSIGNMENT,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=14,
        help_text=_(
            "Nobody is due sooner than this many days after they are assigned, "
            "so activating a rule never makes anyone overdue at once."
        ),
    )
    recurrence = models.CharField(
        _("recurrence"),
        max_length=20,
        choices=Recurrence.choices,
        default=Recurrence.NONE,
    )
    renew_days_before = models.PositiveSmallIntegerField(
        _("open the next round (days before expiry)"),
        default=30,
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["name"]
        permissions = [
            ("require_retake", _("Can require everyone holding a course to retake it"))
        ]

    def __str__(self):
        return self.name


class Assignment(CourseCycleRecord):
    """A person must complete one cycle of a course by a date.

    Unique per (person, course, cycle). `reasons` says which rules matched
    and on which of the person's attributes ("why am I assigned?").
    """

    class State(models.TextChoices):
        OPEN = "open", _("To do")
        COMPLETED = "completed", _("Completed")
        EXEMPT = "exempt", _("Exempt")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        RULE = "rule", _("Assignment rule")
        RETAKE = "retake", _("Retake required by HR")

    person = kept_person(_("person"), "assignments")
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.RULE
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN
    )
    assigned_on = models.DateField(_("assigned on"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    reasons = models.JSONField(_("why assigned"), default=list, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = CourseCycleRecord.cycle_constraints("person")
        indexes = [
            models.Index(fields=["course", "state", "due_date"]),
            models.Index(fields=["person", "state"]),
        ]

    def __str__(self):
        return f"{self.person} – {self.course_title} ({self.cycle})"

    def is_overdue(self, day):
        return (
            self.state == self.State.OPEN
            and self.due_date is not None
            and self.due_date < day
        )


class Exemption(models.Model):
    """A person need not complete a course, for a reason, until a date
    (inclusive; empty: until further notice)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="exemptions",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="exemptions",
    )
    reason = models.CharField(_("reason"), max_length=300)
    valid_until = models.DateField(
        _("until (inclusive)"),
        null=True,
        blank=True,
        help_text=_("Empty: until further notice."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"], name="exemption_unique_person_course"
            )
        ]

    def __str__(self):
        return f"{self.person} – {self.course}"


def new_feed_token():
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret calendar address. Revoking gives a new token: the
    old address stops working at once."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=new_feed_token
    )
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.person)
