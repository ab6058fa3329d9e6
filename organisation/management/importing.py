"""What every file-import command shares: read the file, find the actor,
plan (dry run) or apply, print the plan, and turn refusals into a non-zero
exit with the reasons. Subclasses say how to plan, apply and print."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from organisation.hr_import import ImportRefused

SHOWN_PER_LIST = 20


class FileImportCommand(BaseCommand):
    actor_help = "User name recorded in the audit log as the one importing."
    # Whether --apply needs --actor (every record names who made it).
    actor_required = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file (see docs/hr-import.md)")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Apply the import. Without it, only the dry-run plan is printed.",
        )
        parser.add_argument("--actor", help=self.actor_help)
        parser.add_argument(
            "--show",
            type=int,
            default=SHOWN_PER_LIST,
            help="How many entries of each list to print (bad rows: all).",
        )
        self.add_import_arguments(parser)

    def add_import_arguments(self, parser):
        """Arguments of one kind of import."""

    def plan(self, user, content, filename, options):
        raise NotImplementedError

    def apply(self, user, content, filename, options):
        raise NotImplementedError

    def print_entries(self, plan, show):
        """The plan's own lists (created, changed, to record, …)."""
        raise NotImplementedError

    def refused_message(self, actor):
        return f"{actor} may not run this import."

    def handle(self, *args, file, apply, actor, show, **options):
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
        if apply and self.actor_required and user is None:
            raise CommandError("--apply needs --actor USERNAME.")
        try:
            if apply:
                plan = self.apply(user, content, path.name, options)
            else:
                plan = self.plan(user, content, path.name, options)
        except PermissionDenied as error:
            raise CommandError(self.refused_message(actor)) from error
        except ImportRefused as refused:
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
        self.print_entries(plan, show)
        for problem in plan.warnings:
            self.stdout.write(
                self.style.WARNING(f"Warning, row {problem.row}: {problem.message}")
            )
        for problem in plan.errors:
            self.stdout.write(
                self.style.ERROR(f"Bad row {problem.row}: {problem.message}")
            )

    def print_list(self, title, entries, show, describe):
        if not entries:
            return
        self.stdout.write(f"{title}: {len(entries)}")
        for entry in entries[:show]:
            self.stdout.write(f"  {describe(entry)}")
        if len(entries) > show:
            self.stdout.write(f"  … and {len(entries) - show} more")
