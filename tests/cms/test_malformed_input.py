"""Input that cannot be a real id or token is a 404 at the edge: it never
reaches PostgreSQL as a query it cannot run (a 500)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = "9" * 25


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_no_url_of_ours_takes_an_unbounded_number():
    ours = (
        "assignments",
        "cms",
        "core",
        "learners",
        "organisation",
        "reminders",
        "reports",
        "xapi",
    )
    unbounded = []
    for route, pattern in _patterns(get_resolver()):
        module = getattr(pattern.callback, "__module__", "")
        converters = getattr(pattern.pattern, "converters", {})
        if module.split(".")[0] in ours and any(
            isinstance(converter, IntConverter) for converter in converters.values()
        ):
            unbounded.append(route)
    assert unbounded == []


@pytest.mark.parametrize(
    "path",
    [
        f"/reports/units/{BEYOND_64_BITS}/",
        f"/reports/people/{BEYOND_64_BITS}/",
        f"/team/{BEYOND_64_BITS}/",
        f"/admin/quiz-results/{BEYOND_64_BITS}/",
        f"/admin/assignment-rules/{BEYOND_64_BITS}/",
    ],
)
def test_an_id_beyond_64_bits_is_a_page_that_does_not_exist(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("token", ["abc%00def", "abc%0Adef", "a" * 101, "ab.cd"])
def test_a_calendar_token_with_bytes_a_token_never_has_is_a_404(client, token):
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 404
