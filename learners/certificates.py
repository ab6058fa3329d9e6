"""Certificate rendering: an accessible, tagged PDF (PDF/UA-1) by WeasyPrint,
with real text, a structure tree, title and language, and a QR code (segno)
to the public verification page. Rendered once per certificate by the worker;
rendering again is safe (a certificate with its PDF is left alone)."""

from datetime import timedelta

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.tasks import enqueue_once

from .models import Certificate

SWEEP_CHUNK = 500
# A certificate still without its PDF this long after issue lost its render
# (the on-commit task usually renders it within a second).
PDF_AFTER = timedelta(minutes=1)
# A render handed out by the sweep is not handed out again within this.
PDF_LEASE = timedelta(minutes=3)


def verification_url(certificate):
    return settings.SITE_URL + reverse("verify_certificate", args=[certificate.code])


def printed_url(url):
    """The address as printed under the QR code: without the scheme, which
    nobody types, so that it fits on one line."""
    return url.split("://", 1)[-1].rstrip("/")


def qr_svg(url):
    # An inline SVG: vector, sharp at any print size, no image file needed.
    return segno.make(url, error="m").svg_inline(scale=3, dark="#000000", light=None)


def render_pdf(certificate) -> bytes:
    import weasyprint

    url = verification_url(certificate)
    with translation.override(certificate.language or settings.LANGUAGE_CODE):
        html = render_to_string(
            "learners/certificate_pdf.html",
            {
                "certificate": certificate,
                "verification_url": url,
                "printed_url": printed_url(url),
                "issuer": settings.ORGANISATION_NAME,
                "qr_svg": qr_svg(url),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )
    document = weasyprint.HTML(string=html, base_url=settings.SITE_URL)
    return document.write_pdf(pdf_variant="pdf/ua-1")


def store_pdf(certificate_id):
    """Render the certificate's PDF once and store it. Safe to run twice: a
    certificate that has its PDF is left alone (the record itself never
    changes)."""
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        return "no such certificate"
    if certificate.pdf:
        return "already rendered"
    content = render_pdf(certificate)
    # Only the file field is written; the record's dates and code never are.
    name = certificate.pdf.storage.save(
        certificate.pdf.field.generate_filename(
            certificate, f"intyg-{certificate.code}.pdf"
        ),
        ContentFile(content),
    )
    if not Certificate.objects.filter(pk=certificate.pk, pdf="").update(pdf=name):
        certificate.pdf.storage.delete(name)  # another worker was first
        return "already rendered"
    return "rendered"


def sweep_missing_pdfs():
    """Beat, every minute: render certificates whose PDF is still missing a
    while after issue (an enqueue lost with the broker, a render failed, a
    worker killed). A render handed out is not handed out again within
    PDF_LEASE. Safe to run twice."""
    cutoff = timezone.now() - PDF_AFTER
    ids = list(
        Certificate.objects.filter(pdf="", issued_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:SWEEP_CHUNK]
    )
    return sum(
        enqueue_once("learners.render_certificate_pdf", pk, lease=PDF_LEASE)
        for pk in ids
    )
