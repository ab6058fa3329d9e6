"""The authorization matrix (tests.security.matrix): every URL of ours asked
by every role, in one world (tests.security.world) built once for the module.

Which URLs are ours is found by walking the URL resolver, so a new view
cannot escape: `test_every_url_of_ours_has_a_row` fails for a URL without a
row, and `test_every_row_is_a_url_of_ours` for a row whose URL is gone.
"""

from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.models import Site

from tests.security.matrix import OUTSIDERS, ROLES, ROWS
from tests.security.world import A_MARKERS, B_MARKERS, build_world

OUR_APPS = {
    "cms",
    "reports",
    "reminders",
    "assignments",
    "learners",
    "accounts",
    "organisation",
    "xapi",
    "notifications",
    "courses",
    "core",
}
REDIRECTS = (301, 302, 303, 307, 308)

pytestmark = pytest.mark.django_db


# --- The URLs of ours, from the resolver -------------------------------------------


def _join(prefix, route):
    """As Django joins the routes of a match (ResolverMatch.route)."""
    return prefix + route.removeprefix("^") if prefix else route


def _walk(resolver, prefix="", included_from=None):
    """(route, pattern, the module of the first include) of every URL."""
    for pattern in resolver.url_patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            module = included_from or getattr(pattern.urlconf_module, "__name__", "")
            yield from _walk(pattern, route, module)
        else:
            yield route, pattern, included_from


def _app_of(module):
    return (module or "").split(".", 1)[0]


def _is_ours(pattern, included_from):
    """Ours: what cms/urls.py routes itself and what our apps' urls include;
    inside Wagtail's and Django's includes (/admin/, /documents/, the pages),
    the views of our apps (our hooks' URLs) and Wagtail's viewsets of our
    models."""
    if included_from is None or _app_of(included_from) in OUR_APPS:
        return True
    callback = pattern.callback
    view = getattr(callback, "view_class", callback)
    if _app_of(getattr(view, "__module__", "")) in OUR_APPS:
        return True
    model = getattr(callback, "view_initkwargs", {}).get("model")
    if isinstance(model, str):  # "app_label.ModelName"
        model = apps.get_model(model)
    return model is not None and model._meta.app_label in OUR_APPS


def _settings_models():
    return [m for m in settings_registry if m._meta.app_label in OUR_APPS]


def _settings_key(route, app_name, model_name):
    return route.replace("<slug:app_name>", app_name).replace(
        "<slug:model_name>", model_name
    )


def urls_of_ours():
    """The key of every URL that must have a row: its route; Wagtail's
    settings views once for each of our settings models."""
    keys = set()
    for route, pattern, included_from in _walk(get_resolver()):
        if "<slug:app_name>/<slug:model_name>" in route and route.startswith(
            "admin/settings/"
        ):
            for model in _settings_models():
                meta = model._meta
                keys.add(_settings_key(route, meta.app_label, meta.model_name))
        elif _is_ours(pattern, included_from):
            keys.add(route)
    return keys


# --- Rows: their addresses and requests ----------------------------------------------


def _value(value, ids):
    if callable(value):
        return value(ids)
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    return value


def url_of(row, ids):
    if row.path:
        return _value(row.path, ids)
    kwargs = {key: _value(value, ids) for key, value in row.kwargs.items()}
    return reverse(row.name, kwargs=kwargs)


def key_of(row, ids):
    """The walked key of the URL the row asks for."""
    match = resolve(urlsplit(url_of(row, ids)).path)
    if match.namespace == "wagtailsettings":
        return _settings_key(
            match.route, match.kwargs["app_name"], match.kwargs["model_name"]
        )
    return match.route


def _login_paths():
    """The sign-in pages: the site's and the admin's, and those settings name
    for the admin and for Wagtail's restricted pages and documents (Wagtail's
    own password form, /_util/login/, is not one of ours)."""
    paths = {resolve_url(settings.LOGIN_URL), reverse("wagtailadmin_login")}
    for name in ("WAGTAILADMIN_LOGIN_URL", "WAGTAIL_FRONTEND_LOGIN_URL"):
        if getattr(settings, name, None):
            paths.add(resolve_url(getattr(settings, name)))
    return paths


def _errors(response):
    """A page's own refusal: its form's errors, or a dry run's bad rows."""
    context = response.context or {}
    form, plan = context.get("form"), context.get("plan")
    return getattr(form, "errors", None) or getattr(plan, "errors", None)


def outcome_of(response, method):
    """The response as a cell of the matrix."""
    if response.status_code in REDIRECTS:
        target = urlsplit(response["Location"]).path
        if target in _login_paths():
            return "LOGIN"
        if target == reverse("wagtailadmin_home"):
            return "DENY"
        return "302"
    if method == "POST" and response.status_code == 200 and _errors(response):
        return "FORM"
    return str(response.status_code)


