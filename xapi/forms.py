"""Admin forms for the xAPI outbox: a Learning Record Store's settings, and
the filter of the dead-letter list.

The stored password is write-only: the edit form never renders it, and a
blank password on edit keeps the stored one.
"""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import LrsDestination, StatementDelivery

DESTINATION_FIELDS = [
    "name",
    "endpoint",
    "username",
    "password",
    "enabled",
    "batch_size",
]


def _model_field(name):
    return LrsDestination._meta.get_field(name)


class DestinationForm(WagtailAdminModelForm):
    endpoint = forms.URLField(
        label=capfirst(_model_field("endpoint").verbose_name),
        help_text=_model_field("endpoint").help_text,
        max_length=_model_field("endpoint").max_length,
        assume_scheme="https",
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        max_length=_model_field("password").max_length,
        # Never rendered back, not even after a form error.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password"}
        ),
        help_text=_("The password or secret key the LRS gave for this username."),
    )

    class Meta:
        model = LrsDestination
        fields = DESTINATION_FIELDS

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https"):
            raise ValidationError(
                _("Enter an address beginning with https:// (or http://).")
            )
        if parts.username or parts.password:
            # It would be shown in the listing and in error messages.
            raise ValidationError(
                _(
                    "Do not put a username or password in the address: "
                    "enter them in their own fields."
                )
            )
        return endpoint


class DestinationCreateForm(DestinationForm):
    include_history = forms.BooleanField(
        label=_("Also send the statements recorded before"),
        required=False,
        initial=True,
        help_text=_(
            "Switched on, every statement already in the outbox is sent to this "
            "LRS too; switched off, it receives only what is recorded from now on."
        ),
    )


class DestinationEditForm(DestinationForm):
    """Saving clears a pause: the administrator has fixed what the LRS refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _(
            "Leave empty to keep the stored password (it is never shown). "
            "Saving these settings resumes sending if the LRS was paused, "
            "and sends what is waiting at once."
        )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password:
            # Blank keeps the stored secret (the instance is as loaded: the
            # form's values are applied after cleaning).
            return self.instance.password
        return password


class ProblemFilterForm(forms.Form):
    destination = forms.ModelChoiceField(
        label=_("Learning record store"),
        queryset=LrsDestination.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Conflicts and refused")),
            (StatementDelivery.State.CONFLICT, _("Conflicts only")),
            (StatementDelivery.State.DEAD, _("Refused only")),
        ],
    )

    def filter(self, deliveries):
        """`deliveries` narrowed by the valid choices (an invalid one is ignored)."""
        problems = [StatementDelivery.State.CONFLICT, StatementDelivery.State.DEAD]
        deliveries = deliveries.filter(state__in=problems)
        if not self.is_valid():
            return deliveries
        if self.cleaned_data["destination"]:
            deliveries = deliveries.filter(destination=self.cleaned_data["destination"])
        if self.cleaned_data["state"]:
            deliveries = deliveries.filter(state=self.cleaned_data["state"])
        return deliveries
