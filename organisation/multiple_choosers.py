"""Several people or units in one form field, chosen with the person and unit
choosers (`organisation.choosers`).

The field shows what is chosen as a list of names (a unit with the unit it
is part of; a person as "Name (employee number, unit)"), each with a
"Remove" button, and an "Add" button that opens the chooser's modal with
several at once (`?multiple=1`: tick rows, then "Add the selected"). The
list posts one value per chosen id, so a form without JavaScript still
posts what it showed. Its script and stylesheet are the widget's `Media`:
a page with the form renders `{{ form.media }}`.

As the single choice fields, a field takes only the choices of a scope
(`limit_to(scope, keep=…)`, or `organisation.forms.limit_to_scope`), and
nothing until it is told one. A value outside it, malformed or unknown is a
form error that names no one; the list shown again leaves it out, so the
form shows nothing of whom or what it names.

Displaying the list is one query whatever the number chosen, and checking a
post is one query too.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.staticfiles import versioned_static

from .choosers import (
    _is_id,
    choosable_people,
    choosable_units,
    person_label,
    unit_label,
    with_parent_name,
)
from .models import OrgUnit
from .scope import NOBODY

# More than a rule or a form can sensibly name; it bounds what one post asks.
MAX_CHOICES = 500


class MultipleChooserWidget(forms.Widget):
    """The chosen ones as a list with "Remove" buttons, and an "Add" button
    that opens the chooser. The field's label names the list and the button
    (the label element of the form points at the button)."""

    template_name = "organisation/widgets/multiple_chooser.html"
    chooser_modal_url_name = None
    add_text = ""
    empty_text = ""

    def __init__(self, *, own=False, attrs=None):
        super().__init__(attrs=attrs)
        self.own = own
        self.queryset = None
        self.field_label = ""

    @property
    def media(self):
        return forms.Media(
            js=[
                versioned_static("wagtailadmin/js/chooser-modal.js"),
                static("organisation/js/multiple-chooser.js"),
            ],
            css={"all": [static("organisation/css/multiple-chooser.css")]},
        )

    def get_display_title(self, instance):
        raise NotImplementedError

    def get_chooser_modal_url(self):
        url = reverse(self.chooser_modal_url_name)
        return f"{url}?own=1" if self.own else url

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # nothing posted is nothing chosen, as a multiple select

    def use_required_attribute(self, initial):
        return False  # a button and hidden inputs: nothing a browser can require

    def id_for_label(self, id_):
        return id_  # the "Add" button: where the label and the error summary lead

    def chosen(self, value):
        """(id, title) of each chosen one the field may offer, in the order
        chosen: one query. Anything else is left out (it names no one)."""
        if isinstance(value, str | int) or value is None:
            value = [] if value in (None, "") else [value]
        ids = [str(getattr(v, "pk", v)) for v in value]
        ids = [i for i in dict.fromkeys(ids) if _is_id(i)][:MAX_CHOICES]
        if not ids or self.queryset is None:
            return []
        found = {str(o.pk): o for o in self.queryset.filter(pk__in=ids)}
        return [(i, self.get_display_title(found[i])) for i in ids if i in found]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        label = str(self.field_label)
        widget.update(
            chosen=[{"id": pk, "title": title} for pk, title in self.chosen(value)],
            chooser_url=self.get_chooser_modal_url(),
            add_text=self.add_text,
            # The button says what it adds to: two lists may sit side by side.
            add_label=f"{self.add_text}: {label}" if label else self.add_text,
            list_label=label or self.add_text,
            empty_text=self.empty_text,
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # With the project's templates (templates/organisation/widgets/), not
        # the form renderer's, which reads only the apps' own folders.
        return render_to_string(
            self.template_name, self.get_context(name, value, attrs)
        )


class MultiplePersonChooserWidget(MultipleChooserWidget):
    chooser_modal_url_name = "person_chooser:choose"
    add_text = _("Add people")
    empty_text = _("Nobody is chosen.")

    def get_display_title(self, instance):
        return person_label(instance)


class MultipleUnitChooserWidget(MultipleChooserWidget):
    chooser_modal_url_name = "unit_chooser:choose"
    add_text = _("Add units")
    empty_text = _("No unit is chosen.")

    def get_display_title(self, instance):
        return unit_label(instance)


class ScopedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """People or units chosen with the chooser, among those of a scope.
    Nobody until `limit_to(scope)`: a form that forgets it offers nothing.
    The cleaned value is a list, in the order chosen."""

    widget_class = None
    invalid_message = None
    too_many_message = None

    def __init__(self, label, *, own=False, required=False, **kwargs):
        super().__init__(
            queryset=self.choosable(NOBODY),
            widget=self.widget_class(own=own),
            label=label,
            required=required,
            error_messages={
                "invalid_choice": self.invalid_message,
                "invalid_pk_value": self.invalid_message,
                "invalid_list": self.invalid_message,
                "too_many": self.too_many_message,
            },
            **kwargs,
        )

    def choosable(self, scope):
        raise NotImplementedError

    def everyone(self):
        """The model's rows as `choosable` returns them, without its filters."""
        raise NotImplementedError

    def limit_to(self, scope, keep=()):
        """Offer the choices of `scope`, and `keep` (ids already chosen, kept
        on an edit, whatever has become of them since)."""
        allowed = self.choosable(scope)
        keep = [pk for pk in keep if _is_id(pk)]
        if keep:
            allowed = self.everyone().filter(
                Q(pk__in=allowed.values("pk")) | Q(pk__in=keep)
            )
        self.queryset = allowed

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.queryset = self.queryset

    queryset = property(forms.ModelMultipleChoiceField._get_queryset, _set_queryset)

    def get_bound_field(self, form, field_name):
        # The label as the form has it now, for the widget's list and button.
        self.widget.field_label = self.label
        return super().get_bound_field(form, field_name)

    def _check_values(self, value):
        """The chosen rows, in the order chosen, in one query; any value that
        is not one of them is the one message, naming no one."""
        try:
            ids = list(dict.fromkeys(str(v).strip() for v in value))
        except TypeError as error:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from error
        if len(ids) > MAX_CHOICES:
            raise ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": MAX_CHOICES},
            )
        if not all(map(_is_id, ids)):
            raise ValidationError(
                self.error_messages["invalid_pk_value"], code="invalid_pk_value"
            )
        found = {str(o.pk): o for o in self.queryset.filter(pk__in=ids)}
        if len(found) != len(ids):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return [found[i] for i in ids]

    def clean(self, value):
        chosen = super().clean(value)
        return list(chosen)  # `.none()` when nothing is chosen


class MultiplePersonChoiceField(ScopedMultipleChoiceField):
    widget_class = MultiplePersonChooserWidget
    invalid_message = _(
        "A chosen person is not in your part of the organisation, or has left, "
        "and was taken off the list. Check the list and save again."
    )
    too_many_message = _("Choose at most %(limit)s people.")

    def choosable(self, scope):
        return choosable_people(scope)

    def everyone(self):
        return get_user_model().objects.select_related("staff_profile__unit")

    def label_from_instance(self, obj):
        return person_label(obj)


class MultipleUnitChoiceField(ScopedMultipleChoiceField):
    widget_class = MultipleUnitChooserWidget
    invalid_message = _(
        "A chosen unit is not in your part of the organisation, or is closed, "
        "and was taken off the list. Check the list and save again."
    )
    too_many_message = _("Choose at most %(limit)s units.")

    def choosable(self, scope):
        return choosable_units(scope)

    def everyone(self):
        return with_parent_name(OrgUnit.objects.all())

    def label_from_instance(self, obj):
        return unit_label(obj)
