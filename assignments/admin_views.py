"""Wagtail admin pages for mandatory training: assignment rules (draft,
preview, activate, edit with a preview of its effect, deactivate), exemptions
and "require a retake".

Thin: each view checks who may act and where (central HR: the city; a local
competence coordinator: their administration), parses a form and calls one
action in `assignments.actions.rules`. What a preview shows is the plan the
activation then writes.
"""

import csv
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.spreadsheets import csv_text
from courses.models import CoursePage
from organisation.forms import limit_to_scope, person_field
from organisation.models import StaffProfile
from organisation.multiple_choosers import (
    MultiplePersonChoiceField,
    MultipleUnitChoiceField,
)
from organisation.scope import CITY, NOBODY, Scope, scope_of

from .actions import evaluation
from .actions import rules as actions
from .models import Assignment, AssignmentRule, Exemption
from .planning import RuleSpec, active_specs

PREVIEW_ROWS = 200


# --- Who may act, and where -----------------------------------------------------


def rule_scope(user, perm="view"):
    """The unit a user's rules are limited to (None: the city). Central HR
    and superusers: the city; a coordinator: their administration. Anyone
    else — a manager with the permission by mistake, too — may not."""
    if not user.is_authenticated or not user.has_perm(
        f"assignments.{perm}_assignmentrule"
    ):
        raise PermissionDenied
    if scope_of(user).is_city:
        return None
    profile = StaffProfile.objects.filter(user=user).select_related("coordinator_of")
    profile = profile.first()
    if profile and profile.hr_role == StaffProfile.HrRole.COORDINATOR:
        if profile.coordinator_of:
            return profile.coordinator_of
    raise PermissionDenied


def can_manage_rules(user):
    try:
        rule_scope(user)
    except PermissionDenied:
        return False
    return True


def rules_visible_to(user):
    scope = rule_scope(user)
    rules = AssignmentRule.objects.select_related("course", "scope_unit")
    if scope is None:
        return rules
    return rules.filter(scope_unit__path__startswith=scope.path)


def _seen(user, plan):
    """What `user` may see of a plan: a course's plan spans the city (every
    active rule of the course, whoever wrote it), but a coordinator sees, and
    is told the counts of, only the people of their scope, as in the
    reports."""
    scope = scope_of(user)
    if scope.is_city:
        return plan
    if scope.is_empty or not (plan.changes or plan.matched_ids):
        return plan.within(frozenset())
    # Everyone in scope, in one query without a parameter per person (a
    # city's plan has tens of thousands).
    return plan.within(frozenset(scope.users().values_list("pk", flat=True)))


def _rule_for(user, pk, perm="view"):
    scope = rule_scope(user, perm)
    rule = get_object_or_404(
        AssignmentRule.objects.select_related("course", "scope_unit"), pk=pk
    )
    if scope is not None and not (
        rule.scope_unit and rule.scope_unit.path.startswith(scope.path)
    ):
        raise Http404  # another administration's rule is not there for you
    return rule


# --- The form -------------------------------------------------------------------


def _lines(text):
    return [part.strip() for part in re.split(r"[\n,;]+", text or "") if part.strip()]


class CourseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.slug})"


