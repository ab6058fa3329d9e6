"""Single sign-on against a real OpenID provider (node-oidc-provider, run as
its own process by tests/oidc_idp.py): the person at the provider is played
over HTTP, our side by Django's test client.

The only thing between us and the provider is, in three tests, a small proxy
in front of its token endpoint (``token_proxy``): it flips a byte of the real
ID token, holds the answer until the real token has expired, or redeems the
code with another client's credentials, faults a certified provider will not
produce on demand. Everything else is the provider's own behaviour: a used
code refused, a wrong state, an error answer, an unreachable provider (a
closed port), RP-initiated logout.
"""

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.oidc import SignInRefused, find_person
from organisation.models import AuditEvent, StaffProfile
from tests import oidc_idp
from tests.factories import PASSWORD, UserFactory
from tests.oidc_idp import (
    ANNA,
    ANNA_NUMBER,
    CLIENTS,
    LEAVER,
    LEAVER_NUMBER,
    NO_NUMBER,
    UNKNOWN,
    query_of,
    sign_in_at_provider,
)

pytestmark = pytest.mark.django_db

# The provider (one process for the run) and our settings pointing at it.
oidc_provider = oidc_idp.oidc_provider
sso = oidc_idp.sso

BACKEND = "accounts.oidc.CityOIDCBackend"
User = get_user_model()


# --- helpers -----------------------------------------------------------------


def person(username, number, **profile_fields):
    user = UserFactory(username=username, first_name="Anna", last_name="Ssonsson")
    StaffProfile.objects.create(user=user, employee_number=number, **profile_fields)
    return user


def local(url):
    """The path and query of one of our absolute URLs, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start(client, next_path=""):
    url = reverse("accounts:oidc_start")
    if next_path:
        url += "?" + urlencode({"next": next_path})
    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sign_in(client, login, *, authorize_url=None):
    """The whole flow: our start, the provider's login form, our callback."""
    authorize_url = authorize_url or start(client)
    return client.get(local(sign_in_at_provider(authorize_url, login)))


def refusals():
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.SSO_REFUSED))


def assert_refused(response, reason, status=400):
    assert response.status_code == status, response.content[:800]
    assert SESSION_KEY not in response.wsgi_request.session
    events = refusals()
    assert [event.details["reason"] for event in events] == [reason]
    # Never a token, a code or a secret in the audit log.
    stored = json.dumps(events[0].details) + events[0].summary
    assert "eyJ" not in stored
    assert "secret" not in stored
    return events[0]


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenProxy:
    """Forwards the token request to the real provider's token endpoint and
    hands back its answer, after ``rewrite_request`` (the form) and
    ``rewrite_id_token`` (the real ID token) and ``delay`` seconds."""

    def __init__(self, target):
        self.target = target
        self.rewrite_request = lambda form: form
        self.rewrite_id_token = lambda token: token
        self.delay = 0.0
        self.answers = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                answer = httpx.post(
                    proxy.target, data=proxy.rewrite_request(form), timeout=10
                )
                body = answer.json()
                if "id_token" in body:
                    body["id_token"] = proxy.rewrite_id_token(body["id_token"])
                proxy.answers.append(body)
                time.sleep(proxy.delay)
                payload = json.dumps(body).encode()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_proxy(sso, settings):
    proxy = TokenProxy(f"{sso.issuer}/token")
    settings.OIDC_OP_TOKEN_ENDPOINT = proxy.url
    yield proxy
    proxy.close()


# --- signing in ------------------------------------------------------------------


