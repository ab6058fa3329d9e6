"""The learning record: enrolments, lesson progress, quiz attempts and
certificates.

Rows here are history. They are written only through `learners.actions`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage

from .querysets import EnrolmentQuerySet, LessonProgressQuerySet


def kept_person(verbose_name, related_name):
    """The person a record is about. PROTECT: a person's learning record
    outlives their account (leavers are deactivated, never deleted)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name=related_name,
    )


class CourseRecord(models.Model):
    """A record about a course that outlives the course's page: HR deleting
    the page empties the link (SET_NULL) and the title copied when the record
    was made still says which course it was."""

    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="%(class)ss",
    )
    course_title = models.CharField(_("course title"), max_length=255)

    class Meta:
        abstract = True


class CourseCycleRecord(CourseRecord):
    """A record of one cycle of a course for one person: a new cycle
    (recertification) is a new row, an earlier one is never overwritten."""

    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)

    class Meta:
        abstract = True

    @staticmethod
    def cycle_constraints(person_field):
        """One row per (person, course, cycle), cycles counted from 1."""
        return [
            models.UniqueConstraint(
                fields=[person_field, "course", "cycle"],
                name="%(class)s_unique_cycle",
            ),
            models.CheckConstraint(
                condition=Q(cycle__gte=1), name="%(class)s_cycle_positive"
            ),
        ]


class Enrolment(CourseCycleRecord):
    """A learner on a course for one cycle. A new cycle (recertification) is a
    new row; an earlier cycle is never overwritten."""

    learner = kept_person(_("learner"), "enrolments")
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
        constraints = CourseCycleRecord.cycle_constraints("learner")
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


class Certificate(CourseRecord):
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
    learner = kept_person(_("holder"), "certificates")
    holder_name = models.CharField(_("holder's name"), max_length=300)
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
