"""Wrong passwords are throttled (django-axes, accounts.throttling): per
account after LOGIN_FAILURE_LIMIT (5), per address after
LOGIN_FAILURE_LIMIT_PER_ADDRESS (100), for LOGIN_COOLOFF_MINUTES (15); the
same answer for a username that does not exist; HR administrators see the
lockouts and lift them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.throttling import PasswordAttemptBackend
from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from core.addresses import client_address
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from tests.factories import PASSWORD, UserFactory, make_staff, make_unit

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def sign_in(client, username, password, address="127.0.0.1", **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def main_of(response):
    """The page's main content, without its CSRF token (new on every page)."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def fail(client, username, times, address="127.0.0.1"):
    return [sign_in(client, username, WRONG, address) for _n in range(times)]


@pytest.fixture
def anna(db):
    return UserFactory(username="anna")


@pytest.fixture
def hr_admin(db):
    user = make_staff("hr-admin", hr_role=StaffProfile.HrRole.CENTRAL)
    user.groups.add(ensure_hr_admin_group())
    return user


def test_the_settings_say_five_wrong_passwords_and_fifteen_minutes():
    assert settings.LOGIN_FAILURE_LIMIT == 5
    assert settings.LOGIN_COOLOFF_MINUTES == 15
    assert settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS == 100
    assert settings.AUTHENTICATION_BACKENDS[0] == (
        "accounts.throttling.PasswordAttemptBackend"
    )
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE


def test_after_five_wrong_passwords_the_right_one_is_refused_too(client, anna):
    answers = fail(client, "anna", 5)
    # The first four: the form again, with the one message for every refusal.
    for response in answers[:4]:
        assert response.status_code == 200
        assert "id_password" in response.content.decode()
    # The fifth reaches the limit: the lockout page.
    assert answers[4].status_code == 429
    response = sign_in(client, "anna", PASSWORD)
    assert response.status_code == 429
    assert "data-locked-out" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="anna").failures_since_start == 5


def test_four_wrong_passwords_then_the_right_one_signs_in_and_forgets_them(
    client, anna
):
    fail(client, "anna", 4)
    assert sign_in(client, "anna", PASSWORD).status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="anna").exists()
    client.post(reverse("logout"))
    # Four more typing errors do not lock: the earlier four were forgiven.
    fail(client, "anna", 4)
    assert sign_in(client, "anna", PASSWORD).status_code == 302


def test_an_unknown_username_gets_the_same_answers_and_locks_the_same(client, anna):
    known = fail(client, "anna", 5)
    unknown = fail(client, "nobody-by-this-name", 5)
    for mine, theirs in zip(known, unknown, strict=True):
        assert mine.status_code == theirs.status_code
        assert main_of(mine).replace("anna", "X") == main_of(theirs).replace(
            "nobody-by-this-name", "X"
        )
    assert "nobody-by-this-name" not in main_of(unknown[4])
    again = sign_in(client, "nobody-by-this-name", "anything-at-all")
    assert again.status_code == 429
    assert main_of(again) == main_of(sign_in(client, "anna", PASSWORD))


def test_the_session_key_changes_at_sign_in(client, anna):
    session = client.session
    session["before"] = "yes"
    session.save()
    before = session.session_key
    assert sign_in(client, "anna", PASSWORD).status_code == 302
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_the_lock_ends_fifteen_minutes_after_the_last_wrong_password(client, anna):
    with time_machine.travel(START, tick=False) as clock:
        fail(client, "anna", 5)
        clock.shift(timedelta(minutes=10))
        # Tried during the lock: refused, and not counted (the lock does not
        # grow longer than the page says).
        assert sign_in(client, "anna", WRONG).status_code == 429
        clock.shift(timedelta(minutes=4, seconds=50))
        assert sign_in(client, "anna", PASSWORD).status_code == 429
        clock.shift(timedelta(seconds=20))
        assert sign_in(client, "anna", PASSWORD).status_code == 302
        assert signed_in(client)


def test_the_wagtail_admin_login_is_throttled_alike(client):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    url = reverse("wagtailadmin_login")
    for _n in range(5):
        client.post(url, {"username": "root", "password": WRONG})
    response = client.post(url, {"username": "root", "password": PASSWORD})
    assert response.status_code == 429
    assert "data-locked-out" in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=8)
