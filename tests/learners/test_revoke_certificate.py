"""Revoking a certificate: a confirmation step in the admin (GET says what
will happen, POST with a reason does it), an email to the holder through the
delivery log, in their language, once; the verification page says revoked;
the PDF names its issuer and prints the verification address on one line."""

import io
import re

import pypdf
import pytest
from django.core import mail
from django.urls import reverse

from cms.roles import ensure_hr_author_group
from learners import actions
from learners.certificates import printed_url, verification_url
from learners.models import Certificate
from learners.tasks import render_certificate_pdf
from notifications.models import Notification
from notifications.tasks import send_messages
from organisation.models import StaffProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.ORGANISATION_NAME = "Exempelstaden"


@pytest.fixture
def hr(catalogue):
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_author_group())
    StaffProfile.objects.create(user=user, employee_number="E-hr", hr_role="central")
    return user


@pytest.fixture
def holder(db):
    user = UserFactory(
        username="asa", first_name="Åsa", last_name="Öberg", email="asa@example.se"
    )
    StaffProfile.objects.create(
        user=user, employee_number="E-asa", preferred_language="en"
    )
    return user


@pytest.fixture
def certificate(holder, course):
    for lesson in course.lessons():
        actions.record_lesson_progress(holder, lesson, completed=True)
    return Certificate.objects.get(learner=holder)


def revoked_notices():
    return Notification.objects.filter(kind=Notification.Kind.CERTIFICATE_REVOKED)


def test_get_says_what_will_happen_and_revokes_nothing(client, hr, certificate):
    client.force_login(hr)
    client.cookies["django_language"] = "en"
    url = reverse("certificates:edit", args=[certificate.pk])

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-revoke-confirmation" in html
    assert "Revoke the certificate" in html
    assert certificate.holder_name in html and certificate.code in html
    assert "gets an email saying that it is revoked" in html
    assert "verification page says “Revoked”" in html
    assert "cannot be undone" in html
    # The reason is asked for, and required.
    assert 'name="revoked_reason"' in html and "required" in html
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert not revoked_notices().exists()


def test_post_without_a_reason_revokes_nothing_and_tells_nobody(
    client, hr, certificate, django_capture_on_commit_callbacks
):
    client.force_login(hr)
    client.cookies["django_language"] = "en"
    url = reverse("certificates:edit", args=[certificate.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"revoked_reason": "  "})

    assert response.status_code == 200
    assert "Give the reason for revoking." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert not revoked_notices().exists() and mail.outbox == []


def test_revoking_tells_the_holder_once_in_their_language(
    client, hr, certificate, holder, django_capture_on_commit_callbacks
):
    client.force_login(hr)
    url = reverse("certificates:edit", args=[certificate.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"revoked_reason": "Registrerad på fel person"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revoked_by == hr

    (notice,) = revoked_notices()
    assert notice.recipient == holder
    assert notice.key == f"certificate_revoked:{holder.pk}:{certificate.pk}"
    send_messages([notice.pk])  # as the worker does; safe to run twice
    send_messages([notice.pk])
    (message,) = [m for m in mail.outbox if "revoked" in m.subject]
    assert message.to == ["asa@example.se"]
    assert certificate.course_title in message.subject
    assert "Registrerad på fel person" in message.body
    assert "Exempelstaden has revoked your certificate" in message.body
    assert verification_url(certificate) in message.body
    notice.refresh_from_db()
    assert notice.status == "sent"

    # Revoking again changes nothing and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        actions.revoke_certificate(hr, certificate, "En annan anledning")
    assert revoked_notices().count() == 1
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Registrerad på fel person"
    # And the admin page says it is revoked, with no button to do it again.
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "This certificate was revoked on" in page
    assert '<button type="submit" class="button no">' not in page


def test_a_holder_without_an_email_is_not_written_to(hr, certificate, holder):
    holder.email = ""
    holder.save()
    certificate.refresh_from_db()
    actions.revoke_certificate(hr, certificate, "Fel")
    assert not revoked_notices().exists()


def test_the_verification_page_says_revoked_and_who_issued_it(client, hr, certificate):
    client.cookies["django_language"] = "en"
    url = reverse("verify_certificate", args=[certificate.code])
    assert "Exempelstaden" in client.get(url).content.decode()

    actions.revoke_certificate(hr, certificate, "Fusk på provet")

    html = client.get(url).content.decode()
    assert 'data-state="revoked"' in html
    assert re.search(r"Revoked on \d{1,2} \w+ \d{4}: no longer valid", html)
    assert "Issued by" in html and "Exempelstaden" in html
    # The reason is HR's and the holder's, not the public's.
    assert "Fusk på provet" not in html


def test_the_pdf_names_the_issuer_and_prints_the_address_on_one_line(
    settings, certificate
):
    settings.SITE_URL = "https://kompetens.exempelstaden.se"
    render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    reader = pypdf.PdfReader(io.BytesIO(certificate.pdf.read()))
    (page,) = reader.pages
    lines = [line.strip() for line in page.extract_text().splitlines()]

    address = printed_url(verification_url(certificate))
    assert address == f"kompetens.exempelstaden.se/intyg/{certificate.code}"
    # The whole address on one line: never broken inside.
    assert address in lines
    assert any("Exempelstaden" in line for line in lines)

    # Where each piece of text is drawn: the address fits the page's width.
    placed = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            placed.append((text.strip(), tm[4], tm[5], font_size))

    page.extract_text(visitor_text=visit)
    (x, _y, size) = next((x, y, s) for t, x, y, s in placed if t == address)
    width = float(page.mediabox.width)
    # A monospace glyph is 0.6 em: the line ends well inside the page.
    assert x >= 0 and x + len(address) * 0.6 * size <= width
