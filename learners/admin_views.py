"""Wagtail admin views for HR: certificates (inspect and revoke), quiz
accommodations, and per-question quiz results."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy

from courses.grading import questions_of
from courses.models import QuizPage

from . import actions
from .models import (
    AuditEvent,
    Certificate,
    Notification,
    NotificationItem,
    OrgUnit,
    QuizAccommodation,
    QuizResponse,
    ReportGoal,
    UnitDelegation,
)


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Certificates are records: nobody adds, edits or deletes them here.
    "change" means revoking, and needs the revoke permission."""

    def user_has_permission(self, user, action):
        if action in ("change", "view"):
            return user.has_perm("learners.revoke_certificate")
        return False

    def users_with_any_permission(self, actions):
        return get_user_model().objects.none()


class RevokeCertificateForm(WagtailAdminModelForm):
    class Meta:
        model = Certificate
        fields = ["revoked_reason"]
        labels = {"revoked_reason": _("Reason for revoking")}

    def clean_revoked_reason(self):
        stored = Certificate.objects.filter(pk=self.instance.pk).first()
        if stored and stored.revoked_at:
            raise ValidationError(
                _("Already revoked on %(date)s. The reason given then is kept.")
                % {"date": date_format(localtime(stored.revoked_at), "j F Y H:i")}
            )
        reason = self.cleaned_data["revoked_reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for revoking."))
        return reason


class RevokeCertificateView(EditView):
    def save_instance(self):
        reason = self.form.cleaned_data["revoked_reason"]
        self.object.refresh_from_db()  # the record itself is never edited here
        return actions.revoke_certificate(self.request.user, self.object, reason)

    def get_success_message(self, instance=None):
        return _("The certificate is revoked.")


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("Certificates")
    add_to_admin_menu = True
    menu_order = 300
    form_fields = ["revoked_reason"]
    edit_view_class = RevokeCertificateView
    list_display = [
        "holder_name",
        "course_title",
        "valid_from",
        "valid_until",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["holder_name", "course_title", "code"]
    inspect_view_enabled = True
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return RevokeCertificateForm


def person_by_username(label):
    """A person typed by username: a select of 40,000 people is no choice."""
    return forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        to_field_name="username",
        widget=forms.TextInput,
        label=label,
        error_messages={
            "invalid_choice": _("There is no active person with that username.")
        },
    )


class AccommodationForm(WagtailAdminModelForm):
    learner = person_by_username(_("Person (username)"))

    class Meta:
        model = QuizAccommodation
        fields = ["learner", "quiz", "extra_percent", "no_time_limit", "note"]


