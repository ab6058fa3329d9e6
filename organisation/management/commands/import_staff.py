"""Import staff from the HR system's export: a dry run unless --apply."""

from organisation import hr_import
from organisation.hr_import import STAFF
from organisation.management.importing import FileImportCommand


class HrImportCommand(FileImportCommand):
    kind = None

    def add_import_arguments(self, parser):
        parser.add_argument(
            "--mode",
            required=True,
            choices=hr_import.MODES,
            help="full: what is missing from the file is deactivated; "
            "partial: only the rows in the file are touched.",
        )
        if self.kind == STAFF:
            parser.add_argument(
                "--confirm-deactivations",
                action="store_true",
                help="Allow a full import that deactivates more than 5 %% of "
                "active staff.",
            )

    def plan(self, user, content, filename, options):
        return hr_import.plan_import(
            user, self.kind, content, filename, options["mode"]
        )

    def apply(self, user, content, filename, options):
        confirm = options.get("confirm_deactivations", False)
        return hr_import.apply_import(
            user, self.kind, content, filename, options["mode"], confirm
        )

    def refused_message(self, actor):
        return f"{actor} may not import {self.kind}."

    def print_entries(self, plan, show):
        self.stdout.write(f"{self.kind}, {plan.mode} import. {plan.summary()}")

        def describe(entry):
            where = f"row {entry.row}: " if entry.row else ""
            changes = "; ".join(
                f"{label} {old} → {new}" for label, old, new in entry.changes
            )
            return f"{where}{entry.key} {entry.name}" + (
                f" ({changes})" if changes else ""
            )

        for title, entries in (
            ("Created", plan.created),
            ("Changed", plan.changed),
            ("Moved", plan.moved),
            ("Deactivated", plan.deactivated),
            ("Reactivated", plan.reactivated),
        ):
            self.print_list(title, entries, show, describe)
        if plan.needs_confirmation:
            self.stdout.write(
                self.style.WARNING(
                    f"This would deactivate {len(plan.deactivated)} of "
                    f"{plan.active_before} active staff "
                    f"({plan.deactivation_percent} %): --confirm-deactivations "
                    "is needed to apply it."
                )
            )


class Command(HrImportCommand):
    help = (
        "Import staff from a CSV or XLSX file (docs/hr-import.md). "
        "Prints the dry-run plan; with --apply, applies it all or nothing."
    )
    kind = STAFF
