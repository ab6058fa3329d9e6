"""Signals the organisation sends, for the apps above it to react to without
the organisation importing them."""

from django.dispatch import Signal

# An HR import changed units or staff (people joined, moved or left). Sent
# inside the import's transaction. Argument: `kind` ("units" or "staff").
# Assignments re-evaluates every course after the commit.
organisation_changed = Signal()
