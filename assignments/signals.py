"""Signals assignments sends, for the apps above it (reports) to react to
without assignments importing them."""

from django.dispatch import Signal

# A course's assignments changed (or, with course_id None, may have: after a
# sweep, people may have moved or left). Argument: `course_id`. The reports
# refresh their precomputed counts.
assignments_changed = Signal()
