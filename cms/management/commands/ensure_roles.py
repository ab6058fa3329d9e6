from django.core.management.base import BaseCommand

from cms.roles import (
    HR_ADMINISTRATORS,
    HR_AUTHORS,
    ensure_hr_admin_group,
    ensure_hr_author_group,
)


class Command(BaseCommand):
    help = "Create or complete the platform's groups (safe to run any number of times)."

    def handle(self, *args, **options):
        ensure_hr_author_group()
        ensure_hr_admin_group()
        for name in (HR_AUTHORS, HR_ADMINISTRATORS):
            self.stdout.write(self.style.SUCCESS(f"Group '{name}' is in place."))
