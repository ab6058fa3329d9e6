"""The sent-messages log scoped like the reports (organisation.scope, asked
through core.admin): a local coordinator of administration A sees only the
messages to A's people (B's recipient absent, B's message a 404), B's
coordinator B's, central HR both, and an HR author without the permission is
refused."""

import pytest
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from tests.helpers import admin_refused as refused
from tests.helpers import make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return make_two_administrations()


def _message(person, n=0):
    return Notification.objects.create(
        key=f"reminders:{person.username}:{n}",
        kind=Notification.Kind.REMINDERS,
        recipient=person,
        subject=f"Påminnelse {n} till {person.get_full_name()}",
    )


def _listing(client, user):
    client.force_login(user)
    return client.get(reverse("sent_messages:index")).content.decode()


def test_a_coordinator_reads_only_the_messages_to_their_administration(client, org):
    to_a, to_b = _message(org["alma"]), _message(org["bertil"])
    html = _listing(client, org["coord_a"])
    assert "Påminnelse 0 till Alma Ahlström" in html
    assert "bertil" not in html and "Bergqvist" not in html
    for name in ("inspect", "history"):
        url = reverse(f"sent_messages:{name}", args=[to_b.pk])
        assert client.get(url).status_code == 404, name
    inspect = client.get(reverse("sent_messages:inspect", args=[to_a.pk]))
    assert "Påminnelse 0 till Alma Ahlström" in inspect.content.decode()

    html = _listing(client, org["coord_b"])
    assert "Bertil Bergqvist" in html and "Alma Ahlström" not in html
    html = _listing(client, org["central"])
    assert "Bertil Bergqvist" in html and "Alma Ahlström" in html


def test_a_search_does_not_reach_outside_the_scope(client, org):
    _message(org["bertil"])
    client.force_login(org["coord_a"])
    response = client.get(reverse("sent_messages:index"), {"q": "bertil"})
    assert "Bergqvist" not in response.content.decode()


def test_an_hr_author_without_the_permission_is_refused(client, org):
    message = _message(org["alma"])
    client.force_login(org["author"])
    assert refused(client.get(reverse("sent_messages:index")))
    assert refused(client.get(reverse("sent_messages:inspect", args=[message.pk])))


def test_the_listing_reads_a_fixed_number_of_queries(
    client, org, django_assert_max_num_queries
):
    _message(org["alma"])
    _listing(client, org["coord_a"])
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("sent_messages:index"))
    for n in range(1, 9):
        _message(org["alma"] if n % 2 else org["coord_a"], n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("sent_messages:index")).content.decode()
    assert "Påminnelse 7 till Alma Ahlström" in html
