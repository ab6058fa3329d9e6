"""Wagtail's own page events: when HR removes a lesson or quiz from a course
(unpublish, move away, delete) or makes one optional, the course's open
enrolments are re-evaluated, so learners
who have done every remaining required lesson are completed. Completed
enrolments are never touched: completion is final for its cycle."""

from django.db import transaction
from django.db.models.signals import pre_delete
from wagtail.signals import page_published, page_unpublished, pre_page_move


def _enqueue_reevaluation(course_id):
    from learners.tasks import reevaluate_course_completions

    if course_id is None:
        return
    transaction.on_commit(lambda: reevaluate_course_completions.delay(course_id))


def _lesson_parent_id(instance):
    parent = instance.get_parent()
    return parent.pk if parent else None


def on_unpublished(sender, instance, **kwargs):
    _enqueue_reevaluation(_lesson_parent_id(instance))


def on_pre_delete(sender, instance, **kwargs):
    parent_id = _lesson_parent_id(instance)
    if parent_id:
        _enqueue_reevaluation(parent_id)


def on_pre_move(sender, instance, parent_page_before, parent_page_after, **kwargs):
    if parent_page_before.pk != parent_page_after.pk:
        _enqueue_reevaluation(parent_page_before.pk)


def on_published(sender, instance, **kwargs):
    # Publishing may have made a lesson or quiz optional.
    if not instance.required:
        _enqueue_reevaluation(_lesson_parent_id(instance))


def on_course_published(sender, instance, **kwargs):
    """Retiring a course (or bringing it back) changes who must complete it."""
    from learners.tasks import evaluate_course_assignments

    course_id = instance.pk
    transaction.on_commit(lambda: evaluate_course_assignments.delay(course_id))


def connect():
    from .models import CoursePage, LessonPage, QuizPage

    page_published.connect(on_course_published, sender=CoursePage)
    for model in (LessonPage, QuizPage):
        page_unpublished.connect(on_unpublished, sender=model)
        page_published.connect(on_published, sender=model)
        pre_delete.connect(on_pre_delete, sender=model)
        pre_page_move.connect(on_pre_move, sender=model)