def test_the_person_is_signed_in_by_their_employee_number(
    client, sso, django_assert_max_num_queries
):
    anna = person("anna", ANNA_NUMBER)
    # Someone whose username is the provider's login name is never matched.
    UserFactory(username=ANNA)
    before = client.session.session_key

    authorize_url = start(client, next_path="/learning/")
    request = query_of(authorize_url)
    assert authorize_url.startswith(f"{sso.issuer}/auth?")
    assert request["client_id"] == "kompetens"
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43
    assert len(request["state"]) >= 32
    assert len(request["nonce"]) >= 32
    callback = local(sign_in_at_provider(authorize_url, ANNA))
    # A fixed cost, whoever signs in: the session (saved before the token
    # request and read again after it, then rotated), one query for the
    # person, the throttle's and the audit's rows, last_login.
    with django_assert_max_num_queries(18):
        response = client.get(callback)

    assert response.status_code == 302
    assert response["Location"] == "/learning/"
    session = client.session
    assert session[SESSION_KEY] == str(anna.pk)
    assert session[BACKEND_SESSION_KEY] == BACKEND
    assert session.session_key != before  # rotated on sign-in
    assert session["oidc_id_token"].count(".") == 2  # the logout hint
    assert not session["oidc_states"]  # the state is spent
    page = client.get("/learning/")
    assert page.status_code == 200
    assert page.wsgi_request.user == anna
    assert refusals() == []


def test_a_second_sign_in_reuses_the_provider_session_and_lands_home(client, sso):
    anna = person("anna", ANNA_NUMBER)
    browser = httpx.Client(timeout=10)
    callback = sign_in_at_provider(start(client), ANNA, client=browser)
    assert client.get(local(callback))["Location"] == reverse("learners:my_learning")
    client.logout()
    # The provider remembers the person: no login form the second time.
    callback = sign_in_at_provider(start(client), "someone-else", client=browser)
    client.get(local(callback))
    assert client.session[SESSION_KEY] == str(anna.pk)


