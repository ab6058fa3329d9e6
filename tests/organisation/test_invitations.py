"""Invitations: one email per person with a one-time, expiring set-password
link, written to the delivery log in the import's transaction and composed
when it is sent (notifications.sender)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import sender
from notifications.models import Notification
from organisation.invitations import invitation_key, invite, invite_many
from organisation.models import StaffProfile
from tests.factories import UserFactory, make_staff

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


def send_invitation(user, capture):
    """Invite as an import does, and let the transaction commit."""
    with capture(execute=True):
        invite(user)


@pytest.fixture
def invited(newcomer, django_capture_on_commit_callbacks):
    send_invitation(newcomer, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def test_invitation_is_sent_once_on_commit(
    newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invite(newcomer)
        invite(newcomer)
    assert len(callbacks) == 1
    assert sender.hand_out() == 0  # nothing left to send
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [newcomer.email]
    assert "e1001" in message.body
    row = Notification.objects.get(recipient=newcomer)
    assert (row.kind, row.key, row.status) == (
        "invitation",
        invitation_key(newcomer.pk),
        "sent",
    )
    assert message.extra_headers["Message-ID"] == row.message_id


def test_invitation_is_in_the_persons_language(
    newcomer, django_capture_on_commit_callbacks
):
    newcomer.staff_profile.preferred_language = "en"
    newcomer.staff_profile.save()
    send_invitation(newcomer, django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Welcome to Kompetens: set your password"
    newcomer.staff_profile.preferred_language = "sv"
    newcomer.staff_profile.save()
    Notification.objects.all().delete()
    send_invitation(newcomer, django_capture_on_commit_callbacks)
    assert mail.outbox[1].subject != mail.outbox[0].subject


def test_the_link_is_made_when_the_invitation_is_sent(client, newcomer):
    """Sent days after it was written (the relay was down, the import ran
    before a holiday): the link is fresh, not expired at arrival."""
    invite(newcomer)  # its on-commit send never fires here
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert sender.hand_out() == 1
        url = link_in(mail.outbox[0]).replace("http://localhost:8000", "")
        response = client.get(url, follow=True)
    assert response.context["validlink"] is True


def test_link_sets_the_password_once(client, newcomer, invited):
    url = link_in(invited).replace("http://localhost:8000", "")
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


def test_link_expires(client, invited):
    url = link_in(invited).replace("http://localhost:8000", "")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(url, follow=True)
    assert response.context["validlink"] is False
    assert (
        "har gått ut" in response.content.decode()
        or "expired" in response.content.decode()
    )


def test_weak_password_gets_a_message_and_nothing_is_set(client, newcomer, invited):
    url = link_in(invited).replace("http://localhost:8000", "")
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
    client, newcomer, invited, password, problem
):
    url = link_in(invited).replace("http://localhost:8000", "")
    form_url = client.get(url, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": password, "new_password2": password},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert problem in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_inactive_or_emailless_people_are_not_invited(
    newcomer, django_capture_on_commit_callbacks
):
    newcomer.is_active = False
    newcomer.save()
    send_invitation(newcomer, django_capture_on_commit_callbacks)
    newcomer.is_active, newcomer.email = True, ""
    newcomer.save()
    send_invitation(newcomer, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_someone_deactivated_or_signed_in_before_sending_is_not_sent_it(
    newcomer, other_learner
):
    invite(newcomer)
    invite(other_learner)
    newcomer.is_active = False
    newcomer.save()
    other_learner.last_login = timezone.now()
    other_learner.save()
    with time_machine.travel(timezone.now() + sender.ENQUEUE_LEASE * 2):
        assert sender.hand_out() == 2
    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", flat=True)) == {"not_sent"}


def test_an_import_writes_the_invitations_at_once_and_hands_them_out_on_commit(
    django_capture_on_commit_callbacks, mailoutbox
):
    """40,000 new people must not mean 40,000 broker round trips in the
    request: one write to the log, one hand-out task; what the hand-out did
    not get to (its enqueue lost) the next one (beat, every minute) sends."""
    people = [UserFactory(username=f"ny{n}") for n in range(3)]
    for n, person in enumerate(people):
        StaffProfile.objects.create(user=person, employee_number=f"N{n}")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert invite_many([p.pk for p in people]) == 3
    assert [c.func.__self__.name for c in callbacks] == ["notifications.hand_out"]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    # Invited again (the file imported twice): nothing new.
    assert invite_many([p.pk for p in people]) == 0
    # One whose hand-out was lost is sent by the next.
    lost = UserFactory(username="lost")
    StaffProfile.objects.create(user=lost, employee_number="N9")
    assert invite_many([lost.pk]) == 1  # its on-commit hand-out never fires
    assert sender.hand_out() == 1
    assert mailoutbox[-1].to == [lost.email]
    assert sender.hand_out() == 0
    assert len(mailoutbox) == 4
