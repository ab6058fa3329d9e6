"""The security headers on every kind of page: a learner's, a manager's, the
Wagtail admin's and the login page. The Content-Security-Policy allows no
inline script without the response's nonce anywhere, and no inline style on
the learners' and managers' pages; the admin's policy differs only where
Wagtail needs it (README "Security")."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import wagtail
import wagtailmedia
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model

from cms.models import AccessibilityStatementPage
from cms.security_headers import permissions_policy_header
from tests.factories import UserFactory
from tests.helpers import add_people, make_report_org

pytestmark = pytest.mark.django_db

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), bluetooth=(), camera=(), "
    "display-capture=(), fullscreen=(self), geolocation=(), gyroscope=(), hid=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-create=(self), publickey-credentials-get=(self), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)
# What the learners' and managers' pages get, directive by directive.
PLATFORM_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "media-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
JCROP_TOUCH_TEST = "'sha256-i+qr4lq34KgNHiW62lWi9aInEBwiEOrfCzaNPCvkqD8='"
_NONCE = re.compile(r"^'nonce-([A-Za-z0-9+/=]{24})'$")
# An inline script: no src, and a type the browser runs (JSON data and
# templates are not run, so the policy does not govern them).
_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)
_DATA_TYPES = ('type="application/json"', 'type="text/template"')


def policy(response):
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = values
    return directives


def nonce_of(directives):
    nonces = [
        match.group(1)
        for value in directives["script-src"]
        if (match := _NONCE.match(value))
    ]
    assert len(nonces) == 1, directives["script-src"]
    return nonces[0]


def inline_scripts(html):
    return [
        match
        for match in _SCRIPT.finditer(html)
        if "src=" not in match.group("attrs")
        and not any(kind in match.group("attrs") for kind in _DATA_TYPES)
    ]


def assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    # Over HTTPS (the test client's secure=True): a year, subdomains too, no
    # preload unless the city decides so.
    hsts = response["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"


def assert_no_inline_code(html):
    """Nothing on the page the platform policy would refuse: no inline script
    (ours are files), no style attribute or element, no event handler
    attribute, no javascript: URL."""
    assert inline_scripts(html) == []
    assert not re.search(r"<[^>]+\sstyle=", html), "a style attribute"
    assert "<style" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "an inline event handler"
    assert "javascript:" not in html


@pytest.fixture
def org(catalogue):
    return make_report_org(catalogue)


def test_learner_pages_get_the_platform_policy_and_need_nothing_inline(
    client, learner, course, lessons
):
    client.force_login(learner)
    for url in (reverse("learners:my_learning"), course.url, lessons[0].url):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert policy(response) == PLATFORM_POLICY, url
        assert_common_headers(response)
        html = response.content.decode()
        assert_no_inline_code(html)
    # The lesson's progress bar is an SVG whose width is an attribute (an
    # inline style would be refused), and its scripts are our files.
    assert '<rect width="0" height="1">' in html
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/js/lesson.js"]


def test_manager_pages_get_the_platform_policy(client, org):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    for url in (reverse("reports:reports"), reverse("reports:team")):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert policy(response) == PLATFORM_POLICY, url
        assert_common_headers(response)
        assert_no_inline_code(response.content.decode())


def test_login_and_public_pages_get_the_platform_policy(client, catalogue):
    statement = AccessibilityStatementPage.objects.get()
    for url in (reverse("login"), reverse("signed_out"), statement.url):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert policy(response) == PLATFORM_POLICY, url
        assert_common_headers(response)
        assert_no_inline_code(response.content.decode())


def test_the_admin_policy_differs_only_where_wagtail_needs_it(client, home):
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.get(reverse("wagtailadmin_home"), secure=True)
    assert response.status_code == 200
    assert_common_headers(response)
    directives = policy(response)
    expected = {
        **PLATFORM_POLICY,
        # jQuery UI's menu bullet in Wagtail's stylesheet.
        "img-src": ["'self'", "data:"],
        # Draftail's generated <style> elements; style attributes stay refused.
        "style-src-elem": ["'self'", "'unsafe-inline'"],
        # Jcrop's touch test `return;`, by its hash, and no other handler.
        "script-src-attr": ["'unsafe-hashes'", JCROP_TOUCH_TEST],
    }
    assert directives == expected
    # The admin's own login page (anonymous) gets the same.
    client.logout()
    login = client.get(reverse("wagtailadmin_login"), secure=True)
    assert policy(login) == expected


def test_wagtails_inline_scripts_carry_the_nonce_which_differs_per_response(
    client, course
):
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = reverse("wagtailadmin_pages:edit", args=[course.pk])
    nonces = []
    for _request in range(2):
        response = client.get(url, secure=True)
        assert response.status_code == 200
        directives = policy(response)
        assert "'unsafe-inline'" not in directives["script-src"]
        nonce = nonce_of(directives)
        nonces.append(nonce)
        scripts = inline_scripts(response.content.decode())
        bodies = " ".join(script.group("body") for script in scripts)
        # The course's cover image chooser and the schedule's two date-time
        # choosers are inline scripts of Wagtail's: each has the nonce.
        assert "new ImageChooser(" in bodies
        assert bodies.count("initDateTimeChooser(") == 2
        for script in scripts:
            assert f'nonce="{nonce}"' in script.group("attrs"), script.group(0)
    assert nonces[0] != nonces[1]


def test_admin_forms_with_inline_panels_and_date_filters_carry_the_nonce(client, home):
    """The other places Wagtail writes an inline script: an inline panel and
    its choosers (a workflow's tasks and pages), and the date filters of a
    listing (rendered by the form renderer, without the request)."""
    client.force_login(UserFactory(username="root", is_superuser=True))
    for url, needle in (
        (reverse("wagtailadmin_workflows:add"), "new InlinePanel("),
        (reverse("wagtailadmin_explore_root"), "initDateChooser("),
    ):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        nonce = nonce_of(policy(response))
        scripts = inline_scripts(response.content.decode())
        assert needle in " ".join(script.group("body") for script in scripts), url
        for script in scripts:
            assert f'nonce="{nonce}"' in script.group("attrs"), (url, script.group(0))


def test_hsts_is_not_sent_over_plain_http(client):
    response = client.get(reverse("login"))
    assert "Strict-Transport-Security" not in response
    assert response["Content-Security-Policy"]


def test_permissions_policy_header_format():
    assert (
        permissions_policy_header({"camera": [], "fullscreen": ["self"]})
        == "camera=(), fullscreen=(self)"
    )
    assert permissions_policy_header(settings.PERMISSIONS_POLICY) == PERMISSIONS_POLICY


def test_scorm_and_identity_provider_origins_come_from_the_environment():
    """SCORM_CONTENT_ORIGIN may frame us; the provider's origin is where
    signing out (a form post) redirects to. Only origins reach the policy,
    whatever path the variables carry."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "SCORM_CONTENT_ORIGIN": "https://scorm.example.se/paket/",
        "OIDC_ISSUER": "https://login.example.se:8443/realms/stad",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "d = settings.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(d['frame-ancestors']); print(d['form-action'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.splitlines() == [
        "[\"'self'\", 'https://scorm.example.se']",
        "[\"'self'\", 'https://login.example.se:8443']",
    ]
    assert settings.SCORM_CONTENT_ORIGIN == ""


