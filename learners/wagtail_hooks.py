"""The learning record in Wagtail: the learner's state on course pages, the
quiz page served with attempts, and HR's admin views (certificates, quiz
accommodations, results per question, completions recorded elsewhere)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.permissions import register_permission_policy

import core.converters  # noqa: F401  (registers <id:...>)
from courses.hooks import LEARNER_PAGE_CONTEXT
from courses.models import QuizPage

from . import quiz_views, views
from .admin_views import (
    CertificatePermissionPolicy,
    CertificateViewSet,
    QuizAccommodationViewSet,
    quiz_results,
)
from .history_views import can_record, record_completion
from .models import Certificate, Enrolment

register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register(LEARNER_PAGE_CONTEXT)
def learner_page_context(page, request, context):
    """The learner's own progress on the catalogue, a course or a lesson."""
    views.add_learner_context(page, request, context)


# In the chain of `on_serve_page` (which wraps the page's own serve), inside
# Wagtail's own links (order 0): its view restrictions (a password, groups,
# login) have their say before the quiz is served. A `before_serve_page` hook
# would answer before them.
@hooks.register("on_serve_page", order=100)
def serve_quiz_pages(serve):
    """A quiz page is the learner's attempts at it (GET shows, POST starts,
    saves and submits). Anonymous visitors get the page's own serve, which
    sends them to log in."""

    def serve_page(page, request, serve_args, serve_kwargs):
        if isinstance(page, QuizPage) and request.user.is_authenticated:
            return quiz_views.serve_quiz(page, request)
        return serve(page, request, serve_args, serve_kwargs)

    return serve_page


@hooks.register("register_admin_viewset")
def register_certificates():
    return CertificateViewSet("certificates")


@hooks.register("register_admin_viewset")
def register_accommodations():
    return QuizAccommodationViewSet("quiz_accommodations")


@hooks.register("register_admin_urls")
def register_quiz_results_url():
    return [path("quiz-results/<id:quiz_id>/", quiz_results, name="quiz_results")]


class QuizResultsButton(PageMenuItem):
    label = _("Results per question")
    icon_name = "table"

    def is_shown(self, user):
        return self.page.permissions_for_user(user).can_edit()


def _quiz_results_button(page, user, priority):
    if page.specific_class is QuizPage:
        yield QuizResultsButton(
            url=reverse("quiz_results", args=[page.pk]), priority=priority, page=page
        )


@hooks.register("register_page_listing_more_buttons")
def quiz_results_listing_button(page, user, next_url=None):
    yield from _quiz_results_button(page, user, priority=55)


@hooks.register("register_page_header_buttons")
def quiz_results_header_button(page, user, view_name, next_url=None):
    yield from _quiz_results_button(page, user, priority=66)


@hooks.register("before_bulk_action")
def keep_learning_records_in_bulk(request, action_type, objects, action_class_instance):
    """The bulk delete of users, too, refuses people with a learning record."""
    if action_type != "delete" or not objects:
        return None
    if not isinstance(objects[0], get_user_model()):
        return None
    kept = [user for user in objects if Enrolment.objects.filter(learner=user).exists()]
    if kept:
        messages.error(
            request,
            _(
                "%(count)s of the chosen people have a learning record that must be "
                "kept. Deactivate them instead of deleting them. Nothing was deleted."
            )
            % {"count": len(kept)},
        )
        return redirect("wagtailusers_users:index")
    return None


@hooks.register("before_delete_user")
def keep_learning_records(request, user):
    """A person's learning record (enrolments, certificates) is kept: such a
    person is deactivated, not deleted."""
    if Enrolment.objects.filter(learner=user).exists():
        messages.error(
            request,
            _(
                "%(name)s has a learning record that must be kept. "
                "Deactivate the account instead of deleting it."
            )
            % {"name": user.get_full_name() or user.get_username()},
        )
        return redirect("wagtailusers_users:edit", user.pk)
    return None


@hooks.register("register_admin_urls")
def register_record_completion_url():
    return [path("record-completion/", record_completion, name="record_completion")]


class RecordCompletionMenuItem(MenuItem):
    def is_shown(self, request):
        return can_record(request.user)


@hooks.register("register_admin_menu_item")
def register_record_completion_menu_item():
    return RecordCompletionMenuItem(
        _("Record a completion"),
        reverse("record_completion"),
        icon_name="tick",
        order=330,
    )
