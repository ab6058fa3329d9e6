"""Certificates for their holder, and the public verification page."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .actions.certificates import normalise_code
from .models import Certificate


@login_required
def certificate_pdf(request, certificate_id):
    """The holder's own PDF; anyone else gets 404."""
    certificate = get_object_or_404(
        Certificate, pk=certificate_id, learner=request.user
    )
    if not certificate.pdf:
        return render(
            request,
            "learners/certificate_pending.html",
            {"certificate": certificate},
            status=202,
        )
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"intyg-{certificate.code}.pdf",
        content_type="application/pdf",
    )


@never_cache
def verify_certificate(request, code):
    """Public: the course, the holder's name and the state — nothing more."""
    canonical = normalise_code(code)
    if canonical is None:
        raise Http404
    certificate = Certificate.objects.filter(code=canonical).first()
    if certificate is None:
        raise Http404
    today = timezone.localdate()
    response = render(
        request,
        "learners/certificate_verify.html",
        {
            "certificate": certificate,
            "state": certificate.state_on(today),
            "issuer": settings.ORGANISATION_NAME,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response