class QuizAccommodationViewSet(ModelViewSet):
    model = QuizAccommodation
    icon = "time"
    menu_label = _("Quiz accommodations")
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["learner", "quiz", "extra_percent", "no_time_limit", "created_at"]
    search_fields = ["learner__username", "learner__first_name", "learner__last_name"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return AccommodationForm


def quiz_results(request, quiz_id):
    """For HR: share of correct answers per question, to find misleading ones.
    One aggregate query over the responses, whatever their number."""
    quiz = QuizPage.objects.filter(pk=quiz_id).first()
    if quiz is None:
        raise Http404
    if not quiz.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    stats = {
        row["question_id"]: row
        for row in QuizResponse.objects.filter(
            attempt__quiz=quiz, attempt__submitted_at__isnull=False
        )
        .values("question_id")
        .annotate(
            answered=Count("id"), correct_count=Count("id", filter=Q(correct=True))
        )
    }
    rows = []
    for number, (question_id, question) in enumerate(
        questions_of(quiz).items(), start=1
    ):
        row = stats.get(question_id, {"answered": 0, "correct_count": 0})
        share = (
            round(100 * row["correct_count"] / row["answered"])
            if row["answered"]
            else None
        )
        rows.append(
            {
                "number": number,
                "question": question,
                "answered": row["answered"],
                "correct": row["correct_count"],
                "share": share,
            }
        )
    removed = sorted(set(stats) - {row["question"].id for row in rows})
    return render(
        request,
        "learners/admin/quiz_results.html",
        {"quiz": quiz, "rows": rows, "removed": [stats[qid] for qid in removed]},
    )


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """A log: whoever may view it may only view it."""

    def user_has_permission(self, user, action):
        if action == "view":
            return user.has_perm(self._get_permission_name("view"))
        return False


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    icon = "history"
    menu_label = _("Audit log")
    add_to_admin_menu = True
    menu_order = 330
    list_display = ["created_at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__username", "actor__last_name"]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["summary"]


class DelegationForm(WagtailAdminModelForm):
    delegate = person_by_username(_("Delegate (username)"))

    class Meta:
        model = UnitDelegation
        fields = ["unit", "delegate", "valid_from", "valid_until"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error(
                "valid_until", _("The period must end on or after its start.")
            )
        return cleaned


class DelegationCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        AuditEvent.objects.create(
            actor=self.request.user,
            action=AuditEvent.Action.DELEGATION,
            summary=str(instance),
            details={
                "unit": instance.unit.hr_code,
                "delegate": instance.delegate.get_username(),
                "valid_from": instance.valid_from.isoformat(),
                "valid_until": instance.valid_until.isoformat(),
            },
        )
        return instance


class UnitDelegationViewSet(ModelViewSet):
    model = UnitDelegation
    icon = "group"
    menu_label = _("Delegations")
    add_to_admin_menu = True
    menu_order = 325
    list_display = ["unit", "delegate", "valid_from", "valid_until", "created_by"]
    search_fields = ["unit__name", "unit__hr_code", "delegate__username"]
    add_view_class = DelegationCreateView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return DelegationForm


class NotificationViewSet(ModelViewSet):
    """The delivery log, read only: whether and when a message went out."""

    model = Notification
    icon = "mail"
    menu_label = _("Sent messages")
    add_to_admin_menu = True
    menu_order = 335
    list_display = ["created_at", "recipient", "kind", "status", "sent_at", "attempts"]
    list_filter = ["kind", "status"]
    search_fields = [
        "recipient__username",
        "recipient__first_name",
        "recipient__last_name",
        "recipient__staff_profile__employee_number",
        "key",
    ]
    inspect_view_enabled = True
    inspect_view_fields = [
        "key",
        "kind",
        "recipient",
        "subject",
        "status",
        "created_at",
        "claimed_at",
        "sent_at",
        "attempts",
        "last_error",
    ]
    copy_view_enabled = False
    form_fields = ["subject"]


class NotificationItemViewSet(ModelViewSet):
    """Was this person told about this course, and when? One row per reminder."""

    model = NotificationItem
    icon = "list-ul"
    menu_label = _("Reminders sent")
    add_to_admin_menu = True
    menu_order = 336
    list_display = [
        "person",
        "course_title",
        "trigger",
        "due_date",
        "notification",
    ]
    list_filter = ["trigger", "notification__status"]
    search_fields = [
        "person__username",
        "person__first_name",
        "person__last_name",
        "person__staff_profile__employee_number",
        "course_title",
    ]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["course_title"]


class GoalForm(WagtailAdminModelForm):
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.all(),
        to_field_name="hr_code",
        required=False,
        widget=forms.TextInput,
        label=_("Part of the organisation (HR code; empty: the whole city)"),
        error_messages={"invalid_choice": _("There is no unit with that HR code.")},
    )

    class Meta:
        model = ReportGoal
        fields = ["course", "unit", "target_percent", "deadline"]


class GoalCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        return instance


class ReportGoalViewSet(ModelViewSet):
    model = ReportGoal
    icon = "pick"
    menu_label = _("Goals")
    add_to_admin_menu = True
    menu_order = 297
    list_display = ["course", "unit", "target_percent", "deadline", "created_by"]
    add_view_class = GoalCreateView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return GoalForm
