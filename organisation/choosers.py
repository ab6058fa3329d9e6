"""One way to find a person or a unit, in every form of the admin.

Wagtail's chooser framework (a modal with a search, and a widget for any
Django form): the person chooser searches by name, employee number and unit,
and shows "Name (employee number, unit)"; the unit chooser searches by name
(or HR code) and shows the unit with the unit it is part of. Neither shows a
username or an internal key.

Both list only what the asker's scope holds (`organisation.scope`, as the
reports): a coordinator finds nobody outside their administration, a person
without a scope finds nobody, and an address naming someone outside (the
"chosen" step, a forged form value) is a 404 or a form error, never a name.
`?own=1` narrows the scope to what is the asker's by role, without the units
delegated to them (what they may delegate and set goals for).

`?multiple=1` (the widgets of `organisation.multiple_choosers`) lets the
modal take several at once: a checkbox per row and "Add the selected", which
asks the "chosen multiple" step for the ticked ids; one of them outside the
scope makes the whole answer a 404, as the single "chosen" step.

Fast at city scale: the results are a page of 10 in tree or name order, one
query for the scope, one for the count and one for the page, whatever the
number of people; PostgreSQL answers the searches from trigram indexes
(migration 0004) and the people's name index (0002).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets import BaseChooser

from .models import OrgUnit, StaffProfile
from .scope import CITY, NOBODY, scope_of

RESULTS_PER_PAGE = 10
# A search of more words than this is cut: each word is one more condition.
MAX_SEARCH_WORDS = 4
MAX_SEARCH_LENGTH = 100
# Ids are at most 18 digits (core.converters): nothing else reaches the database.
MAX_ID_DIGITS = 18
# The "chosen multiple" step takes at most the ids of one page of results.
MAX_CHOSEN_AT_ONCE = RESULTS_PER_PAGE


def _is_id(value):
    text = str(value)
    return text.isdigit() and len(text) <= MAX_ID_DIGITS


# --- What may be chosen -----------------------------------------------------------


def choosable_people(scope):
    """The people `scope` may choose: the active people in it, their staff
    profile and unit loaded. An account without a staff profile (one made by
    hand, not by the HR import) is in the city's scope only."""
    if scope.is_empty:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(scope.user_q())
        .select_related("staff_profile__unit")
    )


def with_parent_name(units):
    """`units`, each with the name of the unit it is part of (`parent_name`,
    None for a root): what `unit_label` shows."""
    parent = OrgUnit.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - OrgUnit.steplen)
    ).values("name")[:1]
    return units.annotate(parent_name=Subquery(parent))


def choosable_units(scope):
    """The active units of `scope` (direct reports' units are not), each with
    the name of the unit it is part of (`parent_name`, None for a root)."""
    if scope.unit_paths == ():
        return OrgUnit.objects.none()
    return with_parent_name(scope.units().filter(active=True))


def _people_matching(word):
    """The user ids whose first or last name or employee number begins with
    `word`, or whose unit's name holds it: a UNION of three reads, each
    answered by its own trigram index (migration 0004), so PostgreSQL never
    reads the whole staff to test every row against all four."""
    names = Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
    by_name = get_user_model().objects.filter(names).values("pk")
    by_number = StaffProfile.objects.filter(employee_number__istartswith=word)
    units = OrgUnit.objects.filter(name__icontains=word).order_by().values("pk")
    by_unit = StaffProfile.objects.filter(unit__in=units)
    return by_name.union(by_number.values("user_id"), by_unit.values("user_id"))


