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
import re
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from wagtail.models import Site

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

# The WCAG 2.1 AA rules of axe-core: a legal requirement for Swedish
# public-sector services.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    # A phone's width (iPhone X / 11 Pro class), touch, mobile viewport meta honoured.
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.hookimpl(trylast=True)
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


def path_of(page):
    """The path (and query) of the page's current URL, without the host."""
    return re.sub(r"^https?://[^/]+", "", page.url)


def log_in(page, username, password, next_path=""):
    """Log in through the site's own login page, by mouse."""
    url = "/login/" + (f"?next={next_path}" if next_path else "")
    page.goto(url)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert not path_of(page).startswith("/login/"), (
        f"logging in as {username!r} failed: still on {page.url}"
    )


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f"\n  {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    target: {target}")
            lines.append(f"      html: {node.get('html', '').strip()[:300]}")
            summary = node.get("failureSummary")
            if summary:
                lines.append("      " + summary.replace("\n", "\n      "))
    return "\n".join(lines)


def assert_no_axe_violations(page, label):
    """Run axe-core's WCAG 2.1 A and AA rules on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # Let finite animations and transitions end first: axe measures contrast
    # on what is painted, and a message fading in (Wagtail's) is
    # momentarily too faint.
    page.evaluate(
        """() => Promise.all(document.getAnimations()
            .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
            .map(a => a.finished.catch(() => null)))"""
    )
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_AA_TAGS},
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    assert not violations, (
        f"axe-core found {len(violations)} WCAG 2.1 AA violation(s) on {label} "
        f"({page.url}):\n{format_violations(violations)}"
    )
    # axe-core 4.12 no longer reports duplicate ids, but a label or
    # description pointing at a duplicated id names the wrong element
    # (WCAG 1.3.1, 4.1.2).
    duplicates = page.evaluate(
        """() => {
            const counts = {};
            document.querySelectorAll("[id]").forEach(el => {
                counts[el.id] = (counts[el.id] || 0) + 1;
            });
            return Object.keys(counts).filter(id => counts[id] > 1);
        }"""
    )
    assert not duplicates, f"duplicate ids on {label} ({page.url}): {duplicates}"


def active_element_description(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el) return "(nothing)";
            const text = (el.innerText || el.value || "").trim().slice(0, 60);
            const id = el.id ? " id=" + el.id : "";
            return `<${el.tagName.toLowerCase()}${id}> ${text}`;
        }"""
    )


def tab_to(page, predicate, max_presses=80, backwards=False):
    """Press Tab (or Shift+Tab) until ``predicate`` — a JavaScript function
    taking the focused element — is true. Fails if it never is: an element a
    keyboard user cannot reach is a bug."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _press in range(max_presses):
        page.keyboard.press(key)
        if page.evaluate(
            f"() => {{ const el = document.activeElement; "
            f"return !!el && el !== document.body && ({predicate})(el); }}"
        ):
            return
        seen.append(active_element_description(page))
    pytest.fail(
        f"Could not reach the element ({predicate}) with {key} in {max_presses} "
        f"presses on {page.url}. Focus went through:\n  " + "\n  ".join(seen[:40])
    )
