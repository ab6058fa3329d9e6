"""What the reports do when something below them changes: the precomputed
counts are refreshed after assignments change (including the sweep after an
HR import)."""

from django.utils import timezone

from assignments.signals import assignments_changed
from core.tasks import enqueue_on_commit


def request_counts_refresh(**kwargs):
    """Ask for a refresh of the precomputed counts that includes everything
    committed until now (a burst of asks costs one or two refreshes)."""
    enqueue_on_commit(
        "reports.refresh_report_counts", requested_at=timezone.now().isoformat()
    )


def connect():
    assignments_changed.connect(request_counts_refresh, dispatch_uid="reports.counts")
