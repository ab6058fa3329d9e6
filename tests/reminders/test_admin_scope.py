"""The reminders log scoped like the reports (organisation.scope): a local
coordinator of administration A sees only the reminders about A's people
(B's person absent, B's row a 404), B's coordinator B's, central HR both,
and an HR author without the permission is refused."""

import pytest
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from reminders.models import NotificationItem
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


def _reminder(person, n=0):
    message = Notification.objects.create(
        key=f"reminders:{person.username}:{n}",
        kind=Notification.Kind.REMINDERS,
        recipient=person,
    )
    return NotificationItem.objects.create(
        notification=message,
        key=f"item:{person.username}:{n}",
        trigger=NotificationItem.Trigger.BEFORE,
        person=person,
        course_title=f"Kurs för {person.last_name} {n}",
    )


def _listing(client, user):
    client.force_login(user)
    return client.get(reverse("reminders_sent:index")).content.decode()


def test_a_coordinator_reads_only_the_reminders_of_their_administration(client, org):
    of_a, of_b = _reminder(org["alma"]), _reminder(org["bertil"])
    html = _listing(client, org["coord_a"])
    assert "Kurs för Ahlström 0" in html
    assert "Bergqvist" not in html and "bertil" not in html
    for name in ("inspect", "history"):
        url = reverse(f"reminders_sent:{name}", args=[of_b.pk])
        assert client.get(url).status_code == 404, name
    url = reverse("reminders_sent:inspect", args=[of_a.pk])
    assert "Kurs för Ahlström 0" in client.get(url).content.decode()

    html = _listing(client, org["coord_b"])
    assert "Kurs för Bergqvist 0" in html and "Ahlström" not in html
    html = _listing(client, org["central"])
    assert "Kurs för Bergqvist 0" in html and "Kurs för Ahlström 0" in html


def test_an_hr_author_without_the_permission_is_refused(client, org):
    item = _reminder(org["alma"])
    client.force_login(org["author"])
    assert refused(client.get(reverse("reminders_sent:index")))
    assert refused(client.get(reverse("reminders_sent:inspect", args=[item.pk])))


def test_the_listing_reads_a_fixed_number_of_queries(
    client, org, django_assert_max_num_queries
):
    _reminder(org["alma"])
    _listing(client, org["coord_a"])
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("reminders_sent:index"))
    for n in range(1, 9):
        _reminder(org["alma"] if n % 2 else org["coord_a"], n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("reminders_sent:index")).content.decode()
    assert "Kurs för Ahlström 7" in html
