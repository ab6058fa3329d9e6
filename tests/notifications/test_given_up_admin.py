"""The admin's messages given up (notifications.resend_views), scoped like the
reports: a local coordinator of administration A sees and sends again only
A's people's messages, central HR everyone's; sending again is a POST, by
kind or all; people without the permission are refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from tests.helpers import admin_refused, make_two_administrations
from tests.notifications.support import T0

pytestmark = pytest.mark.django_db

Status = Notification.Status
Kind = Notification.Kind
INDEX = reverse("messages_given_up")
SEND_AGAIN = reverse("messages_send_again")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return make_two_administrations()


def given_up(person, kind=Kind.INVITATION, n=0):
    return Notification.objects.create(
        key=f"{kind}:{person.username}:{n}",
        kind=kind,
        recipient=person,
        status=Status.FAILED,
        attempts=70,
        first_failed_at=T0,
        given_up_at=T0 + timedelta(hours=72),
        alerted_at=T0 + timedelta(hours=72, minutes=10),  # HR was told
        last_error="ConnectionRefusedError(111, 'Connection refused')",
    )


@pytest.fixture
def messages(org):
    return {
        "alma_invitation": given_up(org["alma"]),
        # Its export is gone: composed to nothing when sent again.
        "alma_export": given_up(org["alma"], Kind.REPORT_EXPORT),
        "bertil_invitation": given_up(org["bertil"]),
    }


def statuses():
    return dict(Notification.objects.values_list("key", "status"))


def page(client, user):
    client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == 200
    return response.content.decode()


def test_a_coordinator_sees_only_the_messages_given_up_in_their_administration(
    client, org, messages
):
    html = page(client, org["coord_a"])
    assert "Alma Ahlström" in html
    assert 'data-kind="invitation"' in html and 'data-kind="report_export"' in html
    assert "Bertil" not in html and "Bergqvist" not in html
    assert "Send all 2 messages again" in html

    html = page(client, org["coord_b"])
    assert "Bertil Bergqvist" in html and "Alma" not in html
    assert 'data-kind="report_export"' not in html

    html = page(client, org["central"])
    assert "Alma Ahlström" in html and "Bertil Bergqvist" in html
    assert "Send all 3 messages again" in html


def test_a_message_sent_or_pending_is_not_listed(client, org, messages):
    Notification.objects.filter(recipient=org["bertil"]).update(status=Status.SENT)
    html = page(client, org["central"])
    assert "Bertil" not in html and "Send all 2 messages again" in html


def test_sending_all_again_sends_only_those_in_scope(
    client, org, messages, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org["coord_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SEND_AGAIN)
    assert response.status_code == 302 and response["Location"] == INDEX
    # Handed out at once: the invitation went, the export (gone) was not sent.
    assert [m.to for m in mailoutbox] == [[org["alma"].email]]
    assert statuses() == {
        "invitation:alma:0": Status.SENT,
        "report_export:alma:0": Status.NOT_SENT,
        "invitation:bertil:0": Status.FAILED,
    }
    alma = Notification.objects.get(key="invitation:alma:0")
    assert (alma.given_up_at, alma.first_failed_at) == (None, None)  # anew
    html = client.get(INDEX).content.decode()
    assert "2 messages will be sent again now." in html
    assert "No message has been given up." in html


def test_sending_one_kind_again_leaves_the_others_given_up(
    client, org, messages, django_capture_on_commit_callbacks
):
    client.force_login(org["central"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(SEND_AGAIN, {"kind": Kind.INVITATION})
    assert [c.func.__self__.name for c in callbacks] == ["notifications.hand_out"]
    assert statuses() == {
        "invitation:alma:0": Status.PENDING,
        "report_export:alma:0": Status.FAILED,
        "invitation:bertil:0": Status.PENDING,
    }
    html = client.get(INDEX).content.decode()
    assert "2 messages will be sent again now." in html


def test_a_kind_that_is_not_one_gets_a_message_and_changes_nothing(
    client, org, messages, django_capture_on_commit_callbacks
):
    before = statuses()
    client.force_login(org["central"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(SEND_AGAIN, {"kind": "everything"}, follow=True)
    assert callbacks == []
    assert statuses() == before
    assert "That is not a kind of message; nothing was sent." in (
        response.content.decode()
    )


def test_nothing_left_to_send_again_says_so(client, org):
    client.force_login(org["coord_b"])
    html = client.post(SEND_AGAIN, follow=True).content.decode()
    assert "No given-up message was left to send again." in html


def test_sending_again_is_a_post_only(client, org, messages):
    before = statuses()
    client.force_login(org["central"])
    assert client.get(SEND_AGAIN).status_code == 405
    assert statuses() == before


def test_people_without_the_permission_are_refused(client, org, messages):
    before = statuses()
    client.force_login(org["author"])  # in the admin, not an HR administrator
    assert admin_refused(client.get(INDEX))
    assert admin_refused(client.post(SEND_AGAIN))
    client.force_login(org["alma"])  # not in the admin at all
    for response in (client.get(INDEX), client.post(SEND_AGAIN)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert statuses() == before


def test_anonymous_visitors_are_sent_to_sign_in(client, messages):
    before = statuses()
    for response in (client.get(INDEX), client.post(SEND_AGAIN)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert statuses() == before


def test_the_page_reads_a_fixed_number_of_queries(
    client, org, messages, django_assert_max_num_queries
):
    page(client, org["coord_a"])
    with django_assert_max_num_queries(40) as few:
        client.get(INDEX)
    for n in range(1, 9):
        given_up(org["alma"], Kind.INVITATION, n)
        given_up(org["alma"], Kind.COURSE_COMPLETED, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(INDEX).content.decode()
    assert "Send all 18 messages again" in html
