"""Signals the learning record sends, for the apps above it to react to
without the learning record importing them (assignments marks the cycle's
assignment completed).

Django signals are synchronous: a receiver runs inside the sender's
transaction, so what it writes commits or rolls back with the completion.
"""

from django.dispatch import Signal

# A cycle of a course was completed: here, or recorded by HR as done before
# go-live or elsewhere. Sent once per completion, inside its transaction,
# after the certificate is issued. Argument: `enrolment` (its completed_at set).
course_completed = Signal()