class RuleForm(forms.ModelForm):
    """A rule, with its units and named people chosen with the unit and
    person choosers (searchable, by name; no select of 2,000 units or 40,000
    people), within what the rule may reach: the city, or the coordinator's
    administration."""

    course = CourseChoice(
        label=gettext_lazy("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose a published course."),
            "required": gettext_lazy("Choose a published course."),
        },
    )
    # "own": the chooser lists what is the asker's by role, not the units
    # lent to them; the form checks against what the rule may reach.
    units_with_subtree = MultipleUnitChoiceField(
        gettext_lazy("Units, with their sub-units"),
        own=True,
        help_text=gettext_lazy("For example an administration: everyone below it."),
    )
    units_only = MultipleUnitChoiceField(
        gettext_lazy("Units, without their sub-units"), own=True
    )
    job_titles_text = forms.CharField(
        label=gettext_lazy("Job titles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "One per line, as in the HR system; upper or lower case does not matter."
        ),
    )
    people = MultiplePersonChoiceField(
        gettext_lazy("Named people"),
        own=True,
        help_text=gettext_lazy(
            "Added to the audience whatever their unit or title. Search by name, "
            "employee number or unit."
        ),
    )

    class Meta:
        model = AssignmentRule
        fields = [
            "name",
            "course",
            "everyone",
            "units_with_subtree",
            "units_only",
            "job_titles_text",
            "new_starters_from",
            "people",
            "due_kind",
            "due_date",
            "due_days",
            "grace_days",
            "recurrence",
            "renew_days_before",
        ]
        widgets = {
            "due_kind": forms.RadioSelect,
            "recurrence": forms.RadioSelect,
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "new_starters_from": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
        }
        help_texts = {
            "due_days": gettext_lazy("For “N days after …”: the number of days."),
            "renew_days_before": gettext_lazy(
                "For “keep valid”: how many days before the certificate expires "
                "the next round opens. It is due on the expiry date."
            ),
        }

    # Not plain values of the rule: the course is set on its own, the
    # many-to-many ones when the rule is saved.
    CHOSEN = ("course", "units_with_subtree", "units_only", "people")

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.spec = None
        rule = self.instance
        if rule.pk and not self.is_bound:
            self.initial["job_titles_text"] = "\n".join(rule.job_titles)
        # The model's "due" and "due date" are both "sista datum" in Swedish:
        # on one form, the choice and the date each say what they are.
        self.fields["due_kind"].label = gettext_lazy("When it is due")
        self.fields["due_date"].label = gettext_lazy("Fixed due date")
        # Asked for only when the rule keeps a certificate valid (clean).
        self.fields["renew_days_before"].required = False
        # What the rule may reach; what it names already stays choosable (a
        # unit closed since, a person who moved), shown by name on an edit.
        reach = CITY if scope is None else Scope(unit_paths=(scope.path,))
        for name in ("units_with_subtree", "units_only", "people"):
            field = self.fields[name]
            current = [obj.pk for obj in self.initial.get(name) or ()]
            limit_to_scope(field, reach, keep=current)
            if scope is not None:
                field.error_messages["invalid_choice"] = self._outside_message(
                    name, scope
                )
        for name in ("due_date", "new_starters_from"):
            self.fields[name].input_formats = ["%Y-%m-%d"]
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD."
            )
        if scope is not None:
            self.fields["everyone"].label = _("All staff in %(unit)s") % {
                "unit": scope.name
            }

    @staticmethod
    def _outside_message(name, scope):
        """A choice the coordinator's rule may not reach: named by their
        administration, never by whom or what it was."""
        if name == "people":
            message = _(
                "A chosen person is not in %(unit)s, which you assign for, or "
                "has left, and was taken off the list. Check the list and save "
                "again."
            )
        else:
            message = _(
                "A chosen unit is not in %(unit)s, which you assign for, or is "
                "closed, and was taken off the list. Check the list and save again."
            )
        return message % {"unit": scope.name}

    def clean(self):
        cleaned = super().clean()
        self.subtree_units = cleaned.get("units_with_subtree") or []
        self.only_units = cleaned.get("units_only") or []
        self.people_ids = [person.pk for person in cleaned.get("people") or []]
        cleaned["job_titles"] = list(
            dict.fromkeys(_lines(cleaned.get("job_titles_text")))
        )
        if cleaned.get("renew_days_before") is None:
            if cleaned.get("recurrence") == AssignmentRule.Recurrence.KEEP_VALID:
                self.add_error(
                    "renew_days_before",
                    gettext_lazy(
                        "Say how many days before the certificate expires the "
                        "next round opens."
                    ),
                )
            else:
                cleaned["renew_days_before"] = AssignmentRule._meta.get_field(
                    "renew_days_before"
                ).get_default()
        if self.errors:
            return cleaned
        rule = self.instance
        rule.job_titles = cleaned["job_titles"]
        for name in self.Meta.fields:
            if name in cleaned and name not in self.CHOSEN and hasattr(rule, name):
                setattr(rule, name, cleaned[name])
        rule.course = cleaned.get("course")
        if self.scope is not None:
            rule.scope_unit = self.scope
        self.spec = RuleSpec.of(
            rule,
            subtree_ids=[u.pk for u in self.subtree_units],
            only_ids=[u.pk for u in self.only_units],
            people_ids=self.people_ids,
        )
        try:
            actions.check_rule(self.spec, rule.course)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                for message in messages_:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def save(self, commit=True):
        rule = super().save(commit=False)
        rule.job_titles = self.cleaned_data["job_titles"]
        if self.scope is not None:
            rule.scope_unit = self.scope
        rule.save()
        rule.units_with_subtree.set(self.subtree_units)
        rule.units_only.set(self.only_units)
        rule.people.set(self.people_ids)
        return rule


