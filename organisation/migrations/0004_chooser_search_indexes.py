"""Trigram indexes for the person and unit choosers (organisation.choosers).

The choosers search with `istartswith` / `icontains`, which Django writes as
`UPPER(column::text) LIKE UPPER(…)`; a GIN trigram index on that same
expression answers both a prefix and a part of a word, so a search among
40,000 people reads the index instead of every row (bench/chooser.py
measures it). PostgreSQL only: SQLite (the demo) searches its few rows as
before. The people's names are Django's `auth_user`, so those indexes are
created here too, beside 0002's.
"""

from django.db import migrations

INDEXES = [
    ("organisation_user_first_name_trgm", "auth_user", "first_name"),
    ("organisation_user_last_name_trgm", "auth_user", "last_name"),
    (
        "organisation_staff_number_trgm",
        "organisation_staffprofile",
        "employee_number",
    ),
    ("organisation_unit_name_trgm", "organisation_orgunit", "name"),
    ("organisation_unit_hr_code_trgm", "organisation_orgunit", "hr_code"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("organisation", "0003_sign_in_audit"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
