"""The accessibility statement: public, linked from every page, with a report form."""

import ipaddress
import uuid

import pytest
from django.urls import reverse

from cms.models import AccessibilityReport

pytestmark = pytest.mark.django_db


def statement_url():
    return "/tillganglighet/"


def test_statement_is_public(client, catalogue):
    response = client.get(statement_url())
    assert response.status_code == 200
    assert "WCAG 2.1 AA" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/login/", "/tillganglighet/"])
def test_every_page_links_to_the_statement_in_its_footer(client, catalogue, path):
    html = client.get(path).content.decode()
    footer = html[html.index("<footer") :]
    assert 'href="/tillganglighet/"' in footer


def test_learner_pages_link_to_the_statement(learner_client, catalogue, lessons):
    for url in (catalogue.url, lessons[0].url, reverse("learners:my_learning")):
        html = learner_client.get(url).content.decode()
        assert 'href="/tillganglighet/"' in html[html.index("<footer") :], url


def test_report_is_saved_and_thanked(client, catalogue):
    response = client.post(
        statement_url(),
        {
            "description": "Knappen saknar fokusmarkering.",
            "page_url": "/kurser/",
            "email": "",
        },
    )
    assert response.status_code == 302
    report = AccessibilityReport.objects.get()
    assert report.description == "Knappen saknar fokusmarkering."
    assert report.page_url == "/kurser/"
    assert "tack=1" in response["Location"]


def test_logged_in_reporter_is_remembered(learner_client, learner, catalogue):
    learner_client.post(statement_url(), {"description": "Kontrasten är låg."})
    assert AccessibilityReport.objects.get().reporter == learner


@pytest.mark.parametrize(
    "data", [{"description": ""}, {"description": "Text", "email": "inte-en-adress"}]
)
def test_bad_report_gets_a_message_and_saves_nothing(client, catalogue, data):
    response = client.post(statement_url(), data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert not AccessibilityReport.objects.exists()


def test_field_errors_are_tied_to_their_fields(client, catalogue):
    response = client.post(statement_url(), {"description": "", "email": "fel"})
    html = response.content.decode()
    assert 'aria-describedby="id_description_error0"' in html
    assert 'id="id_description_error0"' in html
    assert 'aria-describedby="id_email_error0"' in html
    assert html.count('aria-invalid="true"') == 2


def test_one_address_can_send_a_few_reports_a_minute_and_keeps_what_it_typed(
    client, catalogue, settings
):
    # An address of its own, so no other test's reports count against it.
    address = str(ipaddress.IPv6Address(uuid.uuid4().int))
    settings.ACCESSIBILITY_REPORTS_PER_MINUTE = 3
    data = {"description": "Fokus syns inte.", "page_url": "", "email": ""}
    for _ in range(3):
        assert (
            client.post(statement_url(), data, REMOTE_ADDR=address).status_code == 302
        )
    response = client.post(
        statement_url(),
        {**data, "description": "Den fjärde rapporten."},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Vänta en minut" in html
    assert "Den fjärde rapporten." in html
    assert AccessibilityReport.objects.count() == 3
    other = client.post(
        statement_url(), data, REMOTE_ADDR=str(ipaddress.IPv6Address(uuid.uuid4().int))
    )
    assert other.status_code == 302
    assert AccessibilityReport.objects.count() == 4


def test_behind_the_city_proxy_each_reporter_is_limited_on_their_own(
    client, catalogue, settings
):
    """Behind a reverse proxy every request comes from the proxy's address:
    the limit counts the address the proxy forwarded, so one busy reporter
    does not silence everyone."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCESSIBILITY_REPORTS_PER_MINUTE = 1
    proxy = str(ipaddress.IPv6Address(uuid.uuid4().int))
    data = {"description": "Kontrasten är låg.", "page_url": "", "email": ""}

    def report_from(address):
        return client.post(
            statement_url(), data, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address
        ).status_code

    first, second = (str(ipaddress.IPv6Address(uuid.uuid4().int)) for _ in "ab")
    assert report_from(first) == 302
    assert report_from(first) == 400
    assert report_from(second) == 302
    assert AccessibilityReport.objects.count() == 2
