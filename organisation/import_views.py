"""Wagtail admin pages for the HR import: upload a file, read the dry run,
apply it. Thin: they parse the form, check access and call `hr_import`.

Between the dry run and the apply, the uploaded file is kept on the server
(never in the session, never in a public directory) under a random token
that belongs to the person who uploaded it; the apply re-checks the owner,
the age and the file's SHA-256, and re-plans before writing.

A file beyond the bounds of `core.spreadsheet_files` (unpacked size, the
declared dimension, rows, columns) is refused on the upload form, and
nothing is stored. A file larger than HR_IMPORT_WORKER_ABOVE_BYTES unpacked
is checked and applied by a worker: the person sees "checking your file…"
until the dry run is there, then the same dry run page, and "applying…"
until the apply is done, then the same outcome as in the request.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.spreadsheet_files import SpreadsheetError, check_bounds, unpacked_size

from . import hr_import
from .hr_import.access import import_scope
from .hr_import.uploads import (
    discard_outcome,
    discard_upload,
    hand_out_again_if_lost,
    hand_out_job,
    import_dir,
    load_outcome,
    load_plan,
    load_upload,
    store_upload,
    upload_age_seconds,
)

MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # 40,000 staff rows are about 5 MB
SHOWN_PER_LIST = 200
# A worker's dry run not there after this long has failed: upload again.
CHECK_GIVES_UP_SECONDS = 30 * 60

__all__ = ["import_apply", "import_check", "import_dir", "import_upload"]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[
            (hr_import.UNITS, gettext_lazy("Org units")),
            (hr_import.STAFF, gettext_lazy("Staff")),
        ],
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Kind of import"),
        choices=[
            (
                hr_import.FULL,
                gettext_lazy(
                    "Full: the file holds everyone (every unit); "
                    "whoever is missing from it is deactivated"
                ),
            ),
            (
                hr_import.PARTIAL,
                gettext_lazy("Partial: only the rows in the file are touched"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "CSV with semicolons or commas, UTF-8 or Windows-1252, or an "
            "Excel workbook (first sheet). The first row holds the column names."
        ),
    )

    def __init__(self, *args, city=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.city = city
        if not city:
            # A full import deactivates whoever is missing, in the whole city:
            # never a coordinator's (hr_import.access), so not offered. The
            # field still knows it, for the reason below instead of "not a
            # valid choice".
            mode = self.fields["mode"]
            mode.widget.choices = [
                choice for choice in mode.choices if choice[0] == hr_import.PARTIAL
            ]
            mode.initial = hr_import.PARTIAL
            mode.help_text = _(
                "Only central HR makes a full import. Yours touches only the "
                "rows in the file, and only people and units of your "
                "administration."
            )

    def clean_mode(self):
        mode = self.cleaned_data["mode"]
        if mode == hr_import.FULL and not self.city:
            raise forms.ValidationError(
                _(
                    "A full import deactivates whoever is missing from the file, "
                    "in the whole city: only central HR may make one. Choose a "
                    "partial import of your administration's rows."
                )
            )
        return mode

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        content = upload.read()
        upload.seek(0)
        try:
            check_bounds(content, upload.name)
        except SpreadsheetError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


def _require_any_import_permission(user):
    if not any(hr_import.can_import(user, kind) for kind in hr_import.KINDS):
        raise PermissionDenied


def _render_plan(request, plan, token, status=200, refused=None):
    kind_label = _("Org units") if plan.kind == hr_import.UNITS else _("Staff")
    lists = [
        (key, title, entries[:SHOWN_PER_LIST], len(entries))
        for key, title, entries in (
            ("created", _("Created"), plan.created),
            ("changed", _("Changed"), plan.changed),
            ("moved", _("Moved"), plan.moved),
            ("deactivated", _("Deactivated"), plan.deactivated),
            ("reactivated", _("Reactivated"), plan.reactivated),
        )
    ]
    return render(
        request,
        "organisation/admin/import_plan.html",
        {
            "plan": plan,
            "token": token,
            "lists": lists,
            "shown_per_list": SHOWN_PER_LIST,
            "refused": refused,
            "kind_label": kind_label,
            "mode_label": _("Full") if plan.mode == hr_import.FULL else _("Partial"),
        },
        status=status,
    )


def import_upload(request):
    """Upload a file and show its dry run."""
    _require_any_import_permission(request.user)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        city=import_scope(request.user).is_city,
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        mode = form.cleaned_data["mode"]
        if not hr_import.can_import(request.user, kind):
            raise PermissionDenied
        upload = form.cleaned_data["file"]
        content = upload.read()
        if unpacked_size(content, upload.name) > settings.HR_IMPORT_WORKER_ABOVE_BYTES:
            token = store_upload(request.user, kind, mode, upload.name, content)
            hand_out_job(
                token,
                "organisation.check_hr_import",
                token,
                request.user.pk,
                translation.get_language(),
            )
            return redirect("hr_import_check", token=token)
        plan = hr_import.plan_import(request.user, kind, content, upload.name, mode)
        token = store_upload(request.user, kind, mode, upload.name, content)
        return _render_plan(request, plan, token)
    return render(
        request,
        "organisation/admin/import_upload.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _worker_page(request, token, *, result_of, show, gone, gave_up, template):
    """A page waiting for a worker's work on a stored upload (its dry run,
    its apply): the waiting page until `result_of(token)` has a result
    (`?status` answers whether it has, for the page's script), then
    `show(result, meta)`. Only the uploader's; an upload that is gone, or a
    worker that never finished, sends them back to the upload form."""
    _require_any_import_permission(request.user)
    stored = load_upload(request.user, token)
    if stored is None:
        messages.error(request, gone)
        return redirect("hr_import")
    meta, _content = stored
    if not hr_import.can_import(request.user, meta["kind"]):
        raise PermissionDenied
    result = result_of(token)
    if result is None:
        hand_out_again_if_lost(token)  # a broker that lost its queue
    if "status" in request.GET:
        response = JsonResponse({"ready": result is not None})
        response["Cache-Control"] = "no-store"
        return response
    if result is not None:
        return show(result, meta)
    if upload_age_seconds(meta) > CHECK_GIVES_UP_SECONDS:
        discard_upload(token)
        messages.error(request, gave_up)
        return redirect("hr_import")
    return render(request, template, {"filename": meta["filename"], "token": token})


def import_check(request, token):
    """The dry run a worker makes of a large file: "checking your file…"
    until it is there, then the dry run page."""
    return _worker_page(
        request,
        token,
        result_of=load_plan,
        show=lambda plan, meta: _render_plan(request, plan, token),
        gone=_(
            "This dry run cannot be shown: it has expired, was already "
            "applied, or was not made by you. Upload the file again."
        ),
        gave_up=_("Checking the file did not finish. Upload the file again."),
        template="organisation/admin/import_checking.html",
    )


@require_POST
def import_apply(request):
    """Apply a dry run made by the same person: all of it, or nothing."""
    _require_any_import_permission(request.user)
    token = request.POST.get("token", "")
    stored = load_upload(request.user, token)
    if stored is None or request.POST.get("sha256") != stored[0]["sha256"]:
        messages.error(
            request,
            _(
                "This dry run cannot be applied: it has expired, was already "
                "applied, or was not made by you. Upload the file again."
            ),
        )
        return redirect("hr_import")
    meta, content = stored
    if not hr_import.can_import(request.user, meta["kind"]):
        raise PermissionDenied
    confirm = request.POST.get("confirm_deactivations") == "on"
    if unpacked_size(content, meta["filename"]) > settings.HR_IMPORT_WORKER_ABOVE_BYTES:
        hand_out_job(
            token,
            "organisation.apply_hr_import",
            token,
            request.user.pk,
            confirm,
            translation.get_language(),
        )
        return redirect("hr_import_applying", token=token)
    try:
        plan = hr_import.apply_import(
            request.user,
            meta["kind"],
            content,
            meta["filename"],
            meta["mode"],
            confirm_deactivations=confirm,
        )
    except hr_import.ImportRefused as refused:
        return _render_plan(
            request, refused.plan, token, status=400, refused=refused.message
        )
    return _applied(request, token, meta, plan.summary())


def import_applying(request, token):
    """The apply a worker makes of a large file: "applying…" until it is
    done, then what the request would have shown: the import page with its
    summary, or the dry run with the reason it was refused."""
    return _worker_page(
        request,
        token,
        result_of=load_outcome,
        show=lambda outcome, meta: _show_outcome(request, token, outcome, meta),
        gone=_(
            "This import cannot be shown: it has expired, was already "
            "shown, or was not made by you."
        ),
        gave_up=_(
            "Applying the file did not finish. Check in the audit log "
            "whether it was applied before uploading it again."
        ),
        template="organisation/admin/import_applying.html",
    )


def _applied(request, token, meta, summary):
    """After an apply, in the request or a worker's: the upload is gone, the
    upload form says what was done."""
    discard_upload(token)
    messages.success(
        request,
        _("Import of %(filename)s applied. %(summary)s")
        % {"filename": meta["filename"], "summary": summary},
    )
    return redirect(reverse("hr_import"))


def _show_outcome(request, token, outcome, meta):
    """What a worker's apply came to, as the request would have shown it."""
    if "applied" in outcome:
        return _applied(request, token, meta, outcome["applied"])
    plan = load_plan(token)
    if plan is None:
        discard_upload(token)
        messages.error(request, outcome.get("refused", ""))
        return redirect("hr_import")
    # The dry run can be applied again once what refused it is put right
    # (a confirmation ticked): a new apply starts from no outcome.
    discard_outcome(token)
    return _render_plan(
        request, plan, token, status=400, refused=outcome.get("refused", "")
    )
