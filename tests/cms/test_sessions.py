"""Sessions end after an idle hour and after ten hours whatever the activity,
on the server; a leaver's session does not come back when they are
reactivated; personal pages are never kept by the browser."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.models import AccessibilityStatementPage
from organisation.hr_import import FULL, PARTIAL, STAFF, apply_import
from organisation.models import StaffProfile
from tests.factories import UserFactory, make_unit
from tests.helpers import STAFF_HEADER, csv_bytes, staff_row

pytestmark = pytest.mark.django_db

MY_LEARNING = "/learning/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_idle_hour_logs_out_and_says_so(learner, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in(learner)
        assert client.get(MY_LEARNING).status_code == 200
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert client.get(MY_LEARNING).status_code == 200  # activity: kept
    with time_machine.travel(start + timedelta(minutes=59 + 61), tick=False):
        response = client.get(MY_LEARNING)
        assert response.status_code == 302
        assert response["Location"] == reverse("signed_out")
        page = client.get(response["Location"])
        assert "Du har loggats ut" in page.content.decode()
        # Logged out on the server: the session row is gone, the next request
        # is anonymous.
        assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()
        assert client.get(MY_LEARNING)["Location"].startswith("/login/")


def test_ten_hours_log_out_whatever_the_activity(learner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in(learner)
        client.get(MY_LEARNING)
    for minutes in range(30, 600, 30):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(MY_LEARNING).status_code == 200
    with time_machine.travel(start + timedelta(hours=10, minutes=1), tick=False):
        assert client.get(MY_LEARNING)["Location"] == reverse("signed_out")


def test_the_last_activity_is_written_at_most_once_a_minute(
    learner, django_assert_max_num_queries
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in(learner)
        client.get(MY_LEARNING)
        session = Session.objects.get()
        before = session.session_data
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get(MY_LEARNING)
    assert Session.objects.get().session_data == before  # nothing written
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        client.get(MY_LEARNING)
    assert Session.objects.get().session_data != before


def test_personal_pages_and_exports_are_not_kept_by_the_browser(
    learner_client, catalogue
):
    for url in (MY_LEARNING, "/learning/notifications/", catalogue.url):
        cache = learner_client.get(url)["Cache-Control"]
        assert "no-store" in cache and "private" in cache, url
    # A public page for anonymous visitors may be cached.
    statement = AccessibilityStatementPage.objects.get()
    public = Client().get(statement.url)
    assert public.status_code == 200
    assert "no-store" not in public.get("Cache-Control", "")


def test_a_leaver_reactivated_does_not_get_their_old_session_back(db):
    make_unit("U1")
    both = csv_bytes(STAFF_HEADER, staff_row("1001"), staff_row("1002"))
    apply_import(None, STAFF, both, "staff.csv", PARTIAL)
    person = StaffProfile.objects.get(employee_number="1001").user
    client = logged_in(person)
    assert client.get(MY_LEARNING).status_code == 200
    # A full file without 1001: a leaver.
    leave = csv_bytes(STAFF_HEADER, staff_row("1002"))
    apply_import(None, STAFF, leave, "staff.csv", FULL, confirm_deactivations=True)
    assert client.get(MY_LEARNING).status_code == 302  # inactive: anonymous
    apply_import(None, STAFF, both, "staff.csv", PARTIAL)
    person.refresh_from_db()
    assert person.is_active
    assert client.get(MY_LEARNING)["Location"].startswith("/login/")
    assert not person.has_usable_password()


def test_a_person_deactivated_in_the_admin_loses_their_sessions_too(db):
    person = UserFactory(username="bo")
    client = logged_in(person)
    assert client.get(MY_LEARNING).status_code == 200
    person.is_active = False
    person.save(update_fields=["is_active"])
    person.is_active = True
    person.save()
    assert client.get(MY_LEARNING)["Location"].startswith("/login/")
    assert StaffProfile.objects.count() == 0
