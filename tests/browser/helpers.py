"""What the browser tests share: the two screens, logging in by the site's own
form or the admin's, reaching an element by keyboard, axe-core's WCAG 2.1 AA
check, and screenshots to look at (under /tmp/shots)."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD

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


def admin_log_in(page, username, password=PASSWORD):
    """Log in through the Wagtail admin's login page, by mouse; lands on the
    admin's dashboard."""
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    assert path_of(page) == "/admin/", f"admin login failed: {page.url}"


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
    # Bring finite animations and transitions to their end first: axe
    # measures contrast on what is painted, and a message fading in
    # (Wagtail's) is momentarily too faint. Finished, not waited for: the
    # admin's "what's new" badge pings five times five seconds, which made
    # every check in the admin wait 25 s.
    page.evaluate(
        """() => document.getAnimations()
            .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
            .forEach(a => a.finish())"""
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


def shot(page, folder, name):
    """A full-page screenshot, /tmp/shots/<folder>/<name>.png, to look at."""
    directory = Path("/tmp/shots") / folder
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
