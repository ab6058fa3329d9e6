"""Background work of mandatory training. Each task takes ids and calls one
action; each is safe to run twice (the evaluation finds nothing to change)."""

from celery import shared_task

from .actions import evaluation


@shared_task(
    name="assignments.evaluate_course_assignments",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def evaluate_course_assignments(course_id):
    """One course's assignments brought in step with its rules."""
    return evaluation.reevaluate_course(course_id)


@shared_task(name="assignments.sweep_assignments", ignore_result=True)
def sweep_assignments():
    """Nightly (beat) and after every HR import: every course, one task each."""
    return evaluation.sweep_all_courses()