class _IsInAll(Func):
    """`field = ANY(ARRAY(subquery INTERSECT subquery …))` on PostgreSQL: the
    ids matching every subquery are read first, then fetched by the primary
    key (an IN (subquery) per word is planned as a hash join over the whole
    table, five times slower at city scale); `field IN (subquery) AND …`
    elsewhere."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        field, *subqueries = self.source_expressions
        field_sql, params = compiler.compile(field)
        params = list(params)
        parts = []
        for subquery in subqueries:
            sql, subquery_params = compiler.compile(subquery)
            parts.append(sql)
            params.extend(subquery_params)
        if connection.vendor == "postgresql":
            sql = f"({field_sql} = ANY(ARRAY({' INTERSECT '.join(parts)})))"
        else:
            sql = "(" + " AND ".join(f"{field_sql} IN {part}" for part in parts) + ")"
        return sql, params


def search_people(people, text):
    """Every word of `text` begins a first or last name or an employee
    number, or is part of the name of the person's unit."""
    words = text.split()[:MAX_SEARCH_WORDS]
    if not words:
        return people
    matching = [Subquery(_people_matching(word)) for word in words]
    return people.filter(_IsInAll(F("pk"), *matching))


def search_units(units, text):
    """Every word of `text` is part of the unit's name, or begins its HR code."""
    for word in text.split()[:MAX_SEARCH_WORDS]:
        units = units.filter(Q(name__icontains=word) | Q(hr_code__istartswith=word))
    return units


# --- How they are shown -----------------------------------------------------------


def person_name(user):
    return user.get_full_name() or gettext("(no name)")


def person_unit(user):
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.unit_id is None:
        return gettext("no unit")
    return profile.unit.name


def person_label(user):
    """ "Name (employee number, unit)": never a username or an id."""
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return person_name(user)
    return f"{person_name(user)} ({profile.employee_number}, {person_unit(user)})"


def unit_label(unit):
    """The unit, with the unit it is part of: names repeat ("Ekonomi")."""
    parent = getattr(unit, "parent_name", None)
    return f"{unit.name} ({parent})" if parent else unit.name


# --- The modals -------------------------------------------------------------------