# --- Our copies of Wagtail's templates with inline scripts ---------------------

WAGTAIL_TEMPLATES = Path(wagtail.__file__).parent / "admin" / "templates"
WAGTAILMEDIA_TEMPLATES = Path(wagtailmedia.__file__).parent / "templates"
OUR_TEMPLATES = Path(settings.BASE_DIR) / "cms" / "templates"
NONCE_TAG = "{% csp_nonce_attribute %}"
_HEADER = re.compile(r"^{% load content_security %}{% comment %}.*?{% endcomment %}")


def _block(text, name):
    match = re.search(
        r"{%\s*block " + name + r"\s*%}(.*?){%\s*endblock\s*%}", text, re.S
    )
    assert match, name
    return " ".join(match.group(1).split())


@pytest.mark.parametrize("name", ["date_input", "time_input", "datetime_input"])
def test_our_date_widgets_are_wagtails_with_the_nonce_only(name):
    """After a Wagtail upgrade, a changed widget template fails here: copy
    the new one and add the nonce again."""
    path = f"wagtailadmin/widgets/{name}.html"
    original = (WAGTAIL_TEMPLATES / path).read_text()
    ours = (OUR_TEMPLATES / path).read_text()
    assert NONCE_TAG in ours
    assert _HEADER.sub("", ours).replace(NONCE_TAG, "") == original


@pytest.mark.parametrize(
    ("root", "path", "block", "parent_block"),
    [
        (WAGTAIL_TEMPLATES, "wagtailadmin/panels/inline_panel.html", "js_init", ""),
        (
            WAGTAIL_TEMPLATES,
            "wagtailadmin/panels/multiple_chooser_panel.html",
            "js_init",
            "",
        ),
        (
            WAGTAILMEDIA_TEMPLATES,
            "wagtailmedia/media/add.html",
            "extra_js",
            "{{ block.super }} ",
        ),
    ],
)
def test_our_panel_and_upload_scripts_are_wagtails_with_the_nonce_only(
    root, path, block, parent_block
):
    ours = (OUR_TEMPLATES / path).read_text()
    assert ours.startswith(f'{{% extends "{path}" %}}')
    assert NONCE_TAG in ours
    original = _block((root / path).read_text(), block)
    assert parent_block + _block(ours, block).replace(NONCE_TAG, "") == original


def test_a_course_document_keeps_wagtails_stricter_policy(learner_client):
    """Wagtail serves documents with `default-src 'none'` (an uploaded HTML
    or SVG file runs nothing); ours does not replace it."""
    document = get_document_model()(title="Checklista")
    document.file.save("checklista.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    document.save()
    try:
        response = learner_client.get(document.url, secure=True)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert_common_headers(response)
    finally:
        document.file.delete(save=False)
