"""What mandatory training does when something below it happens:
- a course cycle completed (`learners.signals.course_completed`, inside the
  completion's transaction): the person's open assignment of it is completed;
- HR publishes a course (Wagtail's `page_published`; retiring or bringing it
  back changes who must complete it): its assignments are re-evaluated;
- an HR import changed people or units (`organisation.signals`): every
  course is re-evaluated after the commit."""

from wagtail.signals import page_published

from core.tasks import enqueue_on_commit
from courses.models import CoursePage
from learners.signals import course_completed
from organisation.signals import organisation_changed

from .actions.evaluation import mark_completed


def complete_assignment(sender, enrolment, **kwargs):
    mark_completed(enrolment)


def course_published(sender, instance, **kwargs):
    enqueue_on_commit("assignments.evaluate_course_assignments", instance.pk)


def organisation_imported(sender, **kwargs):
    enqueue_on_commit("assignments.sweep_assignments")


def connect():
    course_completed.connect(complete_assignment, dispatch_uid="assignments.done")
    page_published.connect(
        course_published, sender=CoursePage, dispatch_uid="assignments.course"
    )
    organisation_changed.connect(
        organisation_imported, dispatch_uid="assignments.import"
    )