# --- Views ------------------------------------------------------------------------


def rule_index(request):
    visible = rules_visible_to(request.user)
    # The open assignments of the course among the people the viewer sees.
    in_scope = scope_of(request.user).user_q("course__assignments__person__")
    rules = list(
        visible.annotate(
            open_count=Count(
                "course__assignments",
                filter=Q(course__assignments__state=Assignment.State.OPEN) & in_scope,
            )
        )
    )
    return render(
        request,
        "assignments/admin/rule_index.html",
        {
            "rules": rules,
            "can_add": request.user.has_perm("assignments.add_assignmentrule"),
        },
    )


def _render_form(request, form, rule=None, status=200):
    return render(
        request,
        "assignments/admin/rule_form.html",
        {"form": form, "rule": rule},
        status=400 if form.errors else status,
    )


def rule_create(request):
    scope = rule_scope(request.user, "add")
    form = RuleForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        rule = form.instance
        actions.save_rule(request.user, rule, form)
        messages.success(
            request,
            _("The rule is saved as a draft. Check the preview, then activate it."),
        )
        return redirect("assignment_rule_preview", rule.pk)
    return _render_form(request, form)


def rule_edit(request, pk):
    rule = _rule_for(request.user, pk, "change")
    scope = rule_scope(request.user, "change")
    form = RuleForm(request.POST or None, instance=rule, scope=scope)
    if request.method == "POST" and form.is_valid():
        if rule.active and request.POST.get("confirmed") != "yes":
            # An active rule's change is shown before it is made.
            plan = _seen(request.user, actions.preview_rule(rule, form.spec))
            return _render_plan(
                request,
                rule,
                plan,
                mode="confirm_edit",
                hidden=[
                    (k, v)
                    for k in request.POST
                    for v in request.POST.getlist(k)
                    if k not in ("csrfmiddlewaretoken", "confirmed")
                ],
            )
        plan = actions.save_rule(request.user, rule, form)
        if plan is None:
            messages.success(request, _("The draft is saved."))
            return redirect("assignment_rule_preview", rule.pk)
        messages.success(request, _summary(_seen(request.user, plan)))
        return redirect("assignment_rules")
    return _render_form(request, form, rule)


def _summary(plan):
    counts = plan.counts()
    gained = counts["assign"] + counts["reopen"] + counts["renew"]
    return _(
        "Done: %(gained)s assigned, %(withdrawn)s withdrawn, %(moved)s due dates moved."
    ) % {
        "gained": gained,
        "withdrawn": counts["withdraw"],
        "moved": counts["due_moved"],
    }


def _rows(plan, changes):
    """Up to PREVIEW_ROWS changes, sorted by name, with the people in one query."""
    people = plan.people(changes)
    rows = []
    for change in changes:
        person = people.get(change.person_id)
        if person is None:
            continue
        profile = getattr(person, "staff_profile", None)
        rows.append(
            {
                "change": change,
                "name": person.get_full_name() or person.get_username(),
                "employee_number": profile.employee_number if profile else "",
                "reasons": change.reasons,
            }
        )
    rows.sort(key=lambda row: row["name"])
    return rows


