"""Shared fixtures. The suite needs the real PostgreSQL and Redis: if either is
missing the run stops at once with a clear message instead of skipping."""

import os
import socket

import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from tests.factories import (
    AccessibilityStatementPageFactory,
    CourseIndexPageFactory,
    HomePageFactory,
    UserFactory,
    make_course,
)
from tests.integration import running_smtp_server


def _reachable(url_env, default_host, default_port):
    from urllib.parse import urlparse

    parsed = urlparse(os.environ.get(url_env, ""))
    host = parsed.hostname or default_host
    port = parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as error:
        return f"{url_env} ({host}:{port}) is not reachable: {error}"


def pytest_sessionstart(session):
    problems = [
        problem
        for problem in (
            _reachable("DATABASE_URL", "127.0.0.1", 5432),
            _reachable("REDIS_URL", "127.0.0.1", 6379),
        )
        if problem
    ]
    if problems:
        pytest.exit(
            "Required services are missing – the tests never skip them:\n  "
            + "\n  ".join(problems),
            returncode=3,
        )


def pytest_collection_modifyitems(items):
    """Every transactional test must use serialized_rollback.

    A transactional test is followed by a flush; without serialized_rollback
    the flush re-creates content types and permissions under new ids, and the
    next test that restores the migrated state (the browser and integration
    tests do) fails on duplicates. So a marker without it is refused at once
    rather than breaking unrelated tests later in the run."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs "
                "serialized_rollback=True (see tests/conftest.py)."
            )


@pytest.fixture(scope="session", autouse=True)
def _admin_viewsets_registered():
    """Load the URLconf (and so Wagtail's admin viewsets) before any test, as
    a running server has: query counts must not depend on test order."""
    from django.urls import reverse

    reverse("wagtailadmin_home")


@pytest.fixture(autouse=True)
def _site_links_forgotten():
    """The header's links are cached (cms.context_processors) and dropped by
    page signals; a test's rollback or flush sends none, so each test starts
    without them. The same for what is kept per content generation (the
    rendered lesson content, the sites and routes each process remembers:
    courses.rendering, cms.lookups)."""
    from cms.context_processors import forget_site_links
    from courses.rendering import forget_rendered_content_now

    forget_site_links()
    forget_rendered_content_now()
    yield
    forget_site_links()
    forget_rendered_content_now()


@pytest.fixture(autouse=True)
def _report_counts_start_unrefreshed(request):
    """The reports' precomputed counts (materialized views and the table that
    says when they were refreshed, learners/migrations/0011) are not model
    tables, so the flush after a transactional test leaves them: a later test
    would read another test's counts as fresh. Each transactional test starts
    with them never refreshed (the reports count live until it refreshes)."""
    if "transactional_db" not in request.fixturenames and (
        "live_server" not in request.fixturenames
    ):
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.db import connection

    if connection.vendor == "postgresql":
        from reports.figures import COUNTS_REFRESHED

        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {COUNTS_REFRESHED}")  # noqa: S608
    yield


@pytest.fixture
def home(db):
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    old_root = site.root_page
    site.root_page = home
    site.save()
    if old_root.pk != home.pk and old_root.depth == 2:
        old_root.delete()
    Site.clear_site_root_paths_cache()
    return home


@pytest.fixture
def catalogue(home):
    page = CourseIndexPageFactory(parent=home)
    page.save_revision().publish()
    statement = AccessibilityStatementPageFactory(parent=home)
    statement.save_revision().publish()
    return page


@pytest.fixture
def course(catalogue):
    return make_course(catalogue, lessons=3, title="Informationssäkerhet")


@pytest.fixture
def lessons(course):
    return list(course.lessons())


@pytest.fixture
def learner(db):
    return UserFactory(username="anna")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="bertil")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) as this process's mail relay: `stop()`
    is a relay that is down (connections refused), `start_again()` its
    return. The delivery log's marks in the cache (relay down, recovered,
    accepted) are cleared before and after."""
    cache.clear()
    with running_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server
    cache.clear()
