"""Reminders: the policy HR sets, and what each message told whom.

A `Notification` (the delivery log, in `notifications`) is one email; its
`NotificationItem`s are the reminders it carried. Each item's `key` is unique
per (trigger, assignment or certificate, period): a reminder goes out in one
message only, and the item row is the proof that the person was told.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from learners.models import CourseRecord


def _day_list(value):
    try:
        days = [int(part) for part in value.replace(" ", "").split(",") if part]
    except ValueError:
        raise ValidationError(
            _("Give whole numbers of days separated by commas, for example 14, 3.")
        ) from None
    if any(day <= 0 or day > 365 for day in days):
        raise ValidationError(_("Each number of days must be from 1 to 365."))
    return sorted(set(days), reverse=True)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


@register_setting(icon="mail")
class ReminderPolicy(BaseGenericSetting):
    """When reminders go out. Sensible defaults ship; HR changes them in
    Settings → Reminders."""

    before_days = models.CharField(
        _("remind before the due date (days)"),
        max_length=50,
        default="14, 3",
        validators=[_day_list],
        help_text=_("Comma-separated, for example 14, 3."),
    )
    on_due_date = models.BooleanField(_("remind on the due date"), default=True)
    overdue_every_days = models.PositiveSmallIntegerField(
        _("remind when overdue, every (days)"),
        default=7,
        help_text=_("0: no overdue reminders."),
    )
    escalate_to_manager_after = models.PositiveSmallIntegerField(
        _("tell the line manager after (days overdue)"),
        default=14,
        help_text=_("0: never."),
    )
    escalate_to_hr_after = models.PositiveSmallIntegerField(
        _("tell the HR contact after (days overdue)"),
        default=30,
        help_text=_("0: never."),
    )
    hr_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("HR contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expiring_days_before = models.PositiveSmallIntegerField(
        _("remind before a certificate expires (days)"),
        default=30,
        help_text=_("0: no reminders about expiring certificates."),
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly personal digest on"), choices=WEEKDAYS, default=0
    )
    manager_digest_weekday = models.PositiveSmallIntegerField(
        _("weekly manager digest on"), choices=WEEKDAYS, default=0
    )
    window_start = models.TimeField(
        _("send from (Stockholm time)"), default=datetime.time(8, 0)
    )
    window_end = models.TimeField(
        _("send until (Stockholm time)"), default=datetime.time(17, 0)
    )
    send_on_weekends = models.BooleanField(_("send on weekends"), default=False)
    rate_per_minute = models.PositiveIntegerField(
        _("at most (messages per minute)"),
        default=120,
        help_text=_(
            "For all workers together, so the city's mail relay is never overrun."
        ),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("before_days"),
                FieldPanel("on_due_date"),
                FieldPanel("overdue_every_days"),
                FieldPanel("expiring_days_before"),
            ],
            heading=_("Reminders"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("escalate_to_manager_after"),
                FieldPanel("escalate_to_hr_after"),
                FieldPanel("hr_contact"),
            ],
            heading=_("Escalation"),
        ),
        MultiFieldPanel(
            [FieldPanel("digest_weekday"), FieldPanel("manager_digest_weekday")],
            heading=_("Weekly digests"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("window_start"),
                FieldPanel("window_end"),
                FieldPanel("send_on_weekends"),
                FieldPanel("rate_per_minute"),
            ],
            heading=_("Sending"),
        ),
    ]

    class Meta:
        verbose_name = _("reminders")
        verbose_name_plural = _("reminders")

    def clean(self):
        super().clean()
        if (
            self.window_start
            and self.window_end
            and self.window_end <= self.window_start
        ):
            raise ValidationError(
                {"window_end": _("The sending window must end after it starts.")}
            )
        if (
            self.escalate_to_hr_after
            and self.escalate_to_manager_after
            and self.escalate_to_hr_after < self.escalate_to_manager_after
        ):
            raise ValidationError(
                {
                    "escalate_to_hr_after": _(
                        "HR is told after the line manager, not before."
                    )
                }
            )
        if self.rate_per_minute == 0:
            raise ValidationError({"rate_per_minute": _("Must be at least 1.")})

    @property
    def before(self):
        return _day_list(self.before_days or "")


class NotificationItem(CourseRecord):
    """One reminder carried by one message."""

    class Trigger(models.TextChoices):
        BEFORE = "before", _("Due soon")
        DUE = "due", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        ESCALATE_MANAGER = "escalate_manager", _("Overdue: told the manager")
        ESCALATE_HR = "escalate_hr", _("Overdue: told HR")
        EXPIRING = "expiring", _("Certificate expiring")
        MANUAL = "manual", _("Sent by a manager")
        DIGEST = "digest", _("In the weekly digest")

    notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    key = models.CharField(_("key"), max_length=200, unique=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("whose training"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    assignment = models.ForeignKey(
        "assignments.Assignment",
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification_items",
    )
    certificate = models.ForeignKey(
        "learners.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        indexes = [models.Index(fields=["person", "course"])]

    def __str__(self):
        # The admin's name of the row: words, never the key.
        return f"{self.course_title} – {self.get_trigger_display()}"