def body_of(response):
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def _why(response):
    """What helps to read a failure: where a redirect went, a form's errors."""
    if response.status_code in REDIRECTS:
        return f" to {response['Location']}"
    errors = _errors(response)
    return f" (the page says {errors})" if errors else ""


def ask(client, row, ids):
    url = url_of(row, ids)
    data = {key: _value(value, ids) for key, value in row.data.items()}
    if row.method == "POST":
        return client.post(url, data)
    return client.get(url, data)


# --- The world, once --------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once, in a transaction rolled back after the module (as Django's
    setUpTestData): each test runs in a savepoint inside it. Files go to a
    temporary directory."""
    files = tmp_path_factory.mktemp("matrix")
    with (
        override_settings(
            MEDIA_ROOT=files / "media",
            PRIVATE_MEDIA_ROOT=files / "private",
            HR_IMPORT_DIR=files / "hr-imports",
            # The second factor has its own tests; here everyone has given it.
            REQUIRE_TWO_FACTOR=False,
        ),
        django_db_blocker.unblock(),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        world = None
        try:
            world = build_world()
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            for path in world.files if world else ():
                path.unlink(missing_ok=True)
            Site.clear_site_root_paths_cache()
            cache.clear()


@pytest.fixture(autouse=True)
def _cache_forgotten():
    """What one case cached (the header's team link, Wagtail's site roots)
    is not rolled back with its savepoint: the next case starts without it."""
    yield
    cache.clear()


# --- The tests ----------------------------------------------------------------------


def test_every_url_of_ours_has_a_row(world):
    covered = {key_of(row, world.ids) for row in ROWS}
    missing = sorted(urls_of_ours() - covered)
    assert not missing, (
        "These URLs have no row in tests/security/matrix.py; add one with the "
        "outcome for every role:\n  " + "\n  ".join(missing)
    )


def test_every_row_is_a_url_of_ours(world):
    ours = urls_of_ours()
    strays = [
        f"{row.id}: {key_of(row, world.ids)}"
        for row in ROWS
        if not row.wagtail and key_of(row, world.ids) not in ours
    ]
    assert not strays, "Rows whose URL is not one of ours:\n  " + "\n  ".join(strays)
    asked = [(row.id, row.method) for row in ROWS]
    twice = sorted({f"{m} {i}" for i, m in asked if asked.count((i, m)) > 1})
    assert not twice, "Rows asked twice (give them labels):\n  " + "\n  ".join(twice)


def test_a_new_url_without_a_row_is_found(world):
    covered = {key_of(row, world.ids) for row in ROWS}
    with override_settings(ROOT_URLCONF="tests.security.urls_with_a_new_view"):
        assert urls_of_ours() - covered == {"en-ny-vy/"}


def test_our_views_inside_wagtails_admin_are_ours():
    """Our hooks' admin views and Wagtail's views of our models are ours;
    Wagtail's own are not."""
    by_route = {
        route: (pattern, included_from)
        for route, pattern, included_from in _walk(get_resolver())
    }
    for route in (
        "admin/assignment-rules/",  # a hook's URL
        "admin/certificates/",  # a ModelViewSet of learners.Certificate
        "admin/snippets/courses/category/",  # a snippet of ours
    ):
        assert _is_ours(*by_route[route]), route
    for route in ("admin/", "admin/users/", "admin/pages/<int:page_id>/edit/"):
        assert not _is_ours(*by_route[route]), route


CASES = [
    pytest.param(row, role, id=f"{row.id}-{row.method}-{role}")
    for row in ROWS
    for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access(row, role, world, client):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = ask(client, row, world.ids)
    expected = row.expect[role]
    got = outcome_of(response, row.method)
    assert got == expected, (
        f"{row.method} {url_of(row, world.ids)} as {role}: expected {expected}, "
        f"got {got}" + _why(response)
    )
    if not row.hides or got != "200":
        return
    body = body_of(response)
    secrets = [str(world.ids[key]) for key in row.secrets]
    if role in OUTSIDERS:
        shown = [marker for marker in (*A_MARKERS, *secrets) if marker in body]
        assert not shown, f"{row.id} shows {role} Alfa's {shown}"
    if role != "owner":
        shown = [secret for secret in secrets if secret in body]
        assert not shown, f"{row.id} shows {role} Astrid's secret {shown}"
    if role in row.shown_to:
        markers = (*A_MARKERS, *secrets)
        assert any(marker in body for marker in markers), (
            f"{row.id} shows {role} nothing of Alfa's: is the page empty?"
        )
    if role in row.beta_to:
        assert any(marker in body for marker in B_MARKERS), (
            f"{row.id} shows {role} nothing of Beta's, their own: is it empty?"
        )
