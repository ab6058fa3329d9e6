"""What "My learning" shows: a person's courses in progress, completed ones
and certificates, and the panels that apps above the learning record add to
it (required training, from assignments) through the `my_learning_panels`
Wagtail hook — as Wagtail's own dashboard takes panels from its apps.

A fixed number of queries whatever the number of courses or panels' rows:
the progress of every course the page and its panels show is read at once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from wagtail import hooks

from .models import Certificate, Enrolment
from .progress import Status, course_progress_for, newest_cycles, with_courses

MY_LEARNING_PANELS = "my_learning_panels"


@dataclass
class Panel:
    """A section of My learning from another app. A hook registered under
    `MY_LEARNING_PANELS` is called as `hook(user, today)` and returns one (or
    None). `courses` are the course pages whose progress the panel shows;
    `build(progress, certificates)` gets the progress by course id and the
    person's certificates and returns the template's context (rendered with
    `request` in it and no context processors: no form, no CSRF token).
    Panels come before the page's own sections, lowest `order` first."""

    template: str
    courses: list
    build: Callable[[dict, list], dict]
    order: int = 0


def certificates_of(user, today):
    """The person's certificates, newest first, each with its `state` today."""
    certificates = list(
        Certificate.objects.filter(learner=user).order_by("-valid_from", "-pk")
    )
    for certificate in certificates:
        certificate.state = certificate.state_on(today)
    return certificates


def my_learning_context(request, today):
    user = request.user
    # Every cycle of every course, once: the newest cycles are the courses in
    # progress (and the progress's enrolments), all completed ones are listed.
    enrolments = with_courses(
        Enrolment.objects.filter(learner=user).order_by(
            "-last_activity_at", "-enrolled_at"
        )
    )
    newest = newest_cycles(enrolments)
    open_courses = [
        e.course
        for e in enrolments
        if not e.completed_at and e.course and newest.get(e.course_id) is e
    ]
    panels = sorted(
        (
            panel
            for hook in hooks.get_hooks(MY_LEARNING_PANELS)
            if (panel := hook(user, today)) is not None
        ),
        key=lambda panel: panel.order,
    )
    courses = {course.pk: course for course in open_courses}
    for panel in panels:
        for course in panel.courses:
            courses.setdefault(course.pk, course)
    # One call for the page and its panels: the same queries.
    progress = course_progress_for(user, courses.values(), newest, with_rows=False)
    certificates = certificates_of(user, today)
    # Completed cycles stay listed even if HR has since removed the course.
    completed = sorted(
        (e for e in enrolments if e.completed_at),
        key=lambda enrolment: enrolment.completed_at,
        reverse=True,
    )
    return {
        "panels": [
            mark_safe(  # noqa: S308 - our own template, rendered with escaping
                # The request in the context, not as render_to_string's:
                # the page's context processors have run once already.
                render_to_string(
                    panel.template,
                    {
                        **panel.build(progress, certificates),
                        "Status": Status,
                        "request": request,
                    },
                )
            )
            for panel in panels
        ],
        "in_progress": [progress[course.pk] for course in open_courses],
        "completed": completed,
        "certificates": certificates,
        "Status": Status,
    }