def test_one_address_trying_many_usernames_is_locked_and_others_are_not(client, anna):
    for n in range(8):
        sign_in(client, f"guess{n}", WRONG, address="198.51.100.7")
    assert sign_in(client, "anna", PASSWORD, "198.51.100.7").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "anna", PASSWORD, "198.51.100.8").status_code == 302


def test_an_office_behind_one_address_is_not_locked_by_its_typing_errors(client):
    people = [UserFactory(username=f"office{n}") for n in range(6)]
    for person in people[:5]:
        fail(client, person.username, 4, address="203.0.113.10")
    # 20 failures from the address, well below its limit of 100.
    response = sign_in(client, people[5].username, PASSWORD, "203.0.113.10")
    assert response.status_code == 302


def test_the_address_is_read_from_x_forwarded_for_only_behind_a_trusted_proxy():
    factory = RequestFactory()
    request = factory.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.9"
    )
    assert client_address(request) == "10.0.0.2"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        # The proxy appended 192.0.2.9; "1.2.3.4" was the client's own claim.
        assert client_address(request) == "192.0.2.9"
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_address(request) == "1.2.3.4"
    with override_settings(TRUSTED_PROXY_COUNT=3):
        assert client_address(request) == "10.0.0.2"
    junk = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_address(junk) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT_PER_ADDRESS=6)
