"""Wagtail admin page where HR records a completion done elsewhere (a
classroom day, an external course), with an optional attachment. Thin: it
checks the permission, parses the form and calls
`record_completion_elsewhere`. Only for people in the recorder's scope
(`organisation.scope`, as the reports): another person is "no such person"
in the form. Bad input is shown in the form and nothing is
saved (neither the record, nor the attachment, nor an audit event)."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.documents import get_document_model

from courses.models import CoursePage
from organisation.forms import limit_to_scope, person_field
from organisation.models import AuditEvent
from organisation.scope import NOBODY, scope_of

from .actions.history import (
    RECORD_COMPLETION,
    hr_records_collection,
    record_completion_elsewhere,
)
from .models import Enrolment

PERMISSION = RECORD_COMPLETION


def can_record(user):
    return user.is_authenticated and user.is_active and user.has_perm(PERMISSION)


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Titles may repeat under different parents; the slug tells them apart.
        return f"{obj.title} ({obj.slug})"


class RecordCompletionForm(forms.Form):
    person = person_field(gettext_lazy("Person"))
    course = CourseChoiceField(
        label=gettext_lazy("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        error_messages={"invalid_choice": gettext_lazy("Choose a published course.")},
    )
    completed_on = forms.DateField(
        label=gettext_lazy("Completed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=gettext_lazy("The day the training was completed (YYYY-MM-DD)."),
        error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
    )
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy(
            "What the training was and where, for example "
            "“Klassrumsutbildning 2026-03-04”."
        ),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment (optional)"),
        required=False,
        help_text=gettext_lazy(
            "For example a course certificate or a list of participants "
            "(PDF, Word, OpenDocument, Excel or text)."
        ),
    )

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people in the viewer's scope, as the reports: another
        # person's username is "no such person", and nothing is saved.
        limit_to_scope(self.fields["person"], scope_of(viewer) if viewer else NOBODY)

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise ValidationError(_("The date is in the future."))
        return completed_on

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise ValidationError(_("Say what was done, and where."))
        return note

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        allowed = getattr(settings, "WAGTAILDOCS_EXTENSIONS", None)
        extension = Path(upload.name).suffix.lower().lstrip(".")
        if allowed and extension not in allowed:
            raise ValidationError(
                _("Files of this type cannot be attached. Allowed: %(types)s.")
                % {"types": ", ".join(allowed)}
            )
        limit = getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)
        if limit and upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": limit // (1024 * 1024)}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        person, course = cleaned.get("person"), cleaned.get("course")
        completed_on = cleaned.get("completed_on")
        if person and course and completed_on:
            already = Enrolment.objects.filter(
                learner=person, course=course, completed_at__date=completed_on
            ).exists()
            if already:
                raise ValidationError(
                    _(
                        "%(person)s already has a completion of this course on "
                        "%(date)s. Nothing was recorded."
                    )
                    % {
                        "person": person.get_full_name() or person.get_username(),
                        "date": completed_on.isoformat(),
                    }
                )
        return cleaned


def _store_attachment(upload, user):
    Document = get_document_model()
    document = Document(
        title=Path(upload.name).stem or upload.name,
        file=upload,
        uploaded_by_user=user,
        collection=hr_records_collection(),
    )
    document._set_document_file_metadata()
    document.save()
    return document


def record_completion(request):
    """Record one completion done elsewhere."""
    if not can_record(request.user):
        raise PermissionDenied
    form = RecordCompletionForm(
        request.POST or None, request.FILES or None, viewer=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person, course = data["person"], data["course"]
        document = None
        try:
            with transaction.atomic():
                if data["attachment"]:
                    document = _store_attachment(data["attachment"], request.user)
                enrolment = record_completion_elsewhere(
                    request.user,
                    person,
                    course,
                    data["completed_on"],
                    source=Enrolment.Source.EXTERNAL,
                    note=data["note"],
                    attachment=document,
                )
                name = person.get_full_name() or person.get_username()
                AuditEvent.objects.record(
                    AuditEvent.Action.MANUAL_RECORD,
                    "completion_recorded",
                    {
                        "course": course.title,
                        "date": data["completed_on"].isoformat(),
                        "person": name,
                    },
                    actor=request.user,
                    details={
                        "enrolment": enrolment.pk,
                        "learner": person.pk,
                        "username": person.get_username(),
                        "course": course.pk,
                        "completed_on": data["completed_on"].isoformat(),
                        "cycle": enrolment.cycle,
                        "document": document.pk if document else None,
                    },
                )
        except ValidationError as error:
            # The database rolled back; the stored file did not.
            if document is not None:
                document.file.delete(save=False)
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The completion of %(course)s by %(person)s is recorded.")
                % {"course": course.title, "person": name},
            )
            return redirect("record_completion")
    return render(
        request,
        "learners/admin/record_completion.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
