"""Wagtail admin views of the organisation: the audit log (read only) and
delegations of units, each scoped like the reports (`organisation.scope`).

- The audit log: central HR and superusers read all of it. Anyone else with
  the permission (a local coordinator) reads the events about the people and
  units of their scope: done by a person in it (`actor`), or about a person
  in it (`details["person"]`, `details["learner"]`: an exemption, a
  completion recorded elsewhere) or a unit in it (`details["unit"]`: a
  delegation, a report of the unit). Events done by nobody (the system, a
  failed sign-in of an unknown name) and imports are the city's.
- Delegations: central HR and superusers delegate any unit to anyone. Anyone
  else with the permission works on the units theirs by role (the
  administration they coordinate, the units they head; not units delegated
  to them, which are not theirs to lend further) and delegates them to
  people of that same scope: a delegation widens the delegate's report
  scope, so it is granted by whoever is responsible for both the unit and
  the person; a deputy from another administration is central HR's to grant.
"""

from django.db import transaction
from django.db.models import CharField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView, DeleteView, EditView

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import ScopedModelViewSet, person_column
from core.admin_labels import NewItemLabelViewSetMixin

from .forms import limit_to_scope, person_field, unit_field
from .models import AuditEvent, UnitDelegation
from .querysets import subtree_of
from .scope import NOBODY, scope_of


def audit_events_in_scope(user, queryset):
    """The audit events `user` may read (see the module's docstring)."""
    scope = scope_of(user)
    if scope.is_city:
        return queryset
    if scope.is_empty:
        return queryset.none()
    user_keys = scope.users().annotate(key=Cast("pk", CharField())).values("key")
    unit_codes = scope.units().values("hr_code")
    return queryset.alias(
        person_key=KeyTextTransform("person", "details"),
        learner_key=KeyTextTransform("learner", "details"),
        unit_key=KeyTextTransform("unit", "details"),
    ).filter(
        scope.user_q("actor__")
        | Q(person_key__in=user_keys)
        | Q(learner_key__in=user_keys)
        | Q(unit_key__in=unit_codes)
    )


class AuditEventViewSet(ScopedModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = AuditEvent
    icon = "history"
    menu_label = _("Audit log")
    add_to_admin_menu = True
    menu_order = 330
    list_display = ["created_at", person_column("actor", _("who")), "action", "summary"]
    list_filter = ["action"]
    list_select_related = ["actor"]
    search_fields = [
        "summary",
        "actor__username",
        "actor__first_name",
        "actor__last_name",
    ]
    inspect_view_enabled = True
    # The summary as its reader's language says it (get_summary_display),
    # not the key and values it is kept as.
    inspect_view_fields = ["created_at", "actor", "action", "summary", "details"]
    copy_view_enabled = False
    form_fields = ["summary"]

    def rows_for(self, user, queryset=None):
        if queryset is None:
            queryset = AuditEvent.objects.all()
        return audit_events_in_scope(user, queryset)


# --- Delegations ------------------------------------------------------------------


def granting_scope(user):
    """The scope a person delegates within: theirs, without the units
    delegated to them."""
    return scope_of(user, delegated=False) if user else NOBODY


def delegations_in_scope(user, queryset):
    scope = granting_scope(user)
    if scope.is_city:
        return queryset
    return queryset.filter(subtree_of(scope.unit_paths, "unit__path"))


class DelegationForm(WagtailAdminModelForm):
    unit = unit_field(_("Unit"), own=True)
    delegate = person_field(_("Delegate"), own=True)

    class Meta:
        model = UnitDelegation
        fields = ["unit", "delegate", "valid_from", "valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = granting_scope(self.for_user)
        # Only the units theirs to delegate, and the people of that scope,
        # are offered; a forged POST of another is a form error.
        limit_to_scope(self.fields["unit"], scope, keep=self.instance.unit_id)
        limit_to_scope(
            self.fields["delegate"], scope, keep=self.instance.delegate_id or None
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error(
                "valid_until", _("The period must end on or after its start.")
            )
        return cleaned


def _audit_delegation(user, instance, change):
    AuditEvent.objects.create(
        actor=user,
        action=AuditEvent.Action.DELEGATION,
        summary=str(instance)[:500],
        details={
            "unit": instance.unit.hr_code,
            "delegate": instance.delegate.get_username(),
            "valid_from": instance.valid_from.isoformat(),
            "valid_until": instance.valid_until.isoformat(),
            "change": change,
        },
    )


class DelegationCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        _audit_delegation(self.request.user, instance, "create")
        return instance


class DelegationEditView(EditView):
    def save_instance(self):
        instance = super().save_instance()
        _audit_delegation(self.request.user, instance, "edit")
        return instance


class DelegationDeleteView(DeleteView):
    def delete_action(self):
        with transaction.atomic():
            _audit_delegation(self.request.user, self.object, "delete")
            super().delete_action()


class UnitDelegationViewSet(NewItemLabelViewSetMixin, ScopedModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = UnitDelegation
    icon = "group"
    menu_label = _("Delegations")
    new_item_label = _("New delegation")
    add_to_admin_menu = True
    menu_order = 325
    list_display = [
        "unit",
        person_column("delegate", _("delegate")),
        "valid_from",
        "valid_until",
        person_column("created_by", _("created by")),
    ]
    list_select_related = ["unit", "delegate", "created_by"]
    search_fields = [
        "unit__name",
        "unit__hr_code",
        "delegate__first_name",
        "delegate__last_name",
        "delegate__staff_profile__employee_number",
    ]
    add_view_class = DelegationCreateView
    edit_view_class = DelegationEditView
    delete_view_class = DelegationDeleteView
    copy_view_enabled = False

    def rows_for(self, user, queryset=None):
        if queryset is None:
            queryset = UnitDelegation.objects.all()
        return delegations_in_scope(user, queryset)

    def get_form_class(self, for_update=False):
        return DelegationForm
