"""Run the reminder sweep by hand: plan the day's reminders and hand out
what may be sent now (the same as the beat entry), or only show the plan."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders import sending
from reminders.planning import plan_day, policy


class Command(BaseCommand):
    help = "Plan today's reminders and enqueue what may be sent now."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="Plan for this day (YYYY-MM-DD).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be sent; write nothing.",
        )

    def handle(self, *args, day=None, dry_run=False, **options):
        try:
            today = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError("Give the day as YYYY-MM-DD.") from None
        if dry_run:
            messages = plan_day(today, policy())
            items = sum(len(message.items) for message in messages)
            self.stdout.write(
                f"{today}: {len(messages)} messages with {items} items would be "
                "planned (before removing what was sent already)."
            )
            return
        enqueued = sending.sweep(today.isoformat())
        self.stdout.write(f"{today}: planned; {enqueued} messages handed to workers.")
