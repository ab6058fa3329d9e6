"""Precomputed counts for the big report overviews (the city, an
administration), refreshed CONCURRENTLY by Celery (see docs/reports.md):

- reports_report_days: the current items counted per unit, course, state
  and day (below): goals and the trend read it, for one course at a time;
- reports_report_counts: the same without the completion day (a third of
  the rows): the unit × course matrix reads it;
- reports_report_counts_refreshed: one row, when both were last refreshed.

PostgreSQL only: on SQLite (the demo, development) nothing is created and the
reports count live. The views are created WITH NO DATA: until their first refresh
the reports count live, so this migration is quick on a large database.

The day column: the due date of an open item (never overdue without one:
'infinity'), the local completion date of a completed one (without a time:
'-infinity'), '-infinity' for an exempt one. It is never NULL, so that a
concurrent refresh can match every row by the unique index. The local date
is in the project's time zone when the view was created (Europe/Stockholm).
"""

from django.conf import settings
from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite in development)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


TIME_ZONE = settings.TIME_ZONE.replace("'", "")

CREATE = f"""
CREATE MATERIALIZED VIEW reports_report_days AS
SELECT s.unit_id,
       a.course_id,
       a.state,
       CASE
           WHEN a.state = 'open' THEN coalesce(a.due_date, 'infinity'::date)
           WHEN a.state = 'completed' AND a.completed_at IS NOT NULL
               THEN (a.completed_at AT TIME ZONE '{TIME_ZONE}')::date
           ELSE '-infinity'::date
       END AS day,
       count(*)::integer AS items
  FROM assignments_assignment a
  JOIN auth_user p ON p.id = a.person_id
  JOIN organisation_staffprofile s ON s.user_id = a.person_id
 WHERE a.course_id IS NOT NULL
   AND a.state <> 'withdrawn'
   AND p.is_active
   AND s.unit_id IS NOT NULL
   AND NOT EXISTS (
       SELECT 1 FROM assignments_assignment n
        WHERE n.person_id = a.person_id
          AND n.course_id = a.course_id
          AND n.cycle > a.cycle
   )
 GROUP BY 1, 2, 3, 4
WITH NO DATA;
CREATE UNIQUE INDEX reports_report_days_key
    ON reports_report_days (unit_id, course_id, state, day);
CREATE INDEX reports_report_days_course ON reports_report_days (course_id);

CREATE MATERIALIZED VIEW reports_report_counts AS
SELECT unit_id,
       course_id,
       state,
       CASE WHEN state = 'open' THEN day ELSE '-infinity'::date END AS day,
       sum(items)::integer AS items
  FROM reports_report_days
 GROUP BY 1, 2, 3, 4
WITH NO DATA;
CREATE UNIQUE INDEX reports_report_counts_key
    ON reports_report_counts (unit_id, course_id, state, day);
CREATE INDEX reports_report_counts_course ON reports_report_counts (course_id);

CREATE TABLE reports_report_counts_refreshed (
    id smallint PRIMARY KEY CHECK (id = 1),
    refreshed_at timestamp with time zone NOT NULL
);
"""

DROP = """
DROP TABLE IF EXISTS reports_report_counts_refreshed;
DROP MATERIALIZED VIEW IF EXISTS reports_report_counts;
DROP MATERIALIZED VIEW IF EXISTS reports_report_days;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("assignments", "0001_initial"),
        ("organisation", "0001_initial"),
    ]

    operations = [
        PostgresOnlySQL(CREATE, DROP),
    ]
