"""How long a course's certificate is valid: none, N months from completion,
or until a fixed yearly date with a minimum active period.

`valid_until` is the last day on which the certificate is valid (inclusive),
counted in the city's calendar (Europe/Stockholm).
"""

import calendar
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def _on(year, month, day):
    """The date, with 29 February falling back to the 28th in other years."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Validity:
    class Kind(models.TextChoices):
        NONE = "none", _("No expiry")
        MONTHS = "months", _("N months from completion")
        YEARLY = "yearly", _("Fixed yearly date")

    kind: str = Kind.NONE
    months: int | None = None
    yearly_month: int | None = None
    yearly_day: int | None = None
    minimum_days: int = 0

    def check(self):
        """Raise ValidationError (field → message) if the settings are incomplete."""
        errors = {}
        if self.kind == self.Kind.MONTHS and not self.months:
            errors["validity_months"] = _("Give the number of months.")
        if self.kind == self.Kind.YEARLY:
            if not self.yearly_month:
                errors["validity_yearly_month"] = _("Give the month.")
            elif not self.yearly_day or not (
                1 <= self.yearly_day <= calendar.monthrange(2024, self.yearly_month)[1]
            ):
                errors["validity_yearly_day"] = _(
                    "Give a day that exists in that month."
                )
            if (self.minimum_days or 0) >= 366:
                errors["validity_minimum_days"] = _("Must be less than a year.")
        if errors:
            raise ValidationError(errors)

    def valid_until(self, completed_on: date) -> date | None:
        if self.kind == self.Kind.MONTHS:
            return completed_on + relativedelta(months=self.months)
        if self.kind == self.Kind.YEARLY:
            expiry = _on(completed_on.year, self.yearly_month, self.yearly_day)
            if expiry <= completed_on:
                expiry = _on(completed_on.year + 1, self.yearly_month, self.yearly_day)
            if (expiry - completed_on).days < (self.minimum_days or 0):
                expiry = _on(expiry.year + 1, self.yearly_month, self.yearly_day)
            return expiry
        return None
