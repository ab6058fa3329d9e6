from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.permissions import register_permission_policy

from courses.models import QuizPage

from .admin_views import (
    CertificatePermissionPolicy,
    CertificateViewSet,
    QuizAccommodationViewSet,
    quiz_results,
)
from .models import Certificate, Enrolment

register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register("register_admin_viewset")
def register_certificates():
    return CertificateViewSet("certificates")


@hooks.register("register_admin_viewset")
def register_accommodations():
    return QuizAccommodationViewSet("quiz_accommodations")


@hooks.register("register_admin_urls")
def register_quiz_results_url():
    return [path("quiz-results/<int:quiz_id>/", quiz_results, name="quiz_results")]


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
