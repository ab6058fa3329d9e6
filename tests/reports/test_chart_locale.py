"""Charts never depend on the language's number format.

Swedish writes decimals with a comma; SVG reads only a point. When the trend
chart's coordinates were floats handed to the template, Swedish pages drew
every dot at 0,0. These tests render the chart in both languages and read
the SVG as a browser would: every coordinate is a plain number, the dots are
where the polyline is, and they are not all in one place."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assignments.models import Assignment
from core.vocabulary_tags import progress_bar
from tests.factories import make_staff
from tests.helpers import add_people, make_report_org

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# What SVG's number grammar accepts (no comma, no thousands separator).
SVG_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture
def trend_page(client, catalogue):
    """Central HR's report of administration A with a course filter: three
    people, one completed 20 days ago and one 3 days ago, so the weekly
    shares are 0, 33 and 67 % and the coordinates have decimals."""
    org = make_report_org(catalogue)
    people = add_people(org, org["a1"], 3, "t")
    course = org["courses"][0]
    for person, days_ago in ((people[0], 20), (people[1], 3)):
        Assignment.objects.filter(person=person, course=course).update(
            state="completed", completed_at=timezone.now() - timedelta(days=days_ago)
        )
    client.force_login(make_staff("central-hr", hr_role="central"))
    url = reverse("reports:report_unit", args=[org["a"].pk])

    def get(language):
        client.cookies["django_language"] = language
        response = client.get(url, {"kurs": course.pk}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        return html

    return get


def _svg_of(html):
    match = re.search(r'<svg class="trend__chart".*?</svg>', html, re.DOTALL)
    assert match, "the trend chart is missing"
    return ElementTree.fromstring(  # noqa: S314 - our own rendered page
        match.group(0).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )


def _number(text):
    assert SVG_NUMBER.match(text), f"{text!r} is not an SVG number"
    return float(text)


def _geometry(svg):
    view_box = [_number(part) for part in svg.get("viewBox").split(" ")]
    dots = [
        (_number(circle.get("cx")), _number(circle.get("cy")))
        for circle in svg.iter(f"{SVG}circle")
    ]
    polyline = svg.find(f"{SVG}polyline").get("points").split(" ")
    line = [tuple(_number(n) for n in pair.split(",")) for pair in polyline]
    axes = [
        tuple(_number(line.get(attr)) for attr in ("x1", "y1", "x2", "y2"))
        for line in svg.iter(f"{SVG}line")
    ]
    return view_box, dots, line, axes


@pytest.mark.parametrize("language", ["sv", "en"])
def test_trend_chart_coordinates_are_numbers_in_every_language(trend_page, language):
    view_box, dots, line, axes = _geometry(_svg_of(trend_page(language)))
    assert view_box == [0, 0, 600, 200]
    assert len(dots) == 12
    # The dots are the polyline's points, not all at one place.
    assert dots == line
    assert len({x for x, _y in dots}) == 12
    assert len({y for _x, y in dots}) == 3  # 0, 33 and 67 %
    # Decimals really occur (the case Swedish broke), as points.
    assert any(x != int(x) for x, _y in dots)
    # Inside the axes: x from the left axis to the right end, y above the base.
    (x1, y1, x2, y2), _vertical = axes
    assert all(x1 <= x <= x2 and 0 < y <= y1 for x, y in dots)
    # A higher share is drawn higher: the last week (67 %) above the first (0 %).
    assert dots[-1][1] < dots[0][1] == y1


def test_trend_chart_is_the_same_in_swedish_and_english(trend_page):
    assert _geometry(_svg_of(trend_page("sv"))) == _geometry(_svg_of(trend_page("en")))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_progress_bar_numbers_are_not_localized(language):
    # Percentages are whole numbers today; a fractional one must still be
    # an SVG and ARIA number in Swedish.
    with translation.override(language):
        html = progress_bar("p", 12.5)
    assert 'aria-valuenow="12.5"' in html
    assert '<rect width="12.5" height="1">' in html
    assert ("12,5 % klart" if language == "sv" else "12.5 % done") in html