def test_behind_the_proxy_each_client_address_counts_on_its_own(client, anna):
    proxy = "10.0.0.2"
    for n in range(6):
        sign_in(
            client,
            f"guess{n}",
            WRONG,
            address=proxy,
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    locked = sign_in(
        client, "anna", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert locked.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").count() == 6
    other = sign_in(
        client, "anna", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    assert other.status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=3)
def test_single_sign_on_is_neither_counted_nor_refused_by_the_throttle(anna):
    request = RequestFactory().post("/konto/oidc/callback/", REMOTE_ADDR="192.0.2.1")
    for n in range(3):
        authenticate(request, username=f"guess{n}", password=WRONG)
    request = RequestFactory().post("/konto/oidc/callback/", REMOTE_ADDR="192.0.2.1")
    # What mozilla-django-oidc passes: no password. The throttle stays out.
    assert PasswordAttemptBackend().authenticate(request, nonce="n", code="c") is None
    user_login_failed.send(sender=__name__, credentials={"nonce": "n"}, request=request)
    assert AccessAttempt.objects.filter(ip_address="192.0.2.1").count() == 3
    assert (
        sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 3
    )


def test_malformed_usernames_are_a_form_error_never_a_500(client):
    # Django's sign-in form passes a username longer than the model's 150
    # characters to the backends: the throttle keeps 255 of it.
    for username in ("x" * 300, "x" * 10_000, "anna\x00", ""):
        response = sign_in(client, username, WRONG)
        assert response.status_code == 200, username
        assert "id_password" in response.content.decode()


# --- HR administrators: see and lift ------------------------------------------


def test_hr_admin_sees_the_lockout_and_lifts_it(client, anna, hr_admin):
    other = UserFactory(username="bertil")
    fail(client, "anna", 5, address="192.0.2.44")
    fail(client, "bertil", 2)
    hr = type(client)()
    hr.force_login(hr_admin)
    response = hr.get(reverse("sign_in_lockouts"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-lockout="account"' in page
    row = page[page.index('data-lockout="account"') :]
    row = row[: row.index("</tr>")]
    assert "anna" in row and "192.0.2.44" in row and "<td>5</td>" in row
    # Two wrong passwords are not a lockout.
    assert other.username not in page

    response = hr.post(
        reverse("sign_in_lockout_lift"), {"kind": "account", "value": "anna"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="anna").exists()
    assert AccessAttempt.objects.filter(username="bertil").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT_LIFTED)
    assert event.actor == hr_admin
    assert event.details["username"] == "anna"
    assert event.details["failures"] == 5
    assert (
        "data-no-locked-accounts"
        in hr.get(reverse("sign_in_lockouts")).content.decode()
    )
    assert sign_in(client, "anna", PASSWORD, "192.0.2.44").status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=6)
def test_hr_admin_lifts_an_address_lockout(client, anna, hr_admin):
    for n in range(6):
        sign_in(client, f"guess{n}", WRONG, address="198.51.100.7")
    hr = type(client)()
    hr.force_login(hr_admin)
    page = hr.get(reverse("sign_in_lockouts")).content.decode()
    assert 'data-lockout="address"' in page and "198.51.100.7" in page
    hr.post(
        reverse("sign_in_lockout_lift"), {"kind": "address", "value": "198.51.100.7"}
    )
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT_LIFTED)
    assert event.details["kind"] == "address"
    assert event.details["ip_address"] == "198.51.100.7"
    assert sign_in(client, "anna", PASSWORD, "198.51.100.7").status_code == 302


def test_the_lockout_list_costs_the_same_queries_for_one_lockout_or_many(
    client, hr_admin
):
    hr = type(client)()
    hr.force_login(hr_admin)

    def queries_of_the_list():
        hr.get(reverse("sign_in_lockouts"))
        with CaptureQueriesContext(connection) as seen:
            response = hr.get(reverse("sign_in_lockouts"))
        sql = [query["sql"] for query in seen.captured_queries]
        return sql, response

    fail(client, "person-first", 5)
    one, _response = queries_of_the_list()
    for n in range(12):
        fail(client, f"person{n}", 5, address=f"192.0.2.{n + 1}")
    many, response = queries_of_the_list()
    assert response.content.decode().count('data-lockout="account"') == 13
    assert len(many) == len(one)
    # The lockouts themselves: accounts, their addresses, addresses.
    assert len([sql for sql in many if "axes_accessattempt" in sql]) == 3


def test_a_lift_of_something_malformed_is_a_message_not_a_500(client, hr_admin):
    client.force_login(hr_admin)
    for data in (
        {"kind": "everything", "value": "anna"},
        {"kind": "address", "value": "not-an-address"},
        {"kind": "account", "value": "anna\x00"},
        {"kind": "account", "value": "x" * 300},
        {},
    ):
        response = client.post(reverse("sign_in_lockout_lift"), data, follow=True)
        assert response.status_code == 200, data
        assert "data-lockouts" in response.content.decode()
    assert not AuditEvent.objects.filter(action="lockout_lifted").exists()


def test_learners_authors_and_managers_neither_see_nor_lift_lockouts(
    client, anna, catalogue
):
    fail(client, "anna", 5)
    author = UserFactory(username="author")
    author.groups.add(ensure_hr_author_group())
    learner = UserFactory(username="learner")
    manager = make_staff("boss")
    make_unit("U9", head=manager)
    for user in (learner, author, manager):
        client.force_login(user)
        for method, url, data in (
            ("get", reverse("sign_in_lockouts"), {}),
            (
                "post",
                reverse("sign_in_lockout_lift"),
                {"kind": "account", "value": "anna"},
            ),
        ):
            response = getattr(client, method)(url, data)
            # To the admin's login (no admin access) or its home (no
            # permission): never the list.
            assert response.status_code in (302, 403), (user, url)
            assert "data-lockouts" not in response.content.decode()
            if response.status_code == 302:
                assert not response["Location"].startswith(url), (user, url)
    assert AccessAttempt.objects.filter(username="anna").exists()
    assert not AuditEvent.objects.filter(action="lockout_lifted").exists()


@override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=6)
def test_a_coordinator_sees_and_lifts_only_their_administrations_people(client):
    city = make_unit("C")
    a = make_unit("A", parent=OrgUnit.objects.get(pk=city.pk))
    b = make_unit("B", parent=OrgUnit.objects.get(pk=city.pk))
    coordinator = make_staff(
        "coord", unit=a, hr_role=StaffProfile.HrRole.COORDINATOR, coordinator_of=a
    )
    coordinator.groups.add(ensure_hr_admin_group())
    make_staff("in-a", unit=a)
    make_staff("in-b", unit=b)
    for username in ("in-a", "in-b", "no-such-person"):
        fail(client, username, 5)
    for n in range(6):
        sign_in(client, f"guess{n}", WRONG, address="198.51.100.7")
    hr = type(client)()
    hr.force_login(coordinator)
    page = hr.get(reverse("sign_in_lockouts")).content.decode()
    assert "in-a" in page
    assert "in-b" not in page and "no-such-person" not in page
    assert "198.51.100.7" not in page
    lift = reverse("sign_in_lockout_lift")
    # Refused (Wagtail turns the 403 into its home page with a message).
    for data in (
        {"kind": "account", "value": "in-b"},
        {"kind": "address", "value": "198.51.100.7"},
    ):
        response = hr.post(lift, data)
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response["Location"] == "/admin/"
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    assert hr.post(lift, {"kind": "account", "value": "in-a"}).status_code == 302
    assert not AccessAttempt.objects.filter(username="in-a").exists()
    assert AccessAttempt.objects.filter(username="in-b").exists()
