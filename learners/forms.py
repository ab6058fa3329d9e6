from django import forms
from django.utils.translation import gettext_lazy as _


class LessonProgressForm(forms.Form):
    """What the browser may send about a lesson. Anything else is ignored."""

    progress = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        error_messages={"invalid": _("Progress must be a whole number from 0 to 100.")},
    )
    position = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        error_messages={"invalid": _("Position must be a whole number from 0 to 100.")},
    )
    seconds = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=86_400,
        error_messages={"invalid": _("Seconds must be a whole number.")},
    )
    completed = forms.BooleanField(required=False)
    course = forms.IntegerField(
        required=False,
        help_text="If given, the lesson must belong to this course.",
        error_messages={"invalid": _("Unknown course.")},
    )
