"""Two-step sign-in and the lockout page in the browser: a superuser signs in
with a password, enrols an authenticator app by reading the secret from the
page (keyboard only), lands in the admin; the next sign-in asks for a code
(on a phone's 375 px); five wrong passwords show the lockout page. axe-core
finds nothing at WCAG 2.1 AA on any of them. Screenshots in /tmp/shots/login/."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.roles import ensure_hr_admin_group
from organisation.models import StaffProfile
from tests.browser.helpers import (
    PHONE,
    assert_no_axe_violations,
    log_in,
    path_of,
    shot,
    tab_to,
)
from tests.factories import PASSWORD, UserFactory, make_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "login"


def code_from_secret(text):
    """What the person's app shows for the secret they typed in."""
    secret = "".join(text.split())
    return f"{totp(b32decode(secret)):06d}"


def type_code_and_submit(page, code):
    tab_to(page, "el => el.id === 'id_code'")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_superuser_enrols_then_gives_a_code_at_the_next_sign_in(new_page, settings):
    settings.REQUIRE_TWO_FACTOR = True
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    page = new_page()
    log_in(page, "root", PASSWORD, next_path="/admin/")
    assert path_of(page).startswith("/konto/tvafaktor/ny/"), page.url
    assert page.locator("h1").inner_text() == "Aktivera tvåstegsinloggning"
    assert page.locator("svg[role=img] title").text_content() == "QR-kod"
    assert_no_axe_violations(page, "the enrolment page")
    shot(page, SHOTS, "enrol-desktop")

    secret = page.locator("[data-secret]").inner_text()
    page.locator("main").focus()
    type_code_and_submit(page, code_from_secret(secret))
    assert path_of(page) == "/admin/", page.url
    assert TOTPDevice.objects.get(user=root).confirmed
    shot(page, SHOTS, "admin-after-enrol")

    phone = new_page(device=PHONE)
    log_in(phone, "root", PASSWORD, next_path="/admin/")
    assert path_of(phone).startswith("/konto/tvafaktor/?"), phone.url
    assert_no_axe_violations(phone, "the code page on a phone")
    shot(phone, SHOTS, "verify-phone")
    phone.locator("main").focus()
    wrong = f"{(int(code_from_secret(secret)) + 1) % 1_000_000:06d}"
    type_code_and_submit(phone, wrong)
    assert path_of(phone).startswith("/konto/tvafaktor/")
    assert phone.locator(".error-summary").is_visible()
    assert_no_axe_violations(phone, "the code page with an error")
    shot(phone, SHOTS, "verify-phone-error")
    # The enrolment used this 30-second step's code and django-otp refuses a
    # code twice (tested in tests/accounts); here the person simply waits
    # for the next one, and the wrong code's back-off (1 s) has passed.
    TOTPDevice.objects.filter(user=root).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    phone.locator("main").focus()
    type_code_and_submit(phone, code_from_secret(secret))
    assert path_of(phone) == "/admin/", phone.url


def test_five_wrong_passwords_lock_and_hr_lifts_it_in_the_admin(new_page):
    UserFactory(username="anna")
    hr_admin = make_staff("hr-admin", hr_role=StaffProfile.HrRole.CENTRAL)
    hr_admin.groups.add(ensure_hr_admin_group())
    phone = new_page(device=PHONE)
    for _attempt in range(5):
        phone.goto("/login/")
        phone.locator("#id_username").fill("anna")
        phone.locator("#id_password").fill("fel-lösenord-123")
        with phone.expect_navigation():
            phone.locator("main form button[type=submit]").click()
    assert phone.locator("[data-locked-out] h1").inner_text() == (
        "Inloggningen är spärrad en stund"
    )
    assert "15 minuter" in phone.locator("main").inner_text()
    assert_no_axe_violations(phone, "the lockout page on a phone")
    shot(phone, SHOTS, "locked-out-phone")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the lockout page scrolls sideways ({width} px)"

    hr = new_page()
    log_in(hr, "hr-admin", PASSWORD, next_path="/admin/lockouts/")
    assert path_of(hr) == "/admin/lockouts/"
    row = hr.locator("tr[data-lockout=account]")
    assert row.locator("th").inner_text() == "anna"
    assert row.locator("td").nth(3).inner_text() == "5"
    assert_no_axe_violations(hr, "the lockouts in the admin")
    shot(hr, SHOTS, "admin-lockouts")
    tab_to(hr, "el => el.tagName === 'BUTTON' && el.textContent.includes('anna')")
    with hr.expect_navigation():
        hr.keyboard.press("Enter")
    assert hr.locator("[data-no-locked-accounts]").is_visible()
    assert_no_axe_violations(hr, "the lockouts after lifting one")
    shot(hr, SHOTS, "admin-lockouts-lifted")

    phone.goto("/login/")
    phone.locator("#id_username").fill("anna")
    phone.locator("#id_password").fill(PASSWORD)
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").click()
    assert not path_of(phone).startswith("/login/"), phone.url
