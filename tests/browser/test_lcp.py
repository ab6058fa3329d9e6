"""The city report and the catalogue on a phone over a slow connection: the
largest contentful paint within 2.5 s (Core Web Vitals' "good").

Chromium at 375 px, the network throttled through the DevTools protocol
(`Network.emulateNetworkConditions`: 1.6 Mbit/s down, 750 kbit/s up, 150 ms
latency, the browser cache off: a cold load), the paint read from a
`PerformanceObserver` for `largest-contentful-paint`. Each figure is printed
(`pytest -s` shows it) and kept in /tmp/out/speed-lcp.txt."""

from pathlib import Path

import pytest

from organisation.models import OrgUnit, StaffProfile
from tests.browser.helpers import PHONE, log_in, shot
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    InformationPageFactory,
    make_course,
    make_staff,
    make_unit,
    publish,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LCP_BUDGET_MS = 2500
SLOW_3G_LIKE = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1_000_000 / 8,
    "uploadThroughput": 750 * 1_000 / 8,
}
FIGURES = Path("/tmp/out/speed-lcp.txt")

LARGEST_CONTENTFUL_PAINT = """
() => new Promise((resolve) => {
    let last = null;
    new PerformanceObserver((list) => {
        const entries = list.getEntries();
        last = entries[entries.length - 1];
    }).observe({type: "largest-contentful-paint", buffered: true});
    // The entries of the load so far are buffered; a moment for the last.
    setTimeout(() => resolve(last && {
        ms: last.startTime,
        element: last.element
            ? last.element.tagName + "." + last.element.className
            : "",
    }), 500);
})
"""


def throttled_lcp(page, path):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G_LIKE)
    page.goto(path, wait_until="load")
    result = page.evaluate(LARGEST_CONTENTFUL_PAINT)
    assert result is not None, f"{path}: no largest-contentful-paint entry"
    return result


def record(label, result):
    line = f"{label}: LCP {result['ms']:.0f} ms ({result['element']})"
    print(line)  # noqa: T201 - the figure the issue asks to see
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a") as figures:
        figures.write(line + "\n")


@pytest.fixture
def city(catalogue):
    administration = make_unit("VO", name="Vård och omsorg")
    unit = make_unit(
        "VO1", name="Hemtjänst City", parent=OrgUnit.objects.get(pk=administration.pk)
    )
    categories = [CategoryFactory(), CategoryFactory()]
    for n in range(12):
        course = make_course(catalogue, lessons=2, title=f"Kurs {n:02d}")
        course.categories.set(categories)
        publish(course)
    for _n in range(4):
        publish(InformationPageFactory(parent=catalogue))
    for n in range(6):
        make_staff(f"p{n}", unit=unit, job_title="Undersköterska")
    return unit


def test_the_city_report_paints_within_budget_on_a_slow_phone(new_page, city):
    make_staff("central", hr_role=StaffProfile.HrRole.CENTRAL)
    page = new_page(device=PHONE)
    log_in(page, "central", PASSWORD)
    result = throttled_lcp(page, "/learning/reports/")
    assert page.locator("h1").count() == 1
    shot(page, "speed", "lcp-city-report-375")
    record("city report, central HR, 375 px", result)
    assert result["ms"] <= LCP_BUDGET_MS, result


def test_the_catalogue_paints_within_budget_on_a_slow_phone(new_page, city, catalogue):
    make_staff("lena", unit=city)
    page = new_page(device=PHONE)
    log_in(page, "lena", PASSWORD)
    result = throttled_lcp(page, catalogue.url)
    assert page.locator(".card").count() == 12 + 4
    shot(page, "speed", "lcp-catalogue-375")
    record("catalogue, learner, 375 px", result)
    assert result["ms"] <= LCP_BUDGET_MS, result
