"""Import past completions (before go-live): a dry run unless --apply."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from learners import history_import
from learners.hr_import import ImportRefused

SHOWN_PER_LIST = 20


class Command(BaseCommand):
    help = (
        "Import past completions from a CSV or XLSX file with the columns "
        "employee_number;course;completed_on;note (course = the course page's "
        "slug). Prints the dry-run plan; with --apply, applies it all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Apply the import. Without it, only the dry-run plan is printed.",
        )
        parser.add_argument(
            "--actor",
            help="User name recorded as the one recording the completions and in "
            "the audit log (needs the record_completion permission). Required "
            "with --apply.",
        )
        parser.add_argument(
            "--show",
            type=int,
            default=SHOWN_PER_LIST,
            help="How many entries of each list to print (bad rows: all).",
        )

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
        if apply and user is None:
            # Every recorded completion names who recorded it.
            raise CommandError("--apply needs --actor USERNAME.")
        try:
            if apply:
                plan = history_import.apply_history(user, content, path.name)
            else:
                plan = history_import.plan_history(content, path.name)
        except PermissionDenied as error:
            raise CommandError(f"{actor} may not record completions.") from error
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
        self.stdout.write(f"Completions import. {plan.summary()}")
        for title, entries in (
            ("To record", plan.to_record),
            ("Already recorded", plan.already_recorded),
        ):
            if not entries:
                continue
            self.stdout.write(f"{title}: {len(entries)}")
            for entry in entries[:show]:
                self.stdout.write(
                    f"  row {entry.row}: {entry.employee_number} {entry.name}, "
                    f"{entry.course_title} ({entry.course_slug}), "
                    f"{entry.completed_on.isoformat()}"
                )
            if len(entries) > show:
                self.stdout.write(f"  … and {len(entries) - show} more")
        for problem in plan.warnings:
            self.stdout.write(
                self.style.WARNING(f"Warning, row {problem.row}: {problem.message}")
            )
        for problem in plan.errors:
            self.stdout.write(
                self.style.ERROR(f"Bad row {problem.row}: {problem.message}")
            )
