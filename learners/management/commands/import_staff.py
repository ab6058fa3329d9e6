"""Import staff from the HR system's export: a dry run unless --apply."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from learners import hr_import
from learners.hr_import import STAFF

SHOWN_PER_LIST = 20


class HrImportCommand(BaseCommand):
    kind = None

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file (see docs/hr-import.md)")
        parser.add_argument(
            "--mode",
            required=True,
            choices=hr_import.MODES,
            help="full: what is missing from the file is deactivated; "
            "partial: only the rows in the file are touched.",
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Apply the import. Without it, only the dry-run plan is printed.",
        )
        parser.add_argument(
            "--actor",
            help="User name recorded in the audit log as the one importing.",
        )
        parser.add_argument(
            "--show",
            type=int,
            default=SHOWN_PER_LIST,
            help="How many entries of each list to print (bad rows: all).",
        )
        if self.kind == STAFF:
            parser.add_argument(
                "--confirm-deactivations",
                action="store_true",
                help="Allow a full import that deactivates more than 5 %% of "
                "active staff.",
            )

    def handle(self, *args, file, mode, apply, actor, show, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"There is no user named {actor!r}.")
        confirm = options.get("confirm_deactivations", False)
        try:
            if apply:
                plan = hr_import.apply_import(
                    user, self.kind, content, path.name, mode, confirm
                )
            else:
                plan = hr_import.plan_import(user, self.kind, content, path.name, mode)
        except PermissionDenied as error:
            raise CommandError(f"{actor} may not import {self.kind}.") from error
        except hr_import.ImportRefused as refused:
            self.print_plan(refused.plan, show)
            raise CommandError(refused.message) from refused
        self.print_plan(plan, show)
        if apply:
            self.stdout.write(self.style.SUCCESS(f"Applied. {plan.summary()}"))
        else:
            self.stdout.write(
                "Dry run: nothing was changed. Run again with --apply to apply."
            )

    def print_plan(self, plan, show):
        self.stdout.write(f"{plan.filename} (SHA-256 {plan.sha256})")
        self.stdout.write(f"{self.kind}, {plan.mode} import. {plan.summary()}")
        for title, entries in (
            ("Created", plan.created),
            ("Changed", plan.changed),
            ("Moved", plan.moved),
            ("Deactivated", plan.deactivated),
            ("Reactivated", plan.reactivated),
        ):
            if not entries:
                continue
            self.stdout.write(f"{title}: {len(entries)}")
            for entry in entries[:show]:
                where = f"row {entry.row}: " if entry.row else ""
                changes = "; ".join(
                    f"{label} {old} → {new}" for label, old, new in entry.changes
                )
                self.stdout.write(
                    f"  {where}{entry.key} {entry.name}"
                    + (f" ({changes})" if changes else "")
                )
            if len(entries) > show:
                self.stdout.write(f"  … and {len(entries) - show} more")
        if plan.needs_confirmation:
            self.stdout.write(
                self.style.WARNING(
                    f"This would deactivate {len(plan.deactivated)} of "
                    f"{plan.active_before} active staff "
                    f"({plan.deactivation_percent} %): --confirm-deactivations "
                    "is needed to apply it."
                )
            )
        for problem in plan.warnings:
            self.stdout.write(
                self.style.WARNING(f"Warning, row {problem.row}: {problem.message}")
            )
        for problem in plan.errors:
            self.stdout.write(
                self.style.ERROR(f"Bad row {problem.row}: {problem.message}")
            )


class Command(HrImportCommand):
    help = (
        "Import staff from a CSV or XLSX file (docs/hr-import.md). "
        "Prints the dry-run plan; with --apply, applies it all or nothing."
    )
    kind = STAFF
