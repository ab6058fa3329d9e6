"""Background work of the reports: the precomputed counts and the exports too
big for a request. Each task takes ids or a moment and calls one function;
each is safe to run twice."""

from datetime import datetime

from celery import shared_task

from . import exports, figures

# A build that runs longer than this is stopped; the sweep then marks it
# failed (the person is told and can ask again). The whole city's XLSX takes
# about a minute.
REPORT_EXPORT_TIME_LIMIT = 15 * 60


@shared_task(name="reports.refresh_report_counts", ignore_result=True)
def refresh_report_counts(requested_at=None):
    """Refresh the materialized views the big report overviews read: every 5
    minutes from beat, and after imports and assignment changes. With
    `requested_at` it returns early when a refresh begun after that moment
    has finished; a plain run just refreshes again."""
    moment = datetime.fromisoformat(requested_at) if requested_at else None
    refreshed = figures.refresh_counts(moment)
    return refreshed.isoformat() if refreshed else None


@shared_task(
    name="reports.build_report_export",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=REPORT_EXPORT_TIME_LIMIT,
    time_limit=REPORT_EXPORT_TIME_LIMIT + 60,
)
def build_report_export(export_id):
    """Build a report export asked for on the people list (too big for the
    request) and mail its link. A second delivery finds it claimed."""
    return exports.build(export_id)


@shared_task(name="reports.sweep_report_exports", ignore_result=True)
def sweep_report_exports():
    """Beat: expire, give up on and resend background exports."""
    return exports.sweep()