def _render_plan(request, rule, plan, *, mode, hidden=()):
    groups = [
        ("gains", _("Will be assigned"), plan.gains),
        ("losses", _("Will have their assignment withdrawn"), plan.losses),
        ("moved", _("Due date moves"), plan.of_kind("due_moved")),
        ("exempt", _("Exempt"), plan.of_kind("exempt")),
        ("done", _("Assigned, already completed"), plan.of_kind("already_done")),
    ]
    sections = []
    for key, title, changes in groups:
        if changes:
            shown = sorted(changes, key=lambda c: c.person_id)[:PREVIEW_ROWS]
            sections.append(
                {
                    "key": key,
                    "title": title,
                    "count": len(changes),
                    "rows": _rows(plan, shown),
                    "more": max(0, len(changes) - PREVIEW_ROWS),
                }
            )
    return render(
        request,
        "assignments/admin/rule_preview.html",
        {
            "rule": rule,
            "plan": plan,
            "counts": plan.counts(),
            "sections": sections,
            "mode": mode,
            "hidden": hidden,
            "today": plan.today,
        },
    )


def rule_preview(request, pk):
    rule = _rule_for(request.user, pk)
    plan = _seen(request.user, actions.preview_rule(rule, RuleSpec.of(rule)))
    if request.GET.get("format") == "csv":
        return _plan_csv(rule, plan)
    return _render_plan(
        request, rule, plan, mode="deactivate_preview" if rule.active else "activate"
    )


class _Echo:
    def write(self, value):
        return value


