"""Certificate rendering: an accessible, tagged PDF (PDF/UA-1) by WeasyPrint,
with real text, a structure tree, title and language, and a QR code (segno)
to the public verification page."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


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
