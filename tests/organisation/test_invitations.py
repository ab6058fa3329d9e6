"""Invitations: one email per person with a one-time, expiring set-password link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from organisation.invitations import invite
from organisation.tasks import send_invitation
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Vårlök-och-hallon-42"


@pytest.fixture
def newcomer(db):
    user = make_staff("e1001")
    user.set_unusable_password()
    user.save()
    return user


def link_in(message):
    return re.search(r"http://[^\s\"<]+/konto/losenord/[^\s\"<]+/", message.body).group(
        0
    )


def test_invitation_is_sent_once_on_commit(
    newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(newcomer)
        invite(newcomer)
    send_invitation(newcomer.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [newcomer.email]
    assert "e1001" in message.body
    assert Notification.objects.get(recipient=newcomer).kind == "invitation"
    assert message.extra_headers["Message-ID"] == Notification.objects.get().message_id


def test_invitation_is_in_the_persons_language(newcomer):
    newcomer.staff_profile.preferred_language = "en"
    newcomer.staff_profile.save()
    send_invitation(newcomer.pk)
    assert mail.outbox[0].subject == "Welcome to Kompetens: set your password"
    newcomer.staff_profile.preferred_language = "sv"
    newcomer.staff_profile.save()
    Notification.objects.all().delete()
    send_invitation(newcomer.pk)
    assert mail.outbox[1].subject != mail.outbox[0].subject


def test_link_sets_the_password_once(client, newcomer):
    send_invitation(newcomer.pk)
    url = link_in(mail.outbox[0]).replace("http://localhost:8000", "")
    response = client.get(url, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("set_password_done")
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    # Used once: the same link no longer works.
    client.logout()
    response = client.get(url, follow=True)
    assert response.context["validlink"] is False


def test_link_expires(client, newcomer):
    send_invitation(newcomer.pk)
    url = link_in(mail.outbox[0]).replace("http://localhost:8000", "")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(url, follow=True)
    assert response.context["validlink"] is False
    assert (
        "har gått ut" in response.content.decode()
        or "expired" in response.content.decode()
    )


def test_weak_password_gets_a_message_and_nothing_is_set(client, newcomer):
    send_invitation(newcomer.pk)
    url = link_in(mail.outbox[0]).replace("http://localhost:8000", "")
    form_url = client.get(url, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


@pytest.mark.parametrize(
    "password, problem",
    [("Hallon-42ab", "minst 12 tecken"), ("password1234", "för vanligt")],
)
def test_a_password_must_be_twelve_characters_and_not_common(
    client, newcomer, password, problem
):
    send_invitation(newcomer.pk)
    url = link_in(mail.outbox[0]).replace("http://localhost:8000", "")
    form_url = client.get(url, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": password, "new_password2": password},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert problem in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_inactive_or_emailless_people_are_not_invited(newcomer):
    newcomer.is_active = False
    newcomer.save()
    assert send_invitation(newcomer.pk) == "nothing to send"
    assert mail.outbox == []


def test_an_import_enqueues_one_task_and_the_sweep_catches_lost_ones(
    django_capture_on_commit_callbacks, mailoutbox
):
    """40,000 new people must not mean 40,000 broker round trips in the
    request: one task fans out in the worker; what was lost is caught up."""
    from organisation import tasks
    from organisation.invitations import invite_many
    from organisation.models import StaffProfile
    from tests.factories import UserFactory

    people = [UserFactory(username=f"ny{n}") for n in range(3)]
    for n, person in enumerate(people):
        StaffProfile.objects.create(user=person, employee_number=f"N{n}")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invite_many([p.pk for p in people])
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    # Nothing left to catch up; a person whose invitation was lost is.
    assert tasks.sweep_invitations() == 0
    lost = UserFactory(username="lost")
    StaffProfile.objects.create(user=lost, employee_number="N9")
    assert tasks.sweep_invitations() == 1
    assert mailoutbox[-1].to == [lost.email]
    assert tasks.sweep_invitations() == 0
