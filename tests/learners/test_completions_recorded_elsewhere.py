"""Completions recorded by HR count like completions, once."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learners import actions
from learners.models import Certificate, Enrolment
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hr(db):
    user = UserFactory(username="hr-records")
    user.user_permissions.add(Permission.objects.get(codename="record_completion"))
    return user


def test_recorded_completion_counts_and_is_recorded_once(
    hr, learner, course, django_capture_on_commit_callbacks
):
    course.validity_kind, course.validity_months = "months", 12
    publish(course)
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.record_completion_elsewhere(
            hr, learner, course, date(2026, 3, 4), note="Klassrumsutbildning"
        )
        again = actions.record_completion_elsewhere(
            hr, learner, course, date(2026, 3, 4), note="Klassrumsutbildning"
        )
    assert first.pk == again.pk
    assert (first.source, first.recorded_by, first.cycle) == ("external", hr, 1)
    assert timezone.localdate(first.completed_at) == date(2026, 3, 4)
    certificate = Certificate.objects.get()
    assert (certificate.valid_from, certificate.valid_until) == (
        date(2026, 3, 4),
        date(2027, 3, 4),
    )
    assert mail.outbox == []  # no completion email for recorded history


def test_an_open_cycle_is_completed_and_a_completed_one_gets_a_new_cycle(
    hr, learner, course, lessons
):
    actions.record_lesson_progress(learner, lessons[0], completed=True)
    recorded = actions.record_completion_elsewhere(
        hr, learner, course, date(2026, 1, 10), source="imported"
    )
    assert recorded.cycle == 1 and recorded.source == "imported"
    later = actions.record_completion_elsewhere(hr, learner, course, date(2026, 6, 1))
    assert later.cycle == 2
    assert Enrolment.objects.filter(learner=learner).count() == 2


def test_future_date_and_missing_permission_are_refused(hr, learner, course):
    with pytest.raises(ValidationError):
        actions.record_completion_elsewhere(
            hr, learner, course, timezone.localdate() + timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        actions.record_completion_elsewhere(learner, learner, course, date(2026, 1, 1))
    assert not Enrolment.objects.exists()