class SearchForm(BaseFilterForm):
    """The modal's one search field (Wagtail's chooser searches on typing)."""

    search_label = ""

    q = forms.CharField(required=False, strip=True, label="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = self.search_label
        self.fields["q"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        )

    def search(self, objects, text):
        raise NotImplementedError

    def filter(self, objects):
        text = self.cleaned_data.get("q", "")[:MAX_SEARCH_LENGTH]
        if text:
            self.is_searching = True
            self.search_query = text
            objects = self.search(objects, text)
        return objects


class PersonSearchForm(SearchForm):
    search_label = _("Name, employee number or unit")

    def search(self, objects, text):
        return search_people(objects, text)


class UnitSearchForm(SearchForm):
    search_label = _("Name of the unit")

    def search(self, objects, text):
        return search_units(objects, text)


class ChooserCheckboxColumn(chooser_views.CheckboxSelectColumn):
    """The checkbox of a row when several may be chosen, labelled by the
    row's name (Wagtail's own has a title of the object's `str()`, which for
    a person is their username)."""

    cell_template_name = "organisation/admin/chooser_checkbox_cell.html"


class ScopedChooserMixin:
    """What the person and unit modals share: the asker's scope (`?own=1`:
    without the units delegated to them), one choice at a time, or several
    with `?multiple=1`."""

    preserve_url_parameters = ["own", "multiple"]
    template_name = "organisation/admin/chooser.html"

    @property
    def is_multiple_choice(self):
        return self.request.GET.get("multiple") == "1"

    @property
    def checkbox_column(self):
        return ChooserCheckboxColumn(
            "select", label=_("Select"), width="1%", accessor="pk"
        )

    def name_column(self, name, label, accessor):
        """The row's name: with several at once, the label of its checkbox;
        otherwise the link that chooses it."""
        if self.is_multiple_choice:
            return TitleColumn(
                name,
                label=label,
                accessor=accessor,
                label_prefix="chooser-modal-select",
            )
        return TitleColumn(
            name,
            label=label,
            accessor=accessor,
            get_url=lambda obj: self.append_preserved_url_parameters(
                reverse(self.chosen_url_name, args=(obj.pk,))
            ),
            link_attrs={"data-chooser-modal-choice": True},
        )

    def can_create(self):
        return False  # people and units come from the HR import

    def chooser_scope(self):
        own = self.request.GET.get("own") == "1"
        return scope_of(self.request.user, delegated=not own)

    def choosable(self, scope):
        raise NotImplementedError

    def get_object_list(self):
        return self.choosable(self.chooser_scope())


class ScopedChosenMixin(ScopedChooserMixin):
    def get_object(self, pk):
        if not _is_id(pk):
            raise Http404
        return self.get_object_list().get(pk=pk)

    def get_edit_item_url(self, instance):
        return None  # the chooser chooses; nothing links to an edit page


class ScopedChosenMultipleMixin(ScopedChosenMixin):
    def get_objects(self, pks):
        """All the ids asked for, or a 404: a malformed id, too many, or one
        outside the scope (or nobody's) names no one and chooses nothing."""
        ids = list(dict.fromkeys(pks))
        if not ids or len(ids) > MAX_CHOSEN_AT_ONCE or not all(map(_is_id, ids)):
            raise Http404
        objects = list(
            self.get_object_list().filter(pk__in=ids).order_by(*self.ordering)
        )
        if len(objects) != len(ids):
            raise Http404
        return objects


class PersonChooserMixin:
    filter_form_class = PersonSearchForm
    ordering = ["last_name", "first_name", "id"]
    per_page = RESULTS_PER_PAGE
    page_title = _("Choose a person")

    def choosable(self, scope):
        return choosable_people(scope)

    @property
    def columns(self):
        return [
            self.name_column("name", _("Name"), person_name),
            Column(
                "employee_number",
                label=_("Employee number"),
                accessor="staff_profile.employee_number",
            ),
            Column("unit", label=_("Unit"), accessor=person_unit),
        ]


class PersonChooseView(
    PersonChooserMixin, ScopedChooserMixin, chooser_views.ChooseView
):
    pass


class PersonChooseResultsView(
    PersonChooserMixin, ScopedChooserMixin, chooser_views.ChooseResultsView
):
    pass


class PersonChosenView(PersonChooserMixin, ScopedChosenMixin, chooser_views.ChosenView):
    def get_display_title(self, instance):
        return person_label(instance)


class PersonChosenMultipleView(
    PersonChooserMixin, ScopedChosenMultipleMixin, chooser_views.ChosenMultipleView
):
    def get_display_title(self, instance):
        return person_label(instance)


class UnitChooserMixin:
    filter_form_class = UnitSearchForm
    ordering = ["path"]
    per_page = RESULTS_PER_PAGE
    page_title = _("Choose a unit")

    def choosable(self, scope):
        return choosable_units(scope)

    @property
    def columns(self):
        return [
            self.name_column("name", _("Unit"), "name"),
            Column("parent", label=_("Part of"), accessor="parent_name"),
        ]


class UnitChooseView(UnitChooserMixin, ScopedChooserMixin, chooser_views.ChooseView):
    pass


class UnitChooseResultsView(
    UnitChooserMixin, ScopedChooserMixin, chooser_views.ChooseResultsView
):
    pass


class UnitChosenView(UnitChooserMixin, ScopedChosenMixin, chooser_views.ChosenView):
    def get_display_title(self, instance):
        return unit_label(instance)


class UnitChosenMultipleView(
    UnitChooserMixin, ScopedChosenMultipleMixin, chooser_views.ChosenMultipleView
):
    def get_display_title(self, instance):
        return unit_label(instance)


class ScopedChooserViewSet(ChooserViewSet):
    """A chooser without the "create" tab: only the modal, its results and
    the chosen steps (one, or several at once)."""

    register_widget = False  # each form names its widget (person or unit)
    preserve_url_parameters = ["own", "multiple"]

    def get_urlpatterns(self):
        return [
            pattern
            for pattern in super().get_urlpatterns()
            if pattern.name in ("choose", "choose_results", "chosen", "chosen_multiple")
        ]


class PersonChooserViewSet(ScopedChooserViewSet):
    model = "auth.User"
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView
    chosen_view_class = PersonChosenView
    chosen_multiple_view_class = PersonChosenMultipleView


class UnitChooserViewSet(ScopedChooserViewSet):
    model = OrgUnit
    icon = "group"
    choose_one_text = _("Choose a unit")
    choose_another_text = _("Choose another unit")
    choose_view_class = UnitChooseView
    choose_results_view_class = UnitChooseResultsView
    chosen_view_class = UnitChosenView
    chosen_multiple_view_class = UnitChosenMultipleView


person_chooser_viewset = PersonChooserViewSet("person_chooser", url_prefix="people")
unit_chooser_viewset = UnitChooserViewSet("unit_chooser", url_prefix="units")


# --- The widgets and form fields --------------------------------------------------


class ScopedChooserWidget(BaseChooser):
    """A chooser widget that shows only a choice of the field's queryset: a
    forged value outside it is shown as nothing chosen, never as a name."""

    show_edit_link = False
    chooser_modal_url_name = None

    def __init__(self, *, own=False, **kwargs):
        self.own = own
        self.queryset = None
        super().__init__(**kwargs)

    def get_chooser_modal_url(self):
        url = reverse(self.chooser_modal_url_name)
        return f"{url}?own=1" if self.own else url

    def get_instance(self, value):
        if value is None or self.queryset is None:
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        if not _is_id(value):
            return None
        return self.queryset.filter(pk=value).first()

    def get_value_data_from_instance(self, instance):
        return {
            "id": instance.pk,
            "edit_url": "",
            self.display_title_key: self.get_display_title(instance),
        }


class PersonChooserWidget(ScopedChooserWidget):
    model = "auth.User"
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    clear_choice_text = _("Clear the choice")
    chooser_modal_url_name = "person_chooser:choose"

    def get_display_title(self, instance):
        return person_label(instance)


class UnitChooserWidget(ScopedChooserWidget):
    model = OrgUnit
    icon = "group"
    choose_one_text = _("Choose a unit")
    choose_another_text = _("Choose another unit")
    clear_choice_text = _("Clear the choice")
    chooser_modal_url_name = "unit_chooser:choose"

    def get_display_title(self, instance):
        return unit_label(instance)


class ScopedChoiceField(forms.ModelChoiceField):
    """A person or a unit chosen with the chooser, among those of a scope.
    Nobody until `limit_to(scope)`: a form that forgets it offers nothing."""

    widget_class = None
    invalid_message = None
    required_message = None

    def __init__(self, label, *, own=False, required=True, **kwargs):
        super().__init__(
            queryset=self.choosable(NOBODY),
            widget=self.widget_class(own=own),
            label=label,
            required=required,
            error_messages={
                "invalid_choice": self.invalid_message,
                "required": self.required_message,
            },
            **kwargs,
        )

    def choosable(self, scope):
        raise NotImplementedError

    def limit_to(self, scope, keep=None):
        """Offer the choices of `scope`, and `keep` (an id already chosen,
        kept on an edit)."""
        allowed = self.choosable(scope)
        if keep is not None and not scope.is_city:
            allowed = allowed | self.choosable(CITY).filter(pk=keep)
        self.queryset = allowed

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.queryset = self.queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)


class PersonChoiceField(ScopedChoiceField):
    widget_class = PersonChooserWidget
    invalid_message = _(
        "There is nobody with that choice in your part of the organisation. "
        "Choose a person with “Choose a person”."
    )
    required_message = _("Choose a person.")

    def choosable(self, scope):
        return choosable_people(scope)

    def label_from_instance(self, obj):
        return person_label(obj)


class UnitChoiceField(ScopedChoiceField):
    widget_class = UnitChooserWidget
    invalid_message = _(
        "There is no such unit in your part of the organisation. "
        "Choose a unit with “Choose a unit”."
    )
    required_message = _("Choose a unit.")

    def choosable(self, scope):
        return choosable_units(scope)

    def label_from_instance(self, obj):
        return unit_label(obj)
