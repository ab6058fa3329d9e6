"""Wagtail admin pages for the HR import: upload a file, read the dry run,
apply it. Thin: they parse the form, check access and call `hr_import`.

Between the dry run and the apply, the uploaded file is kept on the server
(never in the session, never in a public directory) under a random token
that belongs to the person who uploaded it; the apply re-checks the owner,
the age and the file's SHA-256, and re-plans before writing.
"""

import json
import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import hr_import

MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # 40,000 staff rows are about 5 MB
TOKEN_MAX_AGE_SECONDS = 24 * 3600
SHOWN_PER_LIST = 200
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def import_dir():
    """Private storage for uploaded files: outside MEDIA_ROOT, which a web
    server may serve. Overridable with the HR_IMPORT_DIR setting."""
    configured = getattr(settings, "HR_IMPORT_DIR", None)
    return Path(configured or Path(settings.VAR_DIR) / "hr-imports")


def _paths(token):
    base = import_dir()
    return base / f"{token}.data", base / f"{token}.json"


def _remove_expired():
    base = import_dir()
    if not base.is_dir():
        return
    limit = time.time() - TOKEN_MAX_AGE_SECONDS
    for path in base.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue  # another process removed it first


def store_upload(user, kind, mode, filename, content):
    _remove_expired()
    base = import_dir()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    data_path, meta_path = _paths(token)
    data_path.write_bytes(content)
    meta_path.write_text(
        json.dumps(
            {
                "user_id": user.pk,
                "kind": kind,
                "mode": mode,
                "filename": filename,
                "sha256": hr_import.file_sha256(content),
                "created": time.time(),
            }
        )
    )
    return token


def load_upload(user, token):
    """The stored upload for `token`, if it is this user's and still fresh;
    otherwise None (an expired, unknown and another person's token look the
    same)."""
    if not token or not TOKEN_RE.match(token):
        return None
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text())
        content = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user.pk:
        return None
    if time.time() - meta.get("created", 0) > TOKEN_MAX_AGE_SECONDS:
        return None
    if hr_import.file_sha256(content) != meta.get("sha256"):
        return None
    return meta, content


def discard_upload(token):
    for path in _paths(token):
        path.unlink(missing_ok=True)


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
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        mode = form.cleaned_data["mode"]
        if not hr_import.can_import(request.user, kind):
            raise PermissionDenied
        upload = form.cleaned_data["file"]
        content = upload.read()
        plan = hr_import.plan_import(request.user, kind, content, upload.name, mode)
        token = store_upload(request.user, kind, mode, upload.name, content)
        return _render_plan(request, plan, token)
    return render(
        request,
        "organisation/admin/import_upload.html",
        {"form": form},
        status=400 if form.errors else 200,
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
    try:
        plan = hr_import.apply_import(
            request.user,
            meta["kind"],
            content,
            meta["filename"],
            meta["mode"],
            confirm_deactivations=request.POST.get("confirm_deactivations") == "on",
        )
    except hr_import.ImportRefused as refused:
        return _render_plan(
            request, refused.plan, token, status=400, refused=refused.message
        )
    discard_upload(token)
    messages.success(
        request,
        _("Import of %(filename)s applied. %(summary)s")
        % {"filename": meta["filename"], "summary": plan.summary()},
    )
    return redirect(reverse("hr_import"))
