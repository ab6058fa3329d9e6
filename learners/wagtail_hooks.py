from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.permissions import register_permission_policy

from courses.models import QuizPage

from . import hr_import, rule_views
from .admin_views import (
    AuditEventViewSet,
    CertificatePermissionPolicy,
    CertificateViewSet,
    NotificationItemViewSet,
    NotificationViewSet,
    QuizAccommodationViewSet,
    ReadOnlyPermissionPolicy,
    ReportGoalViewSet,
    UnitDelegationViewSet,
    quiz_results,
)
from .history_views import can_record, record_completion
from .import_views import import_apply, import_upload
from .models import (
    AuditEvent,
    Certificate,
    Enrolment,
    Notification,
    NotificationItem,
)
from .xapi import admin_views as xapi_admin

register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))
register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))
register_permission_policy(Notification, ReadOnlyPermissionPolicy(Notification))
register_permission_policy(NotificationItem, ReadOnlyPermissionPolicy(NotificationItem))


@hooks.register("register_admin_viewset")
def register_certificates():
    return CertificateViewSet("certificates")


@hooks.register("register_admin_viewset")
def register_accommodations():
    return QuizAccommodationViewSet("quiz_accommodations")


@hooks.register("register_admin_viewset")
def register_audit_log():
    return AuditEventViewSet("audit_log")


@hooks.register("register_admin_viewset")
def register_notifications():
    return NotificationViewSet("sent_messages")


@hooks.register("register_admin_viewset")
def register_notification_items():
    return NotificationItemViewSet("reminders_sent")


@hooks.register("register_admin_viewset")
def register_goals():
    return ReportGoalViewSet("report_goals")


@hooks.register("register_admin_viewset")
def register_delegations():
    return UnitDelegationViewSet("delegations")


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
def register_hr_import_urls():
    return [
        path("hr-import/", import_upload, name="hr_import"),
        path("hr-import/apply/", import_apply, name="hr_import_apply"),
    ]


class HrImportMenuItem(MenuItem):
    def is_shown(self, request):
        return any(hr_import.can_import(request.user, kind) for kind in hr_import.KINDS)


@hooks.register("register_admin_menu_item")
def register_hr_import_menu_item():
    return HrImportMenuItem(
        _("HR import"), reverse("hr_import"), icon_name="upload", order=320
    )


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


@hooks.register("register_admin_urls")
def register_assignment_urls():
    return [
        path("assignment-rules/", rule_views.rule_index, name="assignment_rules"),
        path(
            "assignment-rules/new/", rule_views.rule_create, name="assignment_rule_add"
        ),
        path(
            "assignment-rules/<int:pk>/",
            rule_views.rule_edit,
            name="assignment_rule_edit",
        ),
        path(
            "assignment-rules/<int:pk>/preview/",
            rule_views.rule_preview,
            name="assignment_rule_preview",
        ),
        path(
            "assignment-rules/<int:pk>/activate/",
            rule_views.rule_activate,
            name="assignment_rule_activate",
        ),
        path(
            "assignment-rules/<int:pk>/deactivate/",
            rule_views.rule_deactivate,
            name="assignment_rule_deactivate",
        ),
        path(
            "assignment-rules/<int:pk>/delete/",
            rule_views.rule_delete,
            name="assignment_rule_delete",
        ),
        path("exemptions/", rule_views.exemption_index, name="exemptions"),
        path("exemptions/add/", rule_views.exemption_add, name="exemption_add"),
        path(
            "exemptions/<int:pk>/end/",
            rule_views.exemption_end,
            name="exemption_end",
        ),
        path("require-retake/", rule_views.require_retake, name="require_retake"),
    ]


class RulesMenuItem(MenuItem):
    def is_shown(self, request):
        return rule_views.can_manage_rules(request.user)


class RetakeMenuItem(MenuItem):
    def is_shown(self, request):
        return rule_views.can_require_retake(request.user)


@hooks.register("register_admin_menu_item")
def register_assignment_rules_menu_item():
    return RulesMenuItem(
        _("Assignment rules"),
        reverse("assignment_rules"),
        icon_name="list-ul",
        order=290,
    )


@hooks.register("register_admin_menu_item")
def register_exemptions_menu_item():
    return RulesMenuItem(
        _("Exemptions"), reverse("exemptions"), icon_name="pick", order=295
    )


@hooks.register("register_admin_menu_item")
def register_retake_menu_item():
    return RetakeMenuItem(
        _("Require a retake"), reverse("require_retake"), icon_name="rotate", order=296
    )


# --- xAPI outbox (#7) ---------------------------------------------------------


@hooks.register("register_admin_viewset")
def register_lrs_destinations():
    return xapi_admin.LrsDestinationViewSet("lrs_destinations")


@hooks.register("register_admin_urls")
def register_xapi_outbox_urls():
    return [
        path("xapi-outbox/", xapi_admin.outbox_index, name="xapi_outbox"),
        path("xapi-outbox/problems/", xapi_admin.problem_index, name="xapi_problems"),
        path(
            "xapi-outbox/problems/requeue/",
            xapi_admin.problem_requeue,
            name="xapi_requeue",
        ),
        path(
            "xapi-outbox/<int:pk>/requests/",
            xapi_admin.request_index,
            name="xapi_requests",
        ),
    ]


class XapiOutboxMenuItem(MenuItem):
    def is_shown(self, request):
        return xapi_admin.can_view_outbox(request.user)


@hooks.register("register_settings_menu_item")
def register_xapi_outbox_menu_item():
    return XapiOutboxMenuItem(
        _("xAPI outbox"), reverse("xapi_outbox"), icon_name="resubmit", order=910
    )
