"""The second factor (accounts.two_factor, .middleware, .two_factor_views):
superusers, HR administrators and people with an HR role who sign in with a
password enrol a TOTP app on their first sign-in and give its code after
every password, before any other page, when REQUIRE_TWO_FACTOR is on. Wrong
codes are throttled and audited; single sign-on sessions are exempt."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from organisation.models import AuditEvent, StaffProfile
from tests.factories import PASSWORD, UserFactory, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home")]

ENROL = reverse("accounts:two_factor_enrol")
VERIFY = reverse("accounts:two_factor_verify")
START = datetime(2026, 11, 2, 8, 0, 5, tzinfo=UTC)
Action = AuditEvent.Action
required = override_settings(REQUIRE_TWO_FACTOR=True)


def sign_in(client, username, next_path="/admin/"):
    response = client.post(
        reverse("login"),
        {"username": username, "password": PASSWORD, "next": next_path},
    )
    assert response.status_code == 302, response
    return response


def code_for(device):
    """The code the person's app shows now (time.time(), as time-machine
    sets it)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}"


def wrong_code_for(device):
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def enrol(client, user):
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(ENROL, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302, response
    return device


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_off_by_default_and_on_in_production():
    assert settings.REQUIRE_TWO_FACTOR is False
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "kompetens.example.se",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"),
    }
    env.pop("REQUIRE_TWO_FACTOR", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.REQUIRE_TWO_FACTOR)",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "True", result.stderr[-2000:]


@required
def test_a_superuser_enrols_on_first_sign_in_before_any_other_page(client, root):
    with time_machine.travel(START, tick=False):
        response = sign_in(client, "root")
        # The password alone reaches nothing: every page sends to enrolment.
        for path in ("/admin/", "/learning/", "/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"] == f"{ENROL}?{urlencode({'next': path})}"
        response = client.post("/admin/pages/add/", {})
        assert response.status_code == 302 and response["Location"] == ENROL

        page = client.get(f"{ENROL}?next=/admin/")
        assert page.status_code == 200
        device = TOTPDevice.objects.get(user=root, confirmed=False)
        html = page.content.decode()
        secret = "".join(
            html.split("data-secret>", 1)[1]
            .split("</code>", 1)[0]
            .replace("<span>", "")
            .replace("</span>", "")
            .split()
        )
        assert secret == device.config_url.split("secret=")[1].split("&")[0]
        assert '<svg role="img"' in html
        # A reload shows the same secret (no second device).
        client.get(ENROL)
        assert TOTPDevice.objects.filter(user=root).count() == 1

        key_before = client.session.session_key
        response = client.post(ENROL, {"code": code_for(device), "next": "/admin/"})
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert client.session.session_key != key_before
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/admin/").status_code == 200
        (event,) = AuditEvent.objects.filter(action=Action.TWO_FACTOR_ENROLLED)
        assert event.actor == root and event.details["device"] == "totp"


@required
def test_after_enrolment_every_password_sign_in_asks_for_a_code(client, root):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, "root")
        device = enrol(client, root)
        client.post(reverse("logout"))
        clock.shift(timedelta(seconds=60))

        again = Client()
        sign_in(again, "root")
        response = again.get("/admin/")
        assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
        # Enrolling a new app with the password alone is not possible.
        response = again.get(ENROL)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert TOTPDevice.objects.filter(user=root).count() == 1

        assert again.get(VERIFY).status_code == 200
        response = again.post(VERIFY, {"code": code_for(device), "next": "/admin/"})
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert again.get("/admin/").status_code == 200


@required
def test_a_wrong_code_is_refused_audited_and_the_next_ones_throttled(client, root):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, "root")
        device = enrol(client, root)
        client.post(reverse("logout"))
        clock.shift(timedelta(seconds=60))
        sign_in(client, "root")

        response = client.post(VERIFY, {"code": wrong_code_for(device)})
        assert response.status_code == 400
        assert "The code is not right" in response.content.decode() or (
            "Koden stämmer inte" in response.content.decode()
        )
        assert client.get("/admin/").status_code == 302
        # At once after a wrong code even the right one waits (1 s, 2 s, 4 s...).
        response = client.post(VERIFY, {"code": code_for(device)})
        assert response.status_code == 400
        assert client.get("/admin/").status_code == 302
        failed = list(
            AuditEvent.objects.filter(action=Action.TWO_FACTOR_FAILED).order_by("pk")
        )
        assert [e.details["throttled"] for e in failed] == [False, True]
        assert failed[0].actor == root and failed[0].details["stage"] == "verify"
        assert failed[0].details["failures"] == 1

        clock.shift(timedelta(seconds=2))
        response = client.post(VERIFY, {"code": code_for(device), "next": "/admin/"})
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200


