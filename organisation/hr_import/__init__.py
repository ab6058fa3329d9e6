"""HR import: org units and staff from the HR system's export (CSV or XLSX).

What it changes: `OrgUnit` rows (create, rename, move, head, active) and, for
staff, `User` (name, email, is_active) and `StaffProfile` rows. It never
deletes anything: people and units missing from a full import are
deactivated, and their history stays.

Every import is planned first (a dry run, no writes) and applied only as a
whole: if any row is bad, nothing is applied (all-or-nothing), and the plan
lists every bad row. An apply re-plans inside one transaction, so what is
written is exactly what a dry run of the same file against the same database
shows. Running the same file twice is safe: the second plan is empty and its
apply changes no row (it only writes its own audit record).

- `files`: reading a CSV or XLSX into rows of canonical columns;
- `plans`: the plan of an import and the checks every file shares;
- `units`, `staff`: planning and applying each kind of file;
- here: the actions (`plan_import`, `apply_import`) and who may use them.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import AuditEvent, OrgUnit
from ..signals import organisation_changed
from .access import import_scope, refusal_outside_scope
from .files import ImportFileError, Table, file_sha256, read_table
from .plans import (
    FULL,
    KINDS,
    MODES,
    PARTIAL,
    STAFF,
    UNITS,
    Entry,
    ImportRefused,
    Plan,
    Problem,
    import_lock,
)
from .staff import STAFF_COLUMNS, STAFF_REQUIRED, apply_staff, plan_staff
from .units import UNIT_COLUMNS, UNIT_REQUIRED, apply_units, plan_units
from .uploads import (
    job_started,
    load_outcome,
    load_plan,
    load_upload,
    store_outcome,
    store_plan,
)

__all__ = [
    "FULL",
    "KINDS",
    "MODES",
    "PARTIAL",
    "STAFF",
    "STAFF_COLUMNS",
    "UNITS",
    "UNIT_COLUMNS",
    "Entry",
    "ImportFileError",
    "ImportRefused",
    "Plan",
    "Problem",
    "Table",
    "apply_import",
    "can_import",
    "check_stored_upload",
    "file_sha256",
    "import_lock",
    "plan_import",
    "read_table",
]


PLANNERS = {UNITS: plan_units, STAFF: plan_staff}
COLUMNS = {UNITS: (UNIT_COLUMNS, UNIT_REQUIRED), STAFF: (STAFF_COLUMNS, STAFF_REQUIRED)}
APPLIERS = {UNITS: apply_units, STAFF: apply_staff}
AUDIT_ACTIONS = {
    UNITS: AuditEvent.Action.IMPORT_UNITS,
    STAFF: AuditEvent.Action.IMPORT_STAFF,
}


def can_import(user, kind):
    """Who may import: HR with the staff profile permissions (superusers too)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    perms = ["organisation.add_staffprofile"]
    if kind == STAFF:
        perms.append("organisation.change_staffprofile")
    return user.has_perms(perms)


def _check(actor, kind, mode):
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}")
    # actor None: the command line, whose operator is trusted by the server.
    if actor is not None and not can_import(actor, kind):
        raise PermissionDenied


def _plan(actor, kind, content, filename, mode, today):
    """The plan, or, if the file reaches outside what `actor` may import
    (`access`), a plan of those rows only."""
    columns, required = COLUMNS[kind]
    refused = refusal_outside_scope(
        import_scope(actor), kind, content, filename, mode, columns, required
    )
    if refused is not None:
        return refused
    return PLANNERS[kind](content, filename, mode, today=today)


def plan_import(actor, kind, content, filename, mode, today=None):
    """The dry run: reads only, writes nothing."""
    _check(actor, kind, mode)
    return _plan(actor, kind, content, filename, mode, today)


def apply_import(
    actor, kind, content, filename, mode, confirm_deactivations=False, today=None
):
    """Apply a file as a whole, or nothing: re-plans inside one transaction,
    refuses (raising `ImportRefused`, nothing written) if any row is bad or
    if an unconfirmed full staff import would deactivate more than 5 % of
    active staff. Writes an `AuditEvent`; invitations go out on commit."""
    _check(actor, kind, mode)
    with transaction.atomic():
        import_lock()
        plan = _plan(actor, kind, content, filename, mode, today)
        if plan.errors:
            raise ImportRefused(
                ngettext(
                    "The file has %(count)s bad row. Nothing was imported.",
                    "The file has %(count)s bad rows. Nothing was imported.",
                    len(plan.errors),
                )
                % {"count": len(plan.errors)},
                plan,
            )
        if plan.needs_confirmation and not confirm_deactivations:
            raise ImportRefused(
                _(
                    "This full import would deactivate %(count)s of %(active)s "
                    "active staff (%(percent)s %%), more than 5 %%. Confirm the "
                    "deactivations to apply it. Nothing was imported."
                )
                % {
                    "count": len(plan.deactivated),
                    "active": plan.active_before,
                    "percent": plan.deactivation_percent,
                },
                plan,
            )
        APPLIERS[kind](plan)
        AuditEvent.objects.record(
            AUDIT_ACTIONS[kind],
            "hr_import",
            plan.counts(),
            actor=actor,
            details={
                "kind": kind,
                "mode": mode,
                "filename": filename,
                "sha256": plan.sha256,
                "counts": plan.counts(),
                "confirmed_deactivations": bool(
                    plan.needs_confirmation and confirm_deactivations
                ),
            },
        )
        if plan.has_changes:
            # People joined, moved or left: the apps above follow (their
            # assignments are re-evaluated).
            organisation_changed.send(sender=OrgUnit, kind=kind)
    return plan


def _stored_upload(token, user_id):
    """(user, meta, content) of the upload `token`, for a worker: None when
    the person is gone or inactive, or the upload gone, expired or not
    theirs."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    stored = load_upload(user, token) if user is not None else None
    return None if stored is None else (user, *stored)


def check_stored_upload(token, user_id, language):
    """The dry run of a stored upload, made by a worker and stored beside it
    (`uploads.store_plan`) in the uploader's language. Reads only; safe to
    run twice (a plan already stored is kept; an upload gone, expired or not
    the user's is left alone)."""
    job_started(token)
    if load_plan(token) is not None:
        return
    stored = _stored_upload(token, user_id)
    if stored is None:
        return
    user, meta, content = stored
    with translation.override(language):
        plan = plan_import(user, meta["kind"], content, meta["filename"], meta["mode"])
    store_plan(token, plan)


def apply_stored_upload(token, user_id, confirm_deactivations, language):
    """The apply of a stored upload too large to apply in the request, made
    by a worker: all of it or nothing, as in the request; its outcome is
    stored beside the upload (`uploads.store_outcome`) for the page that
    waits for it. Safe to run twice: an outcome already stored is kept, and
    the import lock makes a second run wait for the first."""
    job_started(token)
    if load_outcome(token) is not None:
        return
    stored = _stored_upload(token, user_id)
    if stored is None:
        return
    user, meta, content = stored
    with translation.override(language):
        if not can_import(user, meta["kind"]):
            store_outcome(token, {"refused": _("You may not import this file.")})
            return
        try:
            plan = apply_import(
                user,
                meta["kind"],
                content,
                meta["filename"],
                meta["mode"],
                confirm_deactivations=confirm_deactivations,
            )
        except ImportRefused as refused:
            if refused.plan is not None:
                store_plan(token, refused.plan)
            store_outcome(token, {"refused": str(refused.message)})
            return
        store_outcome(token, {"applied": str(plan.summary())})
