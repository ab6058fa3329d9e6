"""What the learning record does when HR changes a course (Wagtail's own page
events): a lesson or quiz removed from a course (unpublished, moved away,
deleted) or made optional re-evaluates the course's open enrolments after
the commit, so learners who have done every remaining required step are
completed. Completed enrolments are never touched: completion is final for
its cycle."""

from django.db.models.signals import pre_delete
from wagtail.signals import page_published, page_unpublished, pre_page_move

from core.tasks import enqueue_on_commit
from courses.models import LessonPage, QuizPage


def _reevaluate(course_id):
    if course_id is not None:
        enqueue_on_commit("learners.reevaluate_course_completions", course_id)


def _parent_id(instance):
    parent = instance.get_parent()
    return parent.pk if parent else None


def step_unpublished(sender, instance, **kwargs):
    _reevaluate(_parent_id(instance))


def step_deleted(sender, instance, **kwargs):
    _reevaluate(_parent_id(instance))


def step_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    if parent_page_before.pk != parent_page_after.pk:
        _reevaluate(parent_page_before.pk)


def step_published(sender, instance, **kwargs):
    # Publishing may have made a lesson or quiz optional.
    if not instance.required:
        _reevaluate(_parent_id(instance))


def connect():
    for model in (LessonPage, QuizPage):
        uid = f"learners.{model.__name__}"
        page_unpublished.connect(step_unpublished, sender=model, dispatch_uid=uid)
        page_published.connect(step_published, sender=model, dispatch_uid=uid)
        pre_delete.connect(step_deleted, sender=model, dispatch_uid=uid)
        pre_page_move.connect(step_moved, sender=model, dispatch_uid=uid)