def _plan_csv(rule, plan):
    """Everyone in the preview, not only the first rows shown on screen."""
    writer = csv.writer(_Echo(), delimiter=";")
    people = plan.people(plan.changes)

    def lines():
        yield "\ufeff"
        yield writer.writerow(
            [_("Change"), _("Employee number"), _("Name"), _("Due date")]
        )
        for change in plan.changes:
            person = people.get(change.person_id)
            if person is None:
                continue
            profile = getattr(person, "staff_profile", None)
            yield writer.writerow(
                [
                    change.kind,
                    csv_text(profile.employee_number if profile else ""),
                    csv_text(person.get_full_name()),
                    change.due_date.isoformat() if change.due_date else "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rule-{rule.pk}-preview-{timezone.localdate()}.csv"'
    )
    return response


@require_POST
def rule_activate(request, pk):
    rule = _rule_for(request.user, pk, "change")
    try:
        plan = _seen(request.user, actions.activate_rule(request.user, rule))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("assignment_rule_edit", rule.pk)
    messages.success(
        request,
        ngettext(
            "The rule is active: %(count)s person was assigned.",
            "The rule is active: %(count)s people were assigned.",
            len(plan.gains),
        )
        % {"count": len(plan.gains)},
    )
    return redirect("assignment_rules")


def rule_deactivate(request, pk):
    rule = _rule_for(request.user, pk, "change")
    if request.method == "POST":
        plan = _seen(request.user, actions.deactivate_rule(request.user, rule))
        messages.success(request, _summary(plan))
        return redirect("assignment_rules")
    specs = [s for s in active_specs(rule.course_id) if s.id != rule.pk]
    plan = _seen(request.user, evaluation.plan_for_course(rule.course_id, specs=specs))
    return _render_plan(request, rule, plan, mode="deactivate")


@require_POST
def rule_delete(request, pk):
    rule = _rule_for(request.user, pk, "delete")
    if rule.active:
        messages.error(request, _("Deactivate the rule before deleting it."))
        return redirect("assignment_rules")
    name = rule.name
    actions.delete_rule(request.user, rule)
    messages.success(request, _("The rule “%(rule)s” is deleted.") % {"rule": name})
    return redirect("assignment_rules")


# --- Exemptions ---------------------------------------------------------------------


class ExemptionForm(forms.ModelForm):
    person = person_field(gettext_lazy("Person"))
    course = CourseChoice(
        label=gettext_lazy("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        error_messages={"invalid_choice": gettext_lazy("Choose a published course.")},
    )

    class Meta:
        model = Exemption
        fields = ["person", "course", "reason", "valid_until"]
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        # Only active people of the viewer's scope: anyone else is a form
        # error, and nothing is saved.
        limit_to_scope(self.fields["person"], scope_of(viewer) if viewer else NOBODY)
        self.fields["valid_until"].input_formats = ["%Y-%m-%d"]
        self.fields["valid_until"].error_messages["invalid"] = _(
            "Enter a date as YYYY-MM-DD."
        )

    def clean_valid_until(self):
        until = self.cleaned_data["valid_until"]
        if until and until < timezone.localdate():
            raise ValidationError(_("The date has passed."))
        return until

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason."))
        return reason

    def clean(self):
        cleaned = super().clean()
        person, course = cleaned.get("person"), cleaned.get("course")
        person_id = person.pk if person else None
        if person_id and course:
            existing = Exemption.objects.filter(person_id=person_id, course=course)
            if existing.exists():
                raise ValidationError(
                    _("This person already has an exemption from this course.")
                )
        return cleaned


def _exemption_scope(user, perm):
    if not user.is_authenticated or not user.has_perm(f"assignments.{perm}_exemption"):
        raise PermissionDenied
    if not can_manage_rules(user):
        raise PermissionDenied


def exemption_index(request):
    _exemption_scope(request.user, "view")
    people = scope_of(request.user).people().values("user_id")
    exemptions = (
        Exemption.objects.filter(person__in=people)
        .select_related("person", "person__staff_profile", "course", "created_by")
        .order_by("person__last_name", "person__first_name")
    )
    form = ExemptionForm(viewer=request.user)
    return render(
        request,
        "assignments/admin/exemptions.html",
        {"exemptions": exemptions[:500], "form": form, "today": timezone.localdate()},
    )


@require_POST
def exemption_add(request):
    _exemption_scope(request.user, "add")
    form = ExemptionForm(request.POST, viewer=request.user)
    if form.is_valid():
        exemption = form.save(commit=False)
        actions.grant_exemption(request.user, exemption)
        messages.success(request, _("The exemption is saved and applied."))
        return redirect("exemptions")
    people = scope_of(request.user).people().values("user_id")
    return render(
        request,
        "assignments/admin/exemptions.html",
        {
            "exemptions": Exemption.objects.filter(person__in=people).select_related(
                "person", "person__staff_profile", "course", "created_by"
            )[:500],
            "form": form,
            "today": timezone.localdate(),
        },
        status=400,
    )


@require_POST
def exemption_end(request, pk):
    _exemption_scope(request.user, "delete")
    people = scope_of(request.user).people().values("user_id")
    exemption = get_object_or_404(Exemption.objects.filter(person__in=people), pk=pk)
    actions.end_exemption(request.user, exemption)
    messages.success(request, _("The exemption has ended."))
    return redirect("exemptions")


# --- Require a retake ----------------------------------------------------------------


class RetakeForm(forms.Form):
    course = CourseChoice(
        label=gettext_lazy("Course"),
        queryset=CoursePage.objects.live().order_by("title"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose a published course."),
            "required": gettext_lazy("Choose a published course."),
        },
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy(
            "Shown to the people concerned, for example “The course was revised "
            "after the new law of 1 July”."
        ),
    )


def can_require_retake(user):
    return (
        user.is_authenticated
        and user.has_perm("assignments.require_retake")
        and scope_of(user).is_city
    )


def require_retake(request):
    """Central HR only: it reaches everyone in the city holding the course."""
    if not can_require_retake(request.user):
        raise PermissionDenied
    form = RetakeForm(request.POST or None)
    holders = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirmed") == "yes":
            try:
                count = actions.require_retake(
                    request.user, data["course"], data["due_date"], data["reason"]
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "A new round is open for %(count)s person.",
                        "A new round is open for %(count)s people.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("require_retake")
        else:
            holders = len(actions.holders_of(data["course"].pk))
    return render(
        request,
        "assignments/admin/retake.html",
        {"form": form, "holders": holders},
        status=400 if form.errors else 200,
    )
