"""The xAPI admin is the city's: the outbox, its problems and requests and
the learning record stores hold every learner's statements and the LRSs'
credentials, which no unit's scope can narrow. So it needs the permission and
the city's scope (central HR, superusers): a local coordinator given every
xAPI permission by mistake is refused each page, and changes nothing."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from organisation.models import StaffProfile
from tests.factories import UserFactory, make_unit
from tests.helpers import admin_refused as refused
from tests.helpers import in_english
from xapi.models import LrsDestination

pytestmark = pytest.mark.django_db

XAPI_PERMISSIONS = [
    "access_admin",
    "add_lrsdestination",
    "change_lrsdestination",
    "delete_lrsdestination",
    "view_lrsdestination",
    "view_statementdelivery",
    "change_statementdelivery",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _with_every_xapi_permission(username, **profile):
    user = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "xapi"],
            codename__in=XAPI_PERMISSIONS,
        )
    )
    StaffProfile.objects.create(user=user, employee_number=f"E-{username}", **profile)
    return in_english(user)


@pytest.fixture
def destination(db):
    return LrsDestination.objects.create(
        name="Ralph",
        endpoint="https://lrs.example.se/xAPI/",
        username="kompetens",
        password="hemligt-lösenord",
    )


def _pages(destination):
    return [
        reverse("xapi_outbox"),
        reverse("xapi_problems"),
        reverse("xapi_requests", args=[destination.pk]),
        reverse("lrs_destinations:index"),
        reverse("lrs_destinations:add"),
        reverse("lrs_destinations:edit", args=[destination.pk]),
        reverse("lrs_destinations:delete", args=[destination.pk]),
    ]


def test_a_coordinator_with_every_xapi_permission_is_refused(client, destination):
    admin = make_unit("FA", name="Förvaltning Alfa")
    coordinator = _with_every_xapi_permission(
        "coord", hr_role="coordinator", coordinator_of=admin, unit=admin
    )
    client.force_login(coordinator)
    for url in _pages(destination):
        assert refused(client.get(url)), url
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("xapi_outbox") not in home
    assert reverse("lrs_destinations:index") not in home
    assert refused(client.post(reverse("xapi_requeue"), {}))
    response = client.post(reverse("lrs_destinations:delete", args=[destination.pk]))
    assert refused(response)
    assert LrsDestination.objects.filter(pk=destination.pk).exists()


def test_central_hr_with_the_permissions_reaches_every_page(client, destination):
    central = _with_every_xapi_permission("central", hr_role="central")
    client.force_login(central)
    for url in _pages(destination):
        assert client.get(url).status_code == 200, url
    assert "Ralph" in client.get(reverse("xapi_outbox")).content.decode()


def test_an_hr_author_without_the_permission_is_refused(client, destination):
    author = _with_every_xapi_permission("author", hr_role="central")
    author.user_permissions.set(Permission.objects.filter(codename="access_admin"))
    client.force_login(author)
    for url in _pages(destination):
        assert refused(client.get(url)), url
