"""Goals HR follows up, in the Wagtail admin."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

import core.converters  # noqa: F401  (registers <id:...>)
from organisation.models import OrgUnit

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


class GoalCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        return instance


class ReportGoalViewSet(ModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = ReportGoal
    icon = "pick"
    menu_label = _("Goals")
    add_to_admin_menu = True
    menu_order = 297
    list_display = ["course", "unit", "target_percent", "deadline", "created_by"]
    add_view_class = GoalCreateView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return GoalForm
