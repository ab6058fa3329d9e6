"""Form fields for choosing people and units, shared by the admin views."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


def person_by_username(label):
    """A person typed by username: a select of 40,000 people is no choice."""
    return forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        to_field_name="username",
        widget=forms.TextInput,
        label=label,
        error_messages={
            "invalid_choice": _("There is no active person with that username.")
        },
    )


def limit_to_scope(field, scope, keep=None):
    """Let a `person_by_username` field take only the people of `scope` (an
    `organisation.scope.Scope`), and `keep` (a user id already chosen, kept on
    an edit). Someone outside gets the same answer as a username that does
    not exist: the field tells nobody who works elsewhere."""
    if scope.is_city:
        return
    queryset = field.queryset
    allowed = queryset.none() if scope.is_empty else queryset.filter(scope.user_q())
    if keep is not None:
        allowed = allowed | queryset.filter(pk=keep)
    field.queryset = allowed
    field.error_messages["invalid_choice"] = _(
        "There is no active person with that username in your part of the organisation."
    )
