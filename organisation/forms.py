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
