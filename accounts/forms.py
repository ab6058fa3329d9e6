from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class CodeField(forms.CharField):
    """Spaces are dropped: apps show the code in groups ("123 456")."""

    def to_python(self, value):
        return "".join(super().to_python(value).split())


class CodeForm(forms.Form):
    code = CodeField(
        label=_("Code from the app"),
        help_text=_("Six digits. The code changes every 30 seconds."),
        max_length=12,
        validators=[
            RegexValidator(r"^[0-9]{6}\Z", _("Enter the six digits the app shows."))
        ],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )
