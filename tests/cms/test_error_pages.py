"""The error pages: 400, 403, 404 and 500 in the site's layout and language,
a wrong certificate code that says what to check, and a form that failed its
CSRF check saying what to do. With DEBUG off, as in production: Django's
English "Not Found" never reaches a person.

The Swedish texts are the catalogue's (the msgids' translations are in
locale/sv); each test is run in both languages."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path
from django.utils import translation

from cms import urls as site_urls
from tests.factories import PASSWORD, make_staff

# --- Views that fail on purpose, in front of the site's own URLs ---------------


def _refuse(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("a tampered value")


def _crash(request):
    raise RuntimeError("a fault in the code")


urlpatterns = [
    path("test-errors/403/", _refuse),
    path("test-errors/400/", _suspicious),
    path("test-errors/500/", _crash),
    *site_urls.urlpatterns,
]

TEXTS = {
    "sv": {
        "404": ("Vi hittar inte sidan", "Adressen kan vara felskriven"),
        "certificate": (
            "Inget intyg har den här koden",
            "Jämför koden med den som står på intyget",
        ),
        "403": (
            "Du har inte behörighet till den här sidan",
            "Ditt konto ger inte behörighet",
        ),
        "403-anonymous": (
            "Du har inte behörighet till den här sidan",
            "Logga in för att se om du har behörighet",
        ),
        "400": ("Begäran kunde inte hanteras", "så ingenting gjordes"),
        "500": ("Något gick fel hos oss", "Det är inte något du har gjort"),
        "csrf": ("Ditt formulär kunde inte skickas", "så ingenting sparades"),
        "csrf-steps": "Ladda om sidan, så att formuläret blir nytt.",
        "skip": "Hoppa till innehållet",
        "nav": "Mitt lärande",
    },
    "en": {
        "404": ("We cannot find that page", "The address may be mistyped"),
        "certificate": (
            "No certificate has this code",
            "Check the code against the one printed on the certificate",
        ),
        "403": (
            "You do not have access to this page",
            "Your account does not give you access",
        ),
        "403-anonymous": (
            "You do not have access to this page",
            "Log in to see whether you have access",
        ),
        "400": ("The request could not be handled", "so nothing was done"),
        "500": ("Something went wrong on our side", "It is not something you did"),
        "csrf": ("Your form could not be sent", "so nothing was saved"),
        "csrf-steps": "Reload the page, so that the form is fresh.",
        "skip": "Skip to content",
        "nav": "My learning",
    },
}
LANGUAGES = ["sv", "en"]


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def _client(language, **options):
    client = Client(**options)
    client.cookies["django_language"] = language
    return client


def assert_error_page(response, status, language, key, layout="full"):
    """The status, the page's language, its heading and explanation, and the
    site's landmarks: the skip link to main, the header, the footer (and
    for pages with a request, the main menu)."""
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in html
    heading, explanation = TEXTS[language][key]
    assert f"<h1>{heading}</h1>" in html
    assert explanation in html
    assert '<main id="main"' in html
    assert '<header class="site-header">' in html
    assert '<footer class="site-footer">' in html
    assert TEXTS[language]["skip"] in html
    assert "/static/css/site.css" in html
    if layout == "full":
        assert '<nav class="site-nav"' in html
    for english_default in (
        "Not Found",
        "Server Error",
        "Bad Request",
        "403 Forbidden",
    ):
        assert english_default not in html
    return html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_dead_link_is_a_translated_404_in_the_layout(home, language):
    response = _client(language).get("/finns-inte/alls/")
    html = assert_error_page(response, 404, language, "404")
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_signed_in_person_gets_the_404_with_their_menu(home, language):
    client = _client(language)
    client.force_login(make_staff("anna"))
    response = client.get("/learning/finns-inte/")
    html = assert_error_page(response, 404, language, "404")
    assert TEXTS[language]["nav"] in html
    assert 'href="/learning/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "code",
    [
        "ABCDE-FGHJK-MNPQR-STVWX",  # well formed, issued to nobody
        "inte-en-kod",  # malformed
    ],
)
def test_a_wrong_certificate_code_says_what_to_check(home, language, code):
    response = _client(language).get(f"/intyg/{code}/")
    html = assert_error_page(response, 404, language, "certificate")
    # Not the general "page not found".
    assert TEXTS[language]["404"][0] not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_refused_access_is_a_translated_403(home, language):
    client = _client(language)
    client.force_login(make_staff("anna"))
    assert_error_page(client.get("/test-errors/403/"), 403, language, "403")

    anonymous = _client(language).get("/test-errors/403/")
    html = assert_error_page(anonymous, 403, language, "403-anonymous")
    assert 'href="/login/?next=/test-errors/403/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_request_is_a_translated_400(home, language):
    response = _client(language).get("/test-errors/400/")
    assert_error_page(response, 400, language, "400", layout="static")


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_host_we_do_not_serve_is_a_translated_400(home, language, settings):
    settings.ALLOWED_HOSTS = ["kompetens.example.se"]
    response = _client(language).get("/", HTTP_HOST="elsewhere.example")
    html = assert_error_page(response, 400, language, "400", layout="static")
    assert "elsewhere.example" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_fault_is_a_translated_500_in_the_layout(home, language):
    client = _client(language, raise_request_exception=False)
    response = client.get("/test-errors/500/")
    html = assert_error_page(response, 500, language, "500", layout="static")
    assert "a fault in the code" not in html
    assert "RuntimeError" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_page_renders_without_a_database_or_a_request(
    language, django_assert_num_queries
):
    # Not one query (the database may be what failed). Django renders
    # 500.html (and 400.html) without a context, as handler500 does.
    with translation.override(language), django_assert_num_queries(0):
        for name, key in (("500.html", "500"), ("400.html", "400")):
            html = render_to_string(name)
            heading, explanation = TEXTS[language][key]
            assert f'<html lang="{language}">' in html
            assert f"<h1>{heading}</h1>" in html and explanation in html
            assert '<main id="main"' in html and 'class="site-header"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_that_failed_its_csrf_check_says_what_to_do(home, language):
    make_staff("anna")
    client = _client(language, enforce_csrf_checks=True)
    form_page = "http://testserver/login/?next=/learning/"
    response = client.post(
        "/login/",
        {"username": "anna", "password": PASSWORD},
        HTTP_REFERER=form_page,
    )
    html = assert_error_page(response, 403, language, "csrf")
    assert TEXTS[language]["csrf-steps"] in html
    # Back to the page the form was on; nobody was signed in.
    assert 'href="http://testserver/login/?next=/learning/"' in html
    assert "_auth_user_id" not in client.session
    # The page gives a fresh CSRF cookie (its language switcher has a form),
    # so reloading the form page and sending again works.
    assert "csrftoken" in response.cookies


@pytest.mark.django_db
def test_the_csrf_page_never_links_to_another_site(home):
    client = _client("en", enforce_csrf_checks=True)
    response = client.post(
        "/login/", {"username": "x"}, HTTP_REFERER="https://elsewhere.example/form/"
    )
    html = assert_error_page(response, 403, "en", "csrf")
    assert "elsewhere.example" not in html
    assert '<a class="button" href="/">Go to the start page</a>' in html