def test_a_person_deactivated_after_signing_in_is_signed_out(client, sso):
    anna = person("anna", ANNA_NUMBER)
    sign_in(client, ANNA)
    assert client.get("/learning/").status_code == 200
    # As the HR import does it: in bulk, no save(), no signal.
    User.objects.filter(pk=anna.pk).update(is_active=False)
    response = client.get("/learning/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_password_sign_in_never_asks_the_provider(client, settings, db):
    # SSO configured, the provider down: local sign-in is not held up by it.
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_RP_CLIENT_ID = "kompetens"
    learner = UserFactory()
    response = client.post(
        reverse("login"), {"username": learner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(learner.pk)
    assert client.session[BACKEND_SESSION_KEY] != BACKEND


def test_an_unknown_person_may_be_created_when_hr_allows_it(client, sso, settings):
    settings.OIDC_CREATE_UNKNOWN = True
    sign_in(client, UNKNOWN)
    created = User.objects.get(pk=client.session[SESSION_KEY])
    assert created.staff_profile.employee_number == "E9999"
    assert created.email == "okand@stad.example"
    assert not created.has_usable_password()


def test_email_matches_only_when_the_fallback_is_on(client, sso, settings):
    okand = UserFactory(username="okand-lokal", email="OKAND@stad.example")
    StaffProfile.objects.create(user=okand, employee_number="X-1")

    assert_refused(sign_in(client, UNKNOWN), "unknown_person", status=403)

    settings.OIDC_MATCH_EMAIL_FALLBACK = True
    response = sign_in(client, UNKNOWN)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(okand.pk)


# --- refusals: who the person is -------------------------------------------------


def test_a_leaver_is_refused_with_a_page_and_an_audit_event(client, sso):
    leaver = person("lena", LEAVER_NUMBER)
    User.objects.filter(pk=leaver.pk).update(is_active=False)  # the HR import

    response = sign_in(client, LEAVER)

    event = assert_refused(response, "ended", status=403)
    assert event.actor == leaver
    assert event.summary == "Inloggning med stadens konto nekad för lena (ended)"
    text = response.content.decode()
    assert "Ditt konto har upphört" in text
    assert "<h1>" in text and f"{event.pk}" in text  # the reference


def test_an_ended_employment_is_refused_before_the_import_deactivates(client, sso):
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    person("lena", LEAVER_NUMBER, end_date=yesterday)
    assert_refused(sign_in(client, LEAVER), "ended", status=403)


def test_an_unknown_person_is_refused_and_nobody_is_created(client, sso):
    person("anna", ANNA_NUMBER)
    users = User.objects.count()

    response = sign_in(client, UNKNOWN)

    event = assert_refused(response, "unknown_person", status=403)
    assert event.details["detail"] == "employee number E9999"
    assert User.objects.count() == users
    assert "Vi hittade dig inte bland stadens anställda" in response.content.decode()


def test_an_account_without_the_employee_number_claim_is_refused(client, sso):
    assert_refused(sign_in(client, NO_NUMBER), "claim_missing", status=403)


# --- refusals: the protocol ------------------------------------------------------


def test_a_wrong_state_is_refused(client, sso):
    person("anna", ANNA_NUMBER)
    callback = sign_in_at_provider(start(client), ANNA)
    params = query_of(callback)
    params["state"] = "forged-" + params["state"][7:]

    response = client.get(reverse("accounts:oidc_callback") + "?" + urlencode(params))

    assert_refused(response, "state")
    text = response.content.decode()
    assert "Inloggningen kunde inte slutföras" in text
    assert 'href="/login/"' in text  # try again


def test_a_callback_without_any_sign_in_started_is_refused(client, sso):
    response = client.get(reverse("accounts:oidc_callback") + "?code=x&state=y")
    assert_refused(response, "state")


def test_a_replayed_callback_is_refused(client, sso):
    person("anna", ANNA_NUMBER)
    callback = local(sign_in_at_provider(start(client), ANNA))
    assert client.get(callback).status_code == 302
    client.logout()

    # The same URL again: its state is spent.
    assert_refused(client.get(callback), "state")


def test_a_used_code_is_refused_by_the_provider(client, sso):
    person("anna", ANNA_NUMBER)
    used = query_of(sign_in_at_provider(start(client), ANNA))
    client.get(reverse("accounts:oidc_callback") + "?" + urlencode(used))
    client.logout()

    # An attacker's fresh state (a sign-in they began) with the used code.
    fresh_state = query_of(start(client))["state"]
    replay = {**used, "state": fresh_state}
    response = client.get(reverse("accounts:oidc_callback") + "?" + urlencode(replay))

    event = assert_refused(response, "code_rejected")
    assert event.details["detail"] == "400 invalid_grant"


def test_an_error_from_the_provider_is_refused(client, sso):
    state = query_of(start(client))["state"]
    response = client.get(
        reverse("accounts:oidc_callback")
        + "?"
        + urlencode({"error": "access_denied", "state": state})
    )
    event = assert_refused(response, "provider_error")
    assert event.details["detail"] == "access_denied"
    assert state not in client.session["oidc_states"]


def test_a_tampered_signature_is_refused(client, token_proxy):
    person("anna", ANNA_NUMBER)

    def flip_a_byte(token):
        header, payload, signature = token.split(".")
        middle = len(signature) // 2
        flipped = "A" if signature[middle] != "A" else "B"
        return ".".join(
            [header, payload, signature[:middle] + flipped + signature[middle + 1 :]]
        )

    token_proxy.rewrite_id_token = flip_a_byte
    assert_refused(sign_in(client, ANNA), "signature")
    assert token_proxy.answers  # the real provider answered


def test_a_token_whose_employee_number_was_changed_is_refused(client, token_proxy):
    # The unknown person's own, real token, edited to carry Anna's number.
    person("anna", ANNA_NUMBER)

    def impersonate_anna(token):
        header, payload, signature = token.split(".")
        claims = json.loads(unb64(payload))
        claims["employee_number"] = ANNA_NUMBER
        return ".".join([header, b64(json.dumps(claims).encode()), signature])

    token_proxy.rewrite_id_token = impersonate_anna
    assert_refused(sign_in(client, UNKNOWN), "signature")


def test_an_expired_token_is_refused(client, token_proxy, settings):
    # The provider's "short" client gets ID tokens that live one second; the
    # proxy hands the real one over two seconds later.
    person("anna", ANNA_NUMBER)
    settings.OIDC_RP_CLIENT_ID = "short"
    settings.OIDC_RP_CLIENT_SECRET = CLIENTS["short"]
    settings.OIDC_CLOCK_SKEW_SECONDS = 0
    token_proxy.delay = 2.2

    assert_refused(sign_in(client, ANNA), "expired")


def test_a_token_for_another_application_is_refused(client, token_proxy):
    # The person is sent to the provider as "other" (same state, nonce and
    # PKCE challenge), and the code redeemed as "other": a real ID token
    # whose audience is another application.
    person("anna", ANNA_NUMBER)
    authorize_url = start(client).replace("client_id=kompetens", "client_id=other")

    def as_other(form):
        return {**form, "client_id": "other", "client_secret": CLIENTS["other"]}

    token_proxy.rewrite_request = as_other
    response = sign_in(client, ANNA, authorize_url=authorize_url)

    assert_refused(response, "audience")
    claims = json.loads(unb64(token_proxy.answers[0]["id_token"].split(".")[1]))
    assert claims["aud"] == "other"


def test_a_discovery_document_for_another_issuer_is_refused(client, sso, settings):
    # The same provider reached under another name: its document names
    # 127.0.0.1, not the issuer we were configured with.
    settings.OIDC_ISSUER = sso.issuer.replace("127.0.0.1", "localhost")
    response = client.get(reverse("accounts:oidc_start"))
    assert_refused(response, "issuer")


def test_an_unreachable_provider_gets_a_page_not_a_500(client, settings, db):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_RP_CLIENT_ID = "kompetens"
    response = client.get(reverse("accounts:oidc_start"))
    assert_refused(response, "provider_unreachable")
    assert "Inloggningen kunde inte slutföras" in response.content.decode()


def test_sso_is_off_without_an_issuer(client, settings, db):
    settings.OIDC_ISSUER = ""
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback")).status_code == 404
    page = client.get(reverse("login")).content.decode()
    assert "Logga in med stadens konto" not in page
    assert 'name="password"' in page


# --- signing out -------------------------------------------------------------------


def test_logout_ends_the_session_and_the_providers(client, sso):
    person("anna", ANNA_NUMBER)
    browser = httpx.Client(timeout=10)
    client.get(local(sign_in_at_provider(start(client), ANNA, client=browser)))
    id_token = client.session["oidc_id_token"]

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{sso.issuer}/session/end?")
    assert query_of(end_session) == {
        "client_id": "kompetens",
        "id_token_hint": id_token,
        "post_logout_redirect_uri": "http://testserver/",
    }
    assert SESSION_KEY not in client.session
    # At the provider: it asks to confirm, then sends the person home.
    confirm = browser.get(end_session)
    assert confirm.status_code == 200
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm.text))
    done = browser.post(
        f"{sso.issuer}/session/end/confirm", data={**form, "logout": "yes"}
    )
    assert done.status_code in (302, 303)
    assert done.headers["location"] == "http://testserver/"
    # The provider's session is gone: the next sign-in shows its form again.
    again = browser.get(start(client))
    assert again.status_code in (302, 303)
    assert "/interaction/" in again.headers["location"]
    assert 'name="login"' in browser.get(
        sso.issuer + again.headers["location"]
    ).text.replace("'", '"')


def test_a_password_sessions_logout_stays_here(client, sso):
    learner = UserFactory()
    client.force_login(learner, backend="accounts.backends.PasswordBackend")
    response = client.post(reverse("logout"))
    assert response["Location"] == "/"
    assert SESSION_KEY not in client.session

    client.force_login(learner, backend="accounts.backends.PasswordBackend")
    response = client.post(reverse("wagtailadmin_logout"))
    assert response["Location"] == reverse("wagtailadmin_login")
    assert SESSION_KEY not in client.session


def test_the_admins_logout_ends_the_providers_session_too(client, sso):
    person("anna", ANNA_NUMBER)
    sign_in(client, ANNA)
    response = client.post(reverse("wagtailadmin_logout"))
    assert response["Location"].startswith(f"{sso.issuer}/session/end?")
    assert SESSION_KEY not in client.session


# --- the login page ----------------------------------------------------------------


def test_the_login_page_offers_the_city_account_first(client, sso):
    page = client.get(reverse("login") + "?next=/learning/").content.decode()
    button = page.index("Logga in med stadens konto")
    assert button < page.index('name="username"')
    assert 'href="/konto/oidc/start/?next=%2Flearning%2F"' in page


# /_util/login/ is Wagtail's front-end password form (restricted pages and
# documents): ours too, so break-glass holds there as well.
@pytest.mark.parametrize("path", ["/login/", "/_util/login/"])
@pytest.mark.parametrize("username", ["learner-with-password", "nobody-at-all"])
def test_break_glass_refuses_everyone_but_superusers_alike(
    client, settings, username, path
):
    settings.LOCAL_LOGIN = "break-glass"
    UserFactory(username="learner-with-password")
    response = client.post(path, {"username": username, "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    errors = response.context["form"].non_field_errors()
    assert errors == [
        "Att logga in med lösenord är bara till för administratörernas "
        "nödkonton. Logga in med stadens konto i stället."
    ]


def test_break_glass_lets_a_superuser_in_with_a_password(client, settings, db):
    settings.LOCAL_LOGIN = "break-glass"
    admin = UserFactory(username="nodadmin", is_superuser=True, is_staff=True)
    response = client.post(
        reverse("login"), {"username": "nodadmin", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(admin.pk)


def test_the_admin_login_page_offers_the_city_account_too(client, sso):
    page = client.get(reverse("wagtailadmin_login") + "?next=/admin/pages/")
    text = page.content.decode()
    assert 'href="/konto/oidc/start/?next=%2Fadmin%2Fpages%2F"' in text
    assert text.index("Logga in med stadens konto") < text.index('name="password"')


def test_the_admin_login_page_keeps_to_break_glass(client, settings, db):
    settings.LOCAL_LOGIN = "break-glass"
    hr = UserFactory(username="hr-admin", is_staff=True)
    response = client.post(
        reverse("wagtailadmin_login"), {"username": hr.username, "password": PASSWORD}
    )
    assert SESSION_KEY not in client.session
    assert "Att logga in med lösenord är bara till för" in response.content.decode()
    UserFactory(username="nodadmin", is_superuser=True, is_staff=True)
    response = client.post(
        reverse("wagtailadmin_login"), {"username": "nodadmin", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def _settings_in_a_subprocess(module, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OIDC_")},
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "kompetens.example.se",
        **env,
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.LOCAL_LOGIN)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_allows_passwords_for_break_glass_accounts_only():
    result = _settings_in_a_subprocess("cms.settings.production")
    assert result.stdout.strip() == "break-glass", result.stderr[-2000:]
    result = _settings_in_a_subprocess("cms.settings.production", LOCAL_LOGIN="all")
    assert result.stdout.strip() == "all"


def test_an_unknown_local_login_mode_stops_the_start():
    result = _settings_in_a_subprocess("cms.settings.dev", LOCAL_LOGIN="some")
    assert result.returncode != 0
    assert 'LOCAL_LOGIN must be "all" or "break-glass"' in result.stderr


@pytest.mark.parametrize("number", ["E1001\x00", "E" * 41])
def test_an_employee_number_no_column_could_hold_matches_nobody(number, settings):
    # Claims come signed from the provider, but still never reach a query
    # that PostgreSQL would refuse with a 500.
    person("anna", "E1001")
    with pytest.raises(SignInRefused) as refusal:
        find_person({"employee_number": number, "email": "x\x00@stad.example"})
    assert refusal.value.reason == "claim_missing"
