"""Browser tests: Playwright for Python driving Debian's Chromium, with axe-core.

The browser is started once per session; every test gets a fresh context (no
cookies, no storage). Pages are served by pytest-django's ``live_server`` (a
real HTTP server in a thread, static files included; the test settings serve
media too), so every test uses a transactional database and builds its data
inside the test.

If ``/usr/bin/chromium`` is missing the tests fail with a clear message: they
never skip (`playwright install` cannot download a browser on our machines).
"""

import os
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from wagtail.models import Site

from tests.browser.helpers import DESKTOP

# Playwright's sync API runs an asyncio event loop in the main thread, and the
# tests also use the ORM from that thread (to build data and check what was
# recorded). Django then sees a running event loop and refuses ORM calls with
# SynchronousOnlyOperation, although nothing here is async: every ORM call is
# an ordinary blocking call made between two browser steps, never from inside
# a coroutine. So the check is a false alarm and we switch it off. The switch
# is process-wide, but it is thrown only when tests/browser is collected, and
# the browser tests run after all others (see pytest_collection_modifyitems).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
# Generous for a loaded CI machine, short enough to fail fast when a selector
# is wrong.
DEFAULT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items):
    """Run the browser tests after every other test.

    Once Playwright has started, the main thread has a running event loop until
    the session ends, and tests that run after it would behave differently
    (``asyncio.run`` refuses to start, Django's per-thread connections become
    per-context). Runs after pytest-django's own reordering and keeps it within
    the browser tests.
    """
    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if browser_tests:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser_tests


def _serialized_contents():
    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is "
            "missing. Install it with `apt-get install chromium` (or `make "
            "system-deps`); `playwright install` is not used on our machines.",
            pytrace=False,
        )
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    # Django keeps database connections per thread, but per *context* while an
    # event loop runs in the thread (asgiref's Local). Once Playwright runs its
    # loop, the main thread gets new connection objects, without the snapshot
    # of the migrated database that serialized_rollback restores from (taken
    # when the test database was created). Carry the snapshot over, or the
    # second browser test would find no Wagtail root page.
    serialized = _serialized_contents()
    playwright = sync_playwright().start()
    for alias, contents in serialized.items():
        connections[alias]._test_serialized_contents = contents
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
    except PlaywrightError as error:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
    yield browser
    browser.close()
    # Close the connections opened while the loop ran; afterwards they are out
    # of reach, and an open session would stop the test database being dropped.
    connections.close_all()
    playwright.stop()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The database is flushed between transactional tests, but Wagtail caches
    the site root paths (and our locmem cache lives as long as the process).
    Stale entries would give pages the URLs of a previous test's tree."""
    cache.clear()
    Site.clear_site_root_paths_cache()
    yield
    cache.clear()
    Site.clear_site_root_paths_cache()


def _delete_uploaded_files():
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtailmedia import get_media_model

    from learners.models import Certificate

    Image = get_image_model()
    files = [
        *(rendition.file for rendition in Image.get_rendition_model().objects.all()),
        *(image.file for image in Image.objects.all()),
        *(document.file for document in get_document_model().objects.all()),
        *(media.file for media in get_media_model().objects.all()),
        *(media.thumbnail for media in get_media_model().objects.all()),
        *(certificate.pdf for certificate in Certificate.objects.all()),
    ]
    for file in files:
        if file:
            file.delete(save=False)


@pytest.fixture(autouse=True)
def _uploaded_files_are_removed(request):
    """Images, documents, video and certificate PDFs that a test uploads or
    issues live in MEDIA_ROOT; the flush after the test empties the database
    but would leave the files. Everything in the database at the end of a
    browser test was made by it (the migrated state has no files), so delete
    those files before the flush."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    _delete_uploaded_files()


class BrowserSession:
    """Opens pages in fresh browser contexts against the live server and
    collects JavaScript errors, which fail the test at teardown."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.page_errors = []

    def new_page(self, device=None, **options):
        context_options = {**(device or DESKTOP), **options}
        context = self.browser.new_context(
            base_url=self.base_url, locale="sv-SE", **context_options
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page

    def close(self):
        for context in self.contexts:
            context.close()
        _wait_for_requests_to_finish()


# How long the live server must have had no request in flight before the test
# may end: a page sends a beacon as it closes, and that request may reach the
# server just after the context has closed.
QUIET_SECONDS = 0.3


def _requests_in_flight():
    # The live server handles each connection in a thread of its own, started
    # by socketserver's ThreadingMixIn with `process_request_thread` as target.
    return [
        thread
        for thread in threading.enumerate()
        if thread.name.endswith("(process_request_thread)") and thread.is_alive()
    ]


def _wait_for_requests_to_finish(timeout=10):
    """Wait until the live server has been idle for a moment.

    The test database is flushed after each browser test. A request still being
    served then (a beacon sent as a page closed) writes into the tables being
    truncated: the flush deadlocked with such a request in CI and left the
    test's rows behind for the next test. So the test ends only when no
    request has been in flight for QUIET_SECONDS."""
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        if _requests_in_flight():
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_SECONDS:
            return
        time.sleep(0.05)
    pytest.fail(
        f"The live server was still serving requests {timeout} s after the "
        "test's browser contexts closed."
    )


@pytest.fixture
def browser_session(browser, live_server):
    session = BrowserSession(browser, live_server.url)
    yield session
    session.close()
    assert not session.page_errors, "JavaScript errors in the page:\n" + "\n".join(
        session.page_errors
    )


@pytest.fixture
def new_page(browser_session):
    """``new_page(device=PHONE)``: a page in a fresh context (its own cookies)."""
    return browser_session.new_page
