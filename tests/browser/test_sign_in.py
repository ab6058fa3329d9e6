"""Signing in with the city's account in a real browser, through a real
OpenID provider (node-oidc-provider, tests/oidc_idp.py): the login page
offers it first, the provider's own login form signs the person in, they land
on My learning as themselves, and logging out ends the provider's session
too. A leaver gets the refusal page. axe-core checks the login page and the
refusal page on a desktop screen and a phone's width; the sign-in is done by
keyboard. Screenshots go to /tmp/shots/oidc/.
"""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from organisation.models import AuditEvent, StaffProfile
from tests import oidc_idp
from tests.browser.helpers import (
    PHONE,
    assert_no_axe_violations,
    path_of,
    shot,
    tab_to,
)
from tests.factories import UserFactory, make_course, make_rule, make_unit
from tests.oidc_idp import ANNA, ANNA_NUMBER, LEAVER, LEAVER_NUMBER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

oidc_provider = oidc_idp.oidc_provider
sso = oidc_idp.sso

SHOTS = "oidc"


def person(username, number, first_name, last_name, **fields):
    user = UserFactory(username=username, first_name=first_name, last_name=last_name)
    StaffProfile.objects.create(user=user, employee_number=number, **fields)
    return user


def signed_in_user_id(page):
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = Session.objects.get(session_key=cookie["value"])
    return session.get_decoded().get(SESSION_KEY)


def sign_in_at_provider_by_keyboard(page, login):
    """The provider's own login form (devInteractions): its login name, any
    password, Enter."""
    page.wait_for_selector("input[name=login]")
    page.keyboard.type(login)  # the form puts the focus in its first field
    page.keyboard.press("Tab")
    page.keyboard.type("any password")
    with page.expect_navigation(url="**/learning/**"):
        page.keyboard.press("Enter")


def test_signing_in_and_out_with_the_city_account(
    new_page, sso, catalogue, live_server
):
    unit = make_unit("HT", "Hemtjänst")
    anna = person(
        "anna", ANNA_NUMBER, "Anna", "Andersson", unit=unit, job_title="Undersköterska"
    )
    course = make_course(catalogue, lessons=1, title="Informationssäkerhet")
    make_rule(course, name="Alla", units=[unit], active=True, due_days=30)

    page = new_page()
    page.goto("/login/?next=/learning/")
    main = page.locator("main")
    city_button = main.get_by_role("link", name="Logga in med stadens konto")
    expect(city_button).to_be_visible()
    # First in the page, before the password form.
    first = main.locator("a.button, button, input").first
    expect(first).to_have_text("Logga in med stadens konto")
    assert_no_axe_violations(page, "the login page with the city's account")
    shot(page, SHOTS, "login-1280")

    # By keyboard: Tab to the button, Enter, the provider's form, Enter.
    tab_to(page, "el => el.textContent.trim() === 'Logga in med stadens konto'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{sso.issuer}/**")
    shot(page, SHOTS, "provider-login-form")
    sign_in_at_provider_by_keyboard(page, ANNA)

    assert path_of(page) == "/learning/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt lärande")
    expect(main).to_contain_text("Informationssäkerhet")  # Anna's training
    assert signed_in_user_id(page) == str(anna.pk)
    shot(page, SHOTS, "my-learning-after-sso")

    # Logging out goes through the provider's end-session page and back home.
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(f"{sso.issuer}/session/end**")
    shot(page, SHOTS, "provider-logout")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/learning/")
    assert path_of(page).startswith("/login/")  # our session has ended

    # The provider forgot the person: signing in again asks for the login.
    page.goto("/login/")
    page.get_by_role("link", name="Logga in med stadens konto").click()
    page.wait_for_selector("input[name=login]")
    assert page.url.startswith(sso.issuer)


@pytest.mark.parametrize("device", [None, PHONE], ids=["1280px", "375px"])
def test_a_leaver_gets_the_refusal_page(new_page, sso, device):
    leaver = person("lena", LEAVER_NUMBER, "Lena", "Leaver")
    get_user_model().objects.filter(pk=leaver.pk).update(is_active=False)

    page = new_page(device=device)
    page.goto("/login/")
    label = "375" if device else "1280"
    if device:
        assert_no_axe_violations(page, "the login page on a phone")
        shot(page, SHOTS, f"login-{label}")
    page.get_by_role("link", name="Logga in med stadens konto").click()
    page.locator("input[name=login]").fill(LEAVER)
    page.locator("input[name=password]").fill("any password")
    with page.expect_navigation(url="**/konto/oidc/callback/**"):
        page.locator("button[type=submit]").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ditt konto har upphört")
    assert_no_axe_violations(page, "the refusal page")
    shot(page, SHOTS, f"refused-leaver-{label}")
    event = AuditEvent.objects.get(action=AuditEvent.Action.SSO_REFUSED)
    assert event.details["reason"] == "ended"
    assert event.actor_id == leaver.pk
    assert page.get_by_text(str(event.pk)).count() == 1  # the reference
    # Not signed in: My learning sends them to the login page.
    page.goto("/learning/")
    assert path_of(page).startswith("/login/")


def test_a_failed_sign_in_gets_a_page_to_try_again(new_page, sso):
    # A callback whose state this browser never had (a forged or old link).
    page = new_page()
    page.goto("/konto/oidc/callback/?code=forged&state=forged")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Inloggningen kunde inte slutföras"
    )
    assert_no_axe_violations(page, "the refusal page of a failed sign-in")
    shot(page, SHOTS, "refused-state-1280")
    tab_to(page, "el => el.textContent.trim() === 'Försök igen'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == "/login/"
    event = AuditEvent.objects.get(action=AuditEvent.Action.SSO_REFUSED)
    assert event.details["reason"] == "state"
