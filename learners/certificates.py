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

from core.tasks import enqueue

from .models import Certificate

SWEEP_CHUNK = 500


def verification_url(certificate):
    return settings.SITE_URL + reverse("verify_certificate", args=[certificate.code])


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
    """Catch-up: render certificates whose PDF is still missing a few minutes
    after issue (an enqueue lost, a render failed). Safe to run twice."""
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(
        Certificate.objects.filter(pdf="", issued_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:SWEEP_CHUNK]
    )
    for certificate_id in ids:
        enqueue("learners.render_certificate_pdf", certificate_id)
    return len(ids)
