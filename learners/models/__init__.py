"""The learning record: enrolments, lesson progress and the notification log.

Rows here are history. They are written only through `learners.actions`.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from ..querysets import (
    EnrolmentQuerySet,
    LessonProgressQuerySet,
    OrgUnitManager,
    StaffProfileQuerySet,
)
from ..storage import private_storage


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

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self):
        return self.name


def new_opaque_id():
    return secrets.token_hex(16)


class StaffProfile(models.Model):
    """One per member of staff, kept in step with the HR system by the import.

    Whether a person may log in is `user.is_active` (one source of truth).
    """

    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    class HrRole(models.TextChoices):
        NONE = "", _("None")
        COORDINATOR = "coordinator", _("Local competence coordinator")
        CENTRAL = "central", _("Central HR")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    employee_number = models.CharField(_("employee number"), max_length=40, unique=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    line_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("line manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    on_leave_until = models.DateField(_("on leave until"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=Language.choices,
        default=Language.SWEDISH,
    )
    # The xAPI account name: says nothing about who the person is.
    opaque_id = models.CharField(
        _("opaque id"),
        max_length=32,
        unique=True,
        default=new_opaque_id,
        editable=False,
    )
    hr_role = models.CharField(
        _("HR role"), max_length=20, choices=HrRole.choices, default="", blank=True
    )
    coordinator_of = models.ForeignKey(
        OrgUnit,
        verbose_name=_("coordinator for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For a local competence coordinator: their administration."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StaffProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        indexes = [models.Index(fields=["unit"]), models.Index(fields=["job_title"])]

    def __str__(self):
        return f"{self.user.get_full_name()} ({self.employee_number})"


class UnitDelegation(models.Model):
    """A unit delegated to a deputy or an assistant for a period: they see it
    (with its subtree) as its head does, from `valid_from` to `valid_until`."""

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="unit_delegations",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (inclusive)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    wagtail_reference_index_ignore = True  # a record, not content

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="delegation_period_in_order",
            )
        ]

    def __str__(self):
        return f"{self.unit} → {self.delegate} ({self.valid_from}–{self.valid_until})"


class AuditEvent(models.Model):
    """Who did what: imports, rule changes, manual records, report views and
    exports. Append-only; HR reads it in the admin."""

    class Action(models.TextChoices):
        IMPORT_UNITS = "import_units", _("Imported units")
        IMPORT_STAFF = "import_staff", _("Imported staff")
        IMPORT_HISTORY = "import_history", _("Imported past completions")
        MANUAL_RECORD = "manual_record", _("Recorded training done elsewhere")
        RULE_CHANGE = "rule_change", _("Changed an assignment rule")
        EXEMPTION = "exemption", _("Exempted a person from a course")
        RETAKE = "retake", _("Required a course to be taken again")
        REMIND = "remind", _("Sent a reminder")
        DELEGATION = "delegation", _("Delegated a unit")
        VIEW_REPORT = "view_report", _("Viewed a report")
        EXPORT_REPORT = "export_report", _("Exported a report")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("what"), max_length=30, choices=Action.choices)
    summary = models.CharField(_("summary"), max_length=500)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    # Records, not content: Wagtail's "usage" index need not track them, and
    # writes stay cheap (an index update per certificate at city scale).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "-created_at"])]

    def __str__(self):
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.get_action_display()}: {self.summary}"


class Enrolment(models.Model):
    """A learner on a course for one cycle. A new cycle (recertification) is a
    new row; an earlier cycle is never overwritten."""

    # PROTECT: a person's learning record outlives their account; leavers
    # are deactivated, never deleted.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
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

    class Source(models.TextChoices):
        PLATFORM = "platform", _("Taken here")
        IMPORTED = "imported", _("Imported from earlier records")
        EXTERNAL = "external", _("Training done elsewhere")

    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.PLATFORM
    )
    note = models.TextField(_("note"), blank=True)
    attachment = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("attachment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        permissions = [
            (
                "record_completion",
                _("Can record completions done before go-live or elsewhere"),
            )
        ]
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

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
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

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["status", "kind"]),
        ]

    def __str__(self):
        return self.key

    @property
    def message_id(self):
        """A stable Message-ID: a resend after a crash carries the same one."""
        domain = (
            settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "kompetens"
        )
        return f"<{uuid.uuid5(uuid.NAMESPACE_URL, 'kompetens:' + self.key)}@{domain}>"


class QuizAttempt(models.Model):
    """One attempt at a quiz. It snapshots what it is graded against: the pass
    mark, the questions drawn (their content as published then), the order
    shown, and the page revision they came from. Editing or deleting the live
    quiz never changes it."""

    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    quiz = models.ForeignKey(
        "courses.QuizPage",
        verbose_name=_("quiz"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
    )
    quiz_title = models.CharField(_("quiz title"), max_length=255)
    # For reference only: HR may delete a quiz (and so its revisions); the
    # attempt keeps its own copy of the questions it was graded against.
    quiz_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("quiz revision"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    questions = models.JSONField(
        _("questions as drawn"),
        help_text=_("The drawn questions' content, with which options were right."),
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    reveal_answers = models.CharField(_("show correct answers"), max_length=20)
    presentation = models.JSONField(_("questions shown"))
    started_at = models.DateTimeField(_("started at"))
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "quiz", "number"],
                name="quiz_attempt_unique_number",
            ),
            # At most one open attempt per learner and quiz.
            models.UniqueConstraint(
                fields=["enrolment", "quiz"],
                condition=Q(submitted_at__isnull=True),
                name="quiz_attempt_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.quiz_title} #{self.number}"

    @property
    def question_ids(self):
        return [entry["id"] for entry in self.presentation]

    @property
    def is_open(self):
        return self.submitted_at is None


class QuizResponse(models.Model):
    """The answer to one question of one attempt."""

    attempt = models.ForeignKey(
        QuizAttempt,
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    question_id = models.CharField(_("question id"), max_length=64)
    question_type = models.CharField(_("question type"), max_length=30)
    answer = models.JSONField(_("answer"), null=True, blank=True)
    correct = models.BooleanField(_("correct"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)

    class Meta:
        verbose_name = _("quiz response")
        verbose_name_plural = _("quiz responses")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question_id"], name="quiz_response_unique"
            )
        ]
        indexes = [models.Index(fields=["question_id", "correct"])]

    def __str__(self):
        return f"{self.attempt} {self.question_id}"


class QuizAccommodation(models.Model):
    """More time, or no time limit, for a person (WCAG 2.2.1 Timing Adjustable)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="quiz_accommodations",
    )
    quiz = models.ForeignKey(
        "courses.QuizPage",
        verbose_name=_("quiz"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="accommodations",
        help_text=_("Empty: every quiz."),
    )
    extra_percent = models.PositiveSmallIntegerField(
        _("extra time (%)"),
        default=0,
        help_text=_("For example 50 gives half as much time again."),
    )
    no_time_limit = models.BooleanField(_("no time limit"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    wagtail_reference_index_ignore = True  # a record, not content

    class Meta:
        verbose_name = _("quiz accommodation")
        verbose_name_plural = _("quiz accommodations")
        constraints = [
            # One per person and quiz, and one "every quiz" (NULL) per person.
            models.UniqueConstraint(
                fields=["learner", "quiz"], name="quiz_accommodation_unique"
            ),
            models.UniqueConstraint(
                fields=["learner"],
                condition=Q(quiz__isnull=True),
                name="quiz_accommodation_one_general",
            ),
        ]

    def __str__(self):
        return f"{self.learner} – {self.quiz or _('every quiz')}"


class Certificate(models.Model):
    """One immutable record of one validity period of one completed cycle.

    Append-only: issued once per enrolment (the unique constraint), never
    re-dated; revocation is recorded with its reason, not by deleting.
    """

    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    holder_name = models.CharField(_("holder's name"), max_length=300)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    course_title = models.CharField(_("course title"), max_length=255)
    code = models.CharField(_("verification code"), max_length=40, unique=True)
    completed_at = models.DateTimeField(_("completed at"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (inclusive)"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    language = models.CharField(_("language"), max_length=5, default="sv")
    pdf = models.FileField(
        _("PDF"),
        upload_to="certificates/%Y/%m/",
        storage=private_storage,
        blank=True,
        max_length=300,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    wagtail_reference_index_ignore = True  # a record, not content

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [("revoke_certificate", _("Can revoke certificates"))]
        indexes = [models.Index(fields=["learner", "-valid_from"])]

    def __str__(self):
        return f"{self.holder_name} – {self.course_title} ({self.valid_from})"

    # What may change after issue: the rendered file and the revocation.
    MUTABLE_ATTNAMES = frozenset(
        {"id", "pdf", "revoked_at", "revoked_reason", "revoked_by_id"}
    )

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = Certificate.objects.filter(pk=self.pk).values().first()
            if stored:
                changed = {
                    attname
                    for attname, value in stored.items()
                    if attname not in self.MUTABLE_ATTNAMES
                    and getattr(self, attname) != value
                }
                if changed:
                    raise ValueError(
                        f"A certificate is a record: {sorted(changed)} cannot change."
                    )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A certificate is a record: revoke it, never delete it.")

    class State(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    def state_on(self, day):
        if self.revoked_at:
            return self.State.REVOKED
        if self.valid_until and day > self.valid_until:
            return self.State.EXPIRED
        return self.State.VALID


from .assignments import (  # noqa: E402 - the models package's second module
    Assignment,
    AssignmentRule,
    CalendarFeed,
    Exemption,
)
from .reminders import NotificationItem, ReminderPolicy  # noqa: E402
from .reports import ReportExport, ReportGoal, ReportSettings  # noqa: E402
from .xapi import (  # noqa: E402
    LearnerPseudonym,
    LrsDestination,
    LrsRequest,
    Statement,
    StatementDelivery,
)

__all__ = [
    "Assignment",
    "AssignmentRule",
    "AuditEvent",
    "CalendarFeed",
    "Certificate",
    "Enrolment",
    "Exemption",
    "LearnerPseudonym",
    "LessonProgress",
    "LrsDestination",
    "LrsRequest",
    "Notification",
    "NotificationItem",
    "OrgUnit",
    "QuizAccommodation",
    "QuizAttempt",
    "QuizResponse",
    "ReminderPolicy",
    "ReportExport",
    "ReportGoal",
    "ReportSettings",
    "StaffProfile",
    "Statement",
    "StatementDelivery",
    "UnitDelegation",
]
