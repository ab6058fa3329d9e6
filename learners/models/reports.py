"""Goals HR follows up, and what managers may see in reports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class ReportGoal(models.Model):
    """“90 % of <scope> complete <course> by 30 June.”"""

    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="report_goals",
    )
    unit = models.ForeignKey(
        "learners.OrgUnit",
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
