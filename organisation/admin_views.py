"""Wagtail admin views of the organisation: the audit log (read only) and
delegations of units."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

import core.converters  # noqa: F401  (registers <id:...>)

from .forms import person_by_username
from .models import AuditEvent, UnitDelegation


class AuditEventViewSet(ModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = AuditEvent
    icon = "history"
    menu_label = _("Audit log")
    add_to_admin_menu = True
    menu_order = 330
    list_display = ["created_at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__username", "actor__last_name"]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["summary"]


class DelegationForm(WagtailAdminModelForm):
    delegate = person_by_username(_("Delegate (username)"))

    class Meta:
        model = UnitDelegation
        fields = ["unit", "delegate", "valid_from", "valid_until"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error(
                "valid_until", _("The period must end on or after its start.")
            )
        return cleaned


class DelegationCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        AuditEvent.objects.create(
            actor=self.request.user,
            action=AuditEvent.Action.DELEGATION,
            summary=str(instance),
            details={
                "unit": instance.unit.hr_code,
                "delegate": instance.delegate.get_username(),
                "valid_from": instance.valid_from.isoformat(),
                "valid_until": instance.valid_until.isoformat(),
            },
        )
        return instance


class UnitDelegationViewSet(ModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = UnitDelegation
    icon = "group"
    menu_label = _("Delegations")
    add_to_admin_menu = True
    menu_order = 325
    list_display = ["unit", "delegate", "valid_from", "valid_until", "created_by"]
    search_fields = ["unit__name", "unit__hr_code", "delegate__username"]
    add_view_class = DelegationCreateView
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return DelegationForm
