"""Views for learners: thin. They parse, check access and call one action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import CourseIndexPage, CoursePage, LessonPage

from . import actions
from .forms import LessonProgressForm
from .my_learning import my_learning_context
from .progress import (
    Status,
    course_progress_for,
    current_enrolments,
    is_preview,
    preview_progress,
)


def add_learner_context(page, request, context):
    """The learner's own state on a catalogue, course or lesson page (the
    pages ask through the `learner_page_context` hook)."""
    if isinstance(page, CourseIndexPage):
        context.update(catalogue_context(context["courses"], request))
    elif isinstance(page, CoursePage):
        context.update(course_context(page, request))
    elif isinstance(page, LessonPage):
        context.update(lesson_context(page, request))


def catalogue_context(courses, request):
    """Each course of the catalogue (`courses.catalogue.CatalogueItem`) with
    the learner's status on it (in an editor's preview, a new learner's:
    nothing started)."""
    enrolments = (
        {}
        if is_preview(request)
        else current_enrolments(request.user, [course.pk for course in courses])
    )
    for course in courses:
        enrolment = enrolments.get(course.pk)
        if enrolment is None:
            course.learner_status = Status.NOT_STARTED
        elif enrolment.completed_at:
            course.learner_status = Status.COMPLETED
        else:
            course.learner_status = Status.IN_PROGRESS
    return {}


def course_context(course, request):
    if is_preview(request):
        return {"course_progress": preview_progress(course), "Status": Status}
    progress = course_progress_for(request.user, [course])[course.pk]
    return {"course_progress": progress, "Status": Status}


def lesson_context(lesson, request):
    course = lesson.get_parent().specific
    if is_preview(request):
        # An editor's preview: the course as its latest draft, published or
        # not, and a new learner's view of it. Nothing is read from or
        # written to the editor's own learning record.
        course = course.get_latest_revision_as_object()
        progress = preview_progress(course)
    elif not course.live:
        # Wagtail routes through unpublished parents; a lesson of an
        # unpublished course is not part of the catalogue.
        raise Http404
    else:
        progress = course_progress_for(request.user, [course])[course.pk]
    lessons = [state.lesson for state in progress.lessons]
    index = next((i for i, item in enumerate(lessons) if item.pk == lesson.pk), None)
    state = progress.lessons[index] if index is not None else None
    return {
        "course": course,
        "course_progress": progress,
        "lesson_state": state,
        "lesson_number": (index + 1) if index is not None else None,
        "previous_lesson": lessons[index - 1] if index else None,
        "next_lesson": lessons[index + 1]
        if index is not None and index + 1 < len(lessons)
        else None,
        "Status": Status,
    }


@login_required
def my_learning(request):
    context = my_learning_context(request, timezone.localdate())
    return render(request, "learners/my_learning.html", context)


@login_required
@require_POST
def new_cycle(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        actions.start_new_cycle(request.user, course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(course.url)
    messages.success(request, _("A new round of the course has started."))
    return redirect(course.url)


@login_required
@require_POST
def start_course(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        actions.launch_course(request.user, course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(course.url)
    progress = course_progress_for(request.user, [course])[course.pk]
    target = progress.resume_lesson
    return redirect(target.url if target else course.url)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def lesson_progress(request, lesson_id):
    """Record progress on a lesson for the logged-in learner.

    Used by the "mark as done" form (redirects) and by the lesson page's
    script (JSON). Bad input is a 400 with a message, and nothing is saved.
    """
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404(_("Unknown lesson."))
    form = LessonProgressForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, form.errors, lesson)
    data = form.cleaned_data
    parent = lesson.get_parent()
    if data["course"] is not None and data["course"] != parent.pk:
        return _bad_request(
            request,
            {"course": [_("This lesson does not belong to that course.")]},
            lesson,
        )
    try:
        row = actions.record_lesson_progress(
            request.user,
            lesson,
            progress=data["progress"],
            position=data["position"],
            seconds=data["seconds"] or 0,
            completed=data["completed"],
        )
    except ValidationError as error:
        return _bad_request(request, {"__all__": error.messages}, lesson)

    if _wants_json(request):
        enrolment = row.enrolment
        return JsonResponse(
            {
                "progress": row.progress,
                "position": row.last_position,
                "completed": row.completed_at is not None,
                "course_completed": enrolment.completed_at is not None,
            }
        )
    if data["completed"]:
        progress = course_progress_for(request.user, [parent.specific])[parent.pk]
        if progress.status == Status.COMPLETED:
            messages.success(request, _("Well done! You have completed the course."))
            return redirect(parent.url)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(lesson.url)


def _bad_request(request, errors, lesson):
    if _wants_json(request):
        return JsonResponse({"errors": errors}, status=400)
    return render(
        request,
        "learners/progress_error.html",
        {"errors": errors, "lesson": lesson},
        status=400,
    )
