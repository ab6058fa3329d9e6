"""The report filters' form. Its inputs and selects write their HTML in
Python, exactly as Django's templates write it (every report page shows them:
the templates were a tenth of the page's rendering)."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import vocabulary

from .figures import Filters

# The states' words are the vocabulary's, on every page, email and export.
STATUS_LABELS = vocabulary.STATE_LABELS


def _attrs_html(attrs):
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class _Select(forms.Select):
    """A select whose HTML is written here, exactly as Django's select.html
    and select_option.html write it (the course list can have a couple of
    hundred options, each an include in the template; the option template's
    final newline included)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_attrs_html(widget["attrs"]) + ">")
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs_html(option['attrs'])}>"
                    f"{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - escaped above


class _InputHTML:
    """An input whose HTML is written here, exactly as Django's input.html
    (with text.html or date.html around it) writes it: every report page
    shows three, and their templates were a tenth of the page's rendering."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = (
            f'<input type="{conditional_escape(widget["type"])}"'
            f' name="{conditional_escape(widget["name"])}"'
        )
        if widget["value"] is not None:
            html += f' value="{conditional_escape(str(widget["value"]))}"'
        return mark_safe(html + _attrs_html(widget["attrs"]) + ">")  # noqa: S308


class _TextInput(_InputHTML, forms.TextInput):
    pass


class _DateInput(_InputHTML, forms.DateInput):
    pass


class ReportFilterForm(forms.Form):
    kurs = forms.TypedChoiceField(
        label=gettext_lazy("Course"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=_Select,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        widget=_Select,
        choices=[("", gettext_lazy("All")), *STATUS_LABELS.items()],
    )
    befattning = forms.CharField(
        label=gettext_lazy("Job title"),
        required=False,
        max_length=200,
        widget=_TextInput,
    )
    fran = forms.DateField(
        label=gettext_lazy("Due from"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=_DateInput(attrs={"type": "date"}),
    )
    till = forms.DateField(
        label=gettext_lazy("Due until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=_DateInput(attrs={"type": "date"}),
    )
    sortering = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        widget=_Select,
        choices=[
            ("name", gettext_lazy("Name")),
            ("unit", gettext_lazy("Unit")),
            ("course", gettext_lazy("Course")),
            ("due", gettext_lazy("Due date")),
            ("status", gettext_lazy("Status")),
        ],
    )

    def __init__(self, data, courses):
        super().__init__(data)
        self.fields["kurs"].choices = [("", _("All courses"))] + [
            (course.pk, course.title) for course in courses
        ]
        for name in ("fran", "till"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD."
            )
        self.fields["kurs"].error_messages["invalid_choice"] = _(
            "Choose one of the courses in the list."
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("fran"), cleaned.get("till")
        if start and end and end < start:
            self.add_error("till", _("The end of the range is before its start."))
        return cleaned

    def filters(self, unit=None):
        """The valid filters; an invalid one is left out and shown as an error."""
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:
            data.pop(name, None)
        return Filters(
            course_id=data.get("kurs"),
            status=data.get("status") or "",
            unit=unit,
            due_from=data.get("fran"),
            due_until=data.get("till"),
            job_title=(data.get("befattning") or "").strip(),
            sort=data.get("sortering") or "name",
        )
