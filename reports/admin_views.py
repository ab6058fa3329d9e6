"""Goals HR follows up, in the Wagtail admin, scoped like the reports: central
HR and superusers set goals anywhere and for the whole city; anyone else with
the permission (a local coordinator) lists, sets, edits and deletes only the
goals of units theirs by role (their administration; not units delegated to
them), and no goal for the whole city."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet, person_column
from core.admin_labels import NewItemLabelViewSetMixin
from organisation.forms import limit_to_scope, unit_field
from organisation.querysets import subtree_of
from organisation.scope import NOBODY, scope_of

from .models import ReportGoal

CITY_GOAL_REFUSED = _("Only central HR sets goals for the whole city. Choose a unit.")


class GoalForm(WagtailAdminModelForm):
    unit = unit_field(
        _("Part of the organisation"),
        own=True,
        required=False,
        help_text=_("No unit chosen: the whole city."),
    )

    class Meta:
        model = ReportGoal
        fields = ["course", "unit", "target_percent", "deadline"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = goal_scope(self.for_user) if self.for_user else NOBODY
        limit_to_scope(self.fields["unit"], self.scope, keep=self.instance.unit_id)
        if not self.scope.is_city:
            # "No unit: the whole city" is not theirs to choose: the form says
            # so before they send it, not after.
            unit = self.fields["unit"]
            unit.required = True
            unit.help_text = _("A unit of your administration.")
            unit.error_messages["required"] = CITY_GOAL_REFUSED

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        if unit is None and not self.scope.is_city:
            raise ValidationError(CITY_GOAL_REFUSED)
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


class ReportGoalViewSet(NewItemLabelViewSetMixin, ScopedModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = ReportGoal
    list_select_related = ["course", "unit", "created_by"]
    icon = "pick"
    menu_label = _("Goals")
    new_item_label = _("New goal")
    add_to_admin_menu = True
    menu_order = 297
    list_display = [
        "course",
        "unit",
        "target_percent",
        "deadline",
        person_column("created_by", _("created by")),
    ]
    add_view_class = GoalCreateView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return GoalForm

    def rows_for(self, user, queryset=None):
        if queryset is None:
            queryset = ReportGoal.objects.all()
        return goals_in_scope(user, queryset)
