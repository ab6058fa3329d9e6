"""An index on the people's names for the report's people list.

The list is sorted by last name, first name (then course); with this index
PostgreSQL reads the people in that order and stops after the page's 50 rows
instead of sorting every item in scope (bench/reports.py measures it). The
table is Django's `auth_user`, so the index is created here.
"""

from django.db import migrations

INDEX = "organisation_user_name_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("organisation", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON auth_user (last_name, first_name, id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
