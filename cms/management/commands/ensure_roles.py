from django.core.management.base import BaseCommand

from cms.roles import HR_AUTHORS, ensure_hr_author_group


class Command(BaseCommand):
    help = "Create or complete the platform's groups (safe to run any number of times)."

    def handle(self, *args, **options):
        ensure_hr_author_group()
        self.stdout.write(self.style.SUCCESS(f"Group '{HR_AUTHORS}' is in place."))
