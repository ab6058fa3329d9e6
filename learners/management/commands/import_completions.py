"""Import past completions (before go-live): a dry run unless --apply."""

from learners import history_import
from organisation.management.importing import FileImportCommand


class Command(FileImportCommand):
    help = (
        "Import past completions from a CSV or XLSX file with the columns "
        "employee_number;course;completed_on;note (course = the course page's "
        "slug). Prints the dry-run plan; with --apply, applies it all or nothing."
    )
    actor_help = (
        "User name recorded as the one recording the completions and in the "
        "audit log (needs the record_completion permission). Required with --apply."
    )
    # Every recorded completion names who recorded it.
    actor_required = True

    def plan(self, user, content, filename, options):
        return history_import.plan_history(content, filename)

    def apply(self, user, content, filename, options):
        return history_import.apply_history(user, content, filename)

    def refused_message(self, actor):
        return f"{actor} may not record completions."

    def print_entries(self, plan, show):
        self.stdout.write(f"Completions import. {plan.summary()}")

        def describe(entry):
            return (
                f"row {entry.row}: {entry.employee_number} {entry.name}, "
                f"{entry.course_title} ({entry.course_slug}), "
                f"{entry.completed_on.isoformat()}"
            )

        self.print_list("To record", plan.to_record, show, describe)
        self.print_list("Already recorded", plan.already_recorded, show, describe)
