"""The sign-in audit trail (accounts.receivers): sign-ins with their method
and address, failed sign-ins with the username as typed (never the
password), sign-outs and lockouts, in the audit log HR administrators read."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from cms.roles import ensure_hr_admin_group
from organisation.models import AuditEvent, StaffProfile
from tests.factories import PASSWORD, UserFactory, make_staff

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
WRONG = "Hemligt-fel-lösenord-9"


def sign_in(client, username, password, address="192.0.2.10"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_a_password_sign_in_is_audited_with_its_method_and_address(client):
    anna = UserFactory(username="anna")
    assert sign_in(client, "anna", PASSWORD).status_code == 302
    (event,) = events(Action.SIGN_IN)
    assert event.actor == anna
    assert event.details == {"method": "password", "address": "192.0.2.10"}
    assert "anna" in event.summary


def test_a_sign_in_with_the_citys_account_is_audited_as_sso(client):
    anna = UserFactory(username="anna")
    client.force_login(anna, backend="accounts.oidc.CityOIDCBackend")
    (event,) = events(Action.SIGN_IN)
    assert event.actor == anna and event.details["method"] == "sso"


def test_a_failed_sign_in_keeps_the_username_typed_and_never_the_password(client):
    UserFactory(username="anna")
    sign_in(client, "anna", WRONG)
    sign_in(client, "nobody " + "x" * 400, WRONG)
    first, second = events(Action.SIGN_IN_FAILED)
    assert first.actor is None
    assert first.details == {
        "method": "password",
        "username": "anna",
        "address": "192.0.2.10",
        "locked_out": False,
    }
    assert second.details["username"] == ("nobody " + "x" * 400)[:150]
    everything = json.dumps(
        list(AuditEvent.objects.values("summary", "details")), ensure_ascii=False
    )
    assert WRONG not in everything and PASSWORD not in everything


def test_a_sign_out_is_audited(client):
    anna = UserFactory(username="anna")
    sign_in(client, "anna", PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.10")
    (event,) = events(Action.SIGN_OUT)
    assert event.actor == anna and event.details["address"] == "192.0.2.10"


def test_a_lockout_is_audited_once_however_often_it_is_tried(client):
    UserFactory(username="anna")
    for _n in range(5):
        sign_in(client, "anna", WRONG)
    for _n in range(3):
        assert sign_in(client, "anna", PASSWORD).status_code == 429
    (event,) = events(Action.LOCKOUT)
    assert event.details["locked"] == "account"
    assert event.details["username"] == "anna"
    assert event.details["address"] == "192.0.2.10"
    assert event.details["failures_of_account"] == 5
    failed = events(Action.SIGN_IN_FAILED)
    # Five wrong passwords, then three attempts refused unchecked.
    assert [e.details["locked_out"] for e in failed] == [False] * 5 + [True] * 3


@override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=6)
def test_an_address_lockout_is_audited_as_such(client):
    for n in range(6):
        sign_in(client, f"guess{n}", WRONG, address="198.51.100.7")
    sign_in(client, "guess9", WRONG, address="198.51.100.7")
    (event,) = events(Action.LOCKOUT)
    assert event.details["locked"] == "address"
    assert event.details["address"] == "198.51.100.7"
    assert event.details["failures_from_address"] == 6
    assert "198.51.100.7" in event.summary


def test_hr_admin_reads_sign_in_events_in_the_audit_log_filtered_by_action(client):
    UserFactory(username="anna")
    sign_in(client, "anna", PASSWORD)
    client.post(reverse("logout"))
    for _n in range(5):
        sign_in(client, "anna", WRONG)
    # Central HR: the whole city's audit log (a failed sign-in is nobody's).
    hr = make_staff("hr-admin", hr_role=StaffProfile.HrRole.CENTRAL)
    hr.groups.add(ensure_hr_admin_group())
    client.force_login(hr)
    url = reverse("audit_log:index")
    page = client.get(url).content.decode()
    for action in (
        Action.SIGN_IN,
        Action.SIGN_OUT,
        Action.SIGN_IN_FAILED,
        Action.LOCKOUT,
    ):
        assert str(action.label) in page or action.value in page, action
    failed_only = client.get(url, {"action": Action.SIGN_IN_FAILED.value})
    assert failed_only.status_code == 200
    rows = failed_only.content.decode()
    assert rows.count("anna") >= 5
    lockouts_only = client.get(url, {"action": Action.LOCKOUT.value}).content.decode()
    lockout_summary = AuditEvent.objects.get(action=Action.LOCKOUT).summary
    assert lockout_summary in lockouts_only
    anna_signed_in = AuditEvent.objects.get(
        action=Action.SIGN_IN, actor__username="anna"
    )
    assert anna_signed_in.summary not in lockouts_only
