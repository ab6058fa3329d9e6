"""Certificate validity arithmetic, for both kinds of validity."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from courses.validity import Validity

MONTHS = Validity.Kind.MONTHS
YEARLY = Validity.Kind.YEARLY


@pytest.mark.parametrize(
    ("months", "completed", "until"),
    [
        (12, date(2026, 3, 15), date(2027, 3, 15)),
        (24, date(2026, 3, 15), date(2028, 3, 15)),
        (1, date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February
        (12, date(2028, 2, 29), date(2029, 2, 28)),  # leap day
        (6, date(2026, 8, 31), date(2027, 2, 28)),
    ],
)
def test_months_from_completion(months, completed, until):
    assert Validity(kind=MONTHS, months=months).valid_until(completed) == until


@pytest.mark.parametrize(
    ("completed", "minimum", "until"),
    [
        (date(2026, 3, 1), 0, date(2026, 12, 31)),
        (date(2026, 12, 31), 0, date(2027, 12, 31)),  # on the date: next year's
        (date(2026, 12, 10), 60, date(2027, 12, 31)),  # too close: next year's
        (date(2026, 10, 31), 60, date(2026, 12, 31)),  # exactly 61 days
        (date(2026, 11, 2), 60, date(2027, 12, 31)),  # 59 days: next year's
    ],
)
def test_fixed_yearly_date_with_minimum_active_period(completed, minimum, until):
    validity = Validity(
        kind=YEARLY, yearly_month=12, yearly_day=31, minimum_days=minimum
    )
    assert validity.valid_until(completed) == until


def test_yearly_leap_day_falls_back_in_other_years():
    validity = Validity(kind=YEARLY, yearly_month=2, yearly_day=29)
    assert validity.valid_until(date(2026, 1, 10)) == date(2026, 2, 28)
    assert validity.valid_until(date(2027, 6, 1)) == date(2028, 2, 29)


def test_no_validity_never_expires():
    assert Validity().valid_until(date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("validity", "field"),
    [
        (Validity(kind=MONTHS), "validity_months"),
        (Validity(kind=YEARLY, yearly_day=1), "validity_yearly_month"),
        (Validity(kind=YEARLY, yearly_month=4, yearly_day=31), "validity_yearly_day"),
        (
            Validity(kind=YEARLY, yearly_month=4, yearly_day=1, minimum_days=400),
            "validity_minimum_days",
        ),
    ],
)
def test_incomplete_settings_are_refused_with_a_message(validity, field):
    with pytest.raises(ValidationError) as error:
        validity.check()
    assert field in error.value.message_dict
