"""Goals HR follows up, what managers may see in reports, and exports built
in the background."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from core.storage import private_storage


class ReportGoal(models.Model):
    """“90 % of <scope> complete <course> by 30 June.”"""

    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="report_goals",
    )
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name=_("part of the organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_goals",
        help_text=_("Empty: the whole city."),
    )
    target_percent = models.PositiveSmallIntegerField(
        _("target (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    deadline = models.DateField(_("by"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["deadline"]

    def __str__(self):
        where = self.unit.name if self.unit_id else _("the whole city")
        return f"{self.target_percent} % – {self.course} – {where} – {self.deadline}"


@register_setting(icon="view")
class ReportSettings(BaseGenericSetting):
    class ManagersSee(models.TextChoices):
        STATUS = "status", _("Status and dates only")
        DETAILS = "details", _("Also quiz scores and time spent")

    managers_see = models.CharField(
        _("managers see"),
        max_length=10,
        choices=ManagersSee.choices,
        default=ManagersSee.STATUS,
    )

    panels = [FieldPanel("managers_see")]

    class Meta:
        verbose_name = _("reports")
        verbose_name_plural = _("reports")


def _export_path(export, filename):
    return f"report-exports/{export.pk}/{filename}"


class ReportExport(models.Model):
    """A people-list export too big to build within a request (an XLSX of an
    administration, a CSV of the city): built by a Celery worker from exactly
    the same rows and columns, kept privately for `REPORT_EXPORT_KEEP`, and
    downloadable only by the person who asked, while the unit is still in
    their scope."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Empty: everyone in the requester's scope. A unit that is deleted takes
    # its exports with it (never widened to the whole scope).
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The people list's own parameters only (its filters and sort), as the
    # query string the page had.
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(_("language"), max_length=10)
    day = models.DateField(_("report day"))
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # The requester's scope when the file was built (null: the whole city):
    # the download needs every part of it still in their scope.
    scope_paths = models.JSONField(_("scope"), null=True, blank=True)
    # For an export of everyone: the user ids of the direct reports it
    # included; the download needs each still the requester's direct report.
    scope_people = models.JSONField(_("direct reports"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=_export_path, blank=True
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A build beats while it writes rows: one that stops beating lost its
    # worker and is queued again (up to BUILD_ATTEMPTS builds in all).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("builds started"), default=0)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"


@receiver(post_delete, sender=ReportExport)
def _delete_export_file(sender, instance, **kwargs):
    """A deleted export takes its file along (a unit or person deleted, the
    sweep's clean-up): a file of people's records never outlives its row."""
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