@required
def test_a_used_code_does_not_work_twice(client, root):
    with time_machine.travel(START, tick=False):
        sign_in(client, "root")
        device = enrol(client, root)
        client.post(reverse("logout"))
        # The same 30-second window: the code that enrolled is spent.
        sign_in(client, "root")
        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 400


@required
def test_a_malformed_code_is_a_message_never_a_500(client, root):
    sign_in(client, "root")
    client.get(ENROL)
    for code in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "1" * 5000, "12\x0034"):
        response = client.post(ENROL, {"code": code})
        assert response.status_code == 400, code
        assert "error-summary" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    # "123 456" as an app shows it is fine (and here simply wrong).
    response = client.post(ENROL, {"code": "123 456"})
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_FAILED).count() == 1


@required
def test_hr_administrators_and_hr_roles_need_it_learners_and_authors_do_not(
    client, catalogue
):
    hr_admin = UserFactory(username="hr-admin")
    hr_admin.groups.add(ensure_hr_admin_group())
    central = make_staff("central", hr_role=StaffProfile.HrRole.CENTRAL)
    coordinator = make_staff("coord", hr_role=StaffProfile.HrRole.COORDINATOR)
    author = UserFactory(username="author")
    author.groups.add(ensure_hr_author_group())
    learner = make_staff("learner")
    for user, asked in (
        (hr_admin, True),
        (central, True),
        (coordinator, True),
        (author, False),
        (learner, False),
    ):
        person = Client()
        sign_in(person, user.username, next_path="/learning/")
        response = person.get("/learning/")
        if asked:
            assert response.status_code == 302, user
            assert response["Location"].startswith(ENROL), user
        else:
            assert response.status_code == 200, user


@required
def test_a_single_sign_on_session_is_exempt(client, root):
    client.force_login(root, backend="accounts.oidc.CityOIDCBackend")
    assert client.get("/admin/").status_code == 200
    assert client.get(ENROL)["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_with_the_setting_off_the_demo_logins_need_no_code(client, root):
    sign_in(client, "root")
    assert client.get("/admin/").status_code == 200


@required
def test_between_password_and_code_only_the_pages_to_get_through_open(client, root):
    sign_in(client, "root")
    assert client.get(reverse("javascript-catalog")).status_code == 200
    assert client.get(reverse("ping")).status_code == 200
    assert client.get(ENROL).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@required
def test_the_next_address_must_be_ours(client, root):
    with time_machine.travel(START, tick=False):
        sign_in(client, "root")
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=root)
        response = client.post(
            ENROL, {"code": code_for(device), "next": "https://evil.example/"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_the_check_costs_a_learner_no_query_of_its_own(client):
    """With the setting on, a learner signed in with a password learns they
    need no second factor from the query that loads them on every request
    (accounts.backends): the same queries as with it off."""
    learner = make_staff("learner")
    sign_in(client, learner.username, next_path="/learning/")
    client.get("/learning/")
    with CaptureQueriesContext(connection) as off:
        assert client.get("/learning/").status_code == 200
    with required, CaptureQueriesContext(connection) as on:
        assert client.get("/learning/").status_code == 200
    assert len(on.captured_queries) == len(off.captured_queries)
    sql = [q["sql"] for q in on.captured_queries]
    # The person, with their powers; never a separate look at their groups.
    assert sum("kompetens_has_2fa_role" in query for query in sql) == 1
    assert not any("auth_user_groups" in q and "kompetens" not in q for q in sql)


@required
def test_powers_granted_in_the_middle_of_a_session_ask_for_the_factor_at_once(
    client, catalogue
):
    learner = make_staff("learner")
    author = UserFactory(username="author")
    sign_in(client, learner.username, next_path="/learning/")
    assert client.get("/learning/").status_code == 200
    other = Client()
    sign_in(other, author.username, next_path="/learning/")
    assert other.get("/learning/").status_code == 200

    # HR makes the learner a coordinator and the author an HR administrator.
    StaffProfile.objects.filter(user=learner).update(
        hr_role=StaffProfile.HrRole.COORDINATOR
    )
    author.groups.add(ensure_hr_admin_group())
    for person in (client, other):
        response = person.get("/learning/")
        assert response.status_code == 302
        assert response["Location"].startswith(ENROL)


@required
def test_a_lost_phone_is_reset_on_the_server_and_the_next_sign_in_enrols(client, root):
    with time_machine.travel(START, tick=False):
        sign_in(client, "root")
        enrol(client, root)
        client.post(reverse("logout"))
    out = StringIO()
    call_command("reset_two_factor", "root", stdout=out)
    assert "Removed 1 device" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=root).exists()
    sign_in(client, "root")
    assert client.get("/admin/")["Location"].startswith(ENROL)
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "nobody", stdout=StringIO())
