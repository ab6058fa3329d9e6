"""Wagtail admin views for HR: certificates (inspect and revoke), quiz
accommodations, and per-question quiz results.

Certificates and accommodations are people's records: each listing shows,
and each edit, revoke or delete reaches, only the people in the user's
scope (`organisation.scope`, as the reports): another's address is a 404,
and an accommodation is granted only to a person in scope."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import EditView
from wagtail.permission_policies.base import ModelPermissionPolicy

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet, person_column
from core.admin_labels import NewItemLabelViewSetMixin
from courses.grading import questions_of
from courses.models import QuizPage
from organisation.forms import limit_to_scope, person_field
from organisation.scope import NOBODY, scope_of

from . import actions
from .models import Certificate, QuizAccommodation, QuizResponse


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
        help_texts = {
            "revoked_reason": _(
                "Required. The holder reads it in the email that tells them."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["revoked_reason"]
        reason.required = True
        reason.error_messages["required"] = _("Give the reason for revoking.")

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
    """The confirmation step: GET says what revoking does (the verification
    page, the email to the holder, that it is kept and final) and asks for
    the reason; POST with a reason revokes."""

    template_name = "learners/admin/revoke_certificate.html"

    def get_page_subtitle(self):
        return _("Revoke the certificate")

    def save_instance(self):
        reason = self.form.cleaned_data["revoked_reason"]
        self.object.refresh_from_db()  # the record itself is never edited here
        return actions.revoke_certificate(self.request.user, self.object, reason)

    def get_success_message(self, instance=None):
        return _("The certificate is revoked. The holder is told by email.")


class CertificateViewSet(ScopedModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = Certificate
    person_path = "learner"
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


class AccommodationForm(WagtailAdminModelForm):
    learner = person_field(_("Person"))

    class Meta:
        model = QuizAccommodation
        fields = ["learner", "quiz", "extra_percent", "no_time_limit", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The person kept on an edit is in scope: the view reached only those.
        scope = scope_of(self.for_user) if self.for_user else NOBODY
        limit_to_scope(self.fields["learner"], scope)


class QuizAccommodationViewSet(NewItemLabelViewSetMixin, ScopedModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = QuizAccommodation
    person_path = "learner"
    list_select_related = ["learner", "quiz"]
    icon = "time"
    menu_label = _("Quiz accommodations")
    new_item_label = _("New quiz accommodation")
    add_to_admin_menu = True
    menu_order = 310
    list_display = [
        person_column("learner", _("person")),
        "quiz",
        "extra_percent",
        "no_time_limit",
        "created_at",
    ]
    search_fields = [
        "learner__first_name",
        "learner__last_name",
        "learner__staff_profile__employee_number",
    ]
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
