"""Write xAPI statements for the learning record as it stands (records made
before the outbox, or statements lost): see learners/xapi_backfill.py."""

from django.core.management.base import BaseCommand

from learners.xapi_backfill import backfill
from xapi.models import Statement


class Command(BaseCommand):
    help = (
        "Record xAPI statements for existing enrolments, lessons, quiz attempts "
        "and certificates. Safe to run again: nothing is recorded twice."
    )

    def handle(self, *args, **options):
        before = Statement.objects.count()
        counts = backfill()
        added = Statement.objects.count() - before
        for name, built in counts.items():
            self.stdout.write(f"{name}: {built} statements built")
        self.stdout.write(f"{added} new statements recorded; the rest were there.")
