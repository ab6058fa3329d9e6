"""Background work of the learning record. Each task takes ids, reloads and
calls one function; each is safe to run twice."""

from celery import shared_task

from . import certificates
from .actions import reevaluate_course_completions as reevaluate


@shared_task(
    name="learners.reevaluate_course_completions", acks_late=True, ignore_result=True
)
def reevaluate_course_completions(course_id):
    """After HR removed a lesson or quiz: complete whoever is now done."""
    return reevaluate(course_id)


@shared_task(
    name="learners.render_certificate_pdf",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def render_certificate_pdf(certificate_id):
    return certificates.store_pdf(certificate_id)


@shared_task(name="learners.sweep_certificate_pdfs", ignore_result=True)
def sweep_certificate_pdfs():
    """Beat: certificates whose PDF is still missing."""
    return certificates.sweep_missing_pdfs()
