"""Goals HR follows up, in the Wagtail admin, scoped like the reports: central
HR and superusers set goals anywhere and for the whole city; anyone else with
the permission (a local coordinator) lists, sets, edits and deletes only the
goals of units theirs by role (their administration; not units delegated to
them), and no goal for the whole city."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet
from organisation.models import OrgUnit
from organisation.querysets import subtree_of
from organisation.scope import NOBODY, scope_of

from .models import ReportGoal


class GoalForm(WagtailAdminModelForm):
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.all(),
        to_field_name="hr_code",
        required=False,
        widget=forms.TextInput,
        label=_("Part of the organisation (HR code; empty: the whole city)"),
        error_messages={"invalid_choice": _("There is no unit with that HR code.")},
    )

    class Meta:
        model = ReportGoal
        fields = ["course", "unit", "target_percent", "deadline"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = goal_scope(self.for_user) if self.for_user else NOBODY
        if not self.scope.is_city:
            field = self.fields["unit"]
            field.queryset = self.scope.units()
            field.error_messages["invalid_choice"] = _(
                "There is no unit with that HR code in your part of the organisation."
            )

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        if unit is None and not self.scope.is_city:
            raise ValidationError(
                _("Only central HR sets goals for the whole city. Give an HR code.")
            )
        return unit


def goal_scope(user):
    """Goals are set for units theirs by role, not for units lent to them."""
    return scope_of(user, delegated=False)


def goals_in_scope(user, queryset):
    scope = goal_scope(user)
    if scope.is_city:
        return queryset
    return queryset.filter(subtree_of(scope.unit_paths, "unit__path"))


class GoalCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        return instance


class ReportGoalViewSet(ScopedModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = ReportGoal
    list_select_related = ["course", "unit", "created_by"]
    icon = "pick"
    menu_label = _("Goals")
    add_to_admin_menu = True
    menu_order = 297
    list_display = ["course", "unit", "target_percent", "deadline", "created_by"]
    add_view_class = GoalCreateView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return GoalForm

    def rows_for(self, user, queryset=None):
        if queryset is None:
            queryset = ReportGoal.objects.all()
        return goals_in_scope(user, queryset)
