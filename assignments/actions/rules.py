"""HR's actions on mandatory training: activating, changing and deleting
rules, exemptions, and retakes. Each is atomic, checks permission, writes an
audit event, and brings the course's assignments in step under the course's
lock (`evaluation`). Running one twice changes nothing the second time.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learners import xapi_events as xapi
from learners.models import Enrolment
from organisation.models import AuditEvent

from ..models import Assignment, AssignmentRule, Exemption
from ..planning import Plan, RuleSpec, active_specs
from .evaluation import (
    evaluate_course,
    lock_course,
    plan_for_course,
)

# --- HR's actions -------------------------------------------------------------


def _require(actor, perm):
    if not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You may not change assignment rules."))


def check_rule(spec: RuleSpec, course):
    """Everything a rule needs before it can assign anyone."""
    errors = {}
    if course is None or not course.live:
        errors["course"] = _("Choose a published course.")
    elif course.retired:
        errors["course"] = _("This course is retired and takes no new assignments.")
    if not (spec.everyone or spec.has_criteria or spec.people_ids):
        errors["everyone"] = _(
            "Choose who the rule is for: all staff, units, job titles, new "
            "starters or named people."
        )
    if spec.everyone and (spec.subtree_unit_ids or spec.only_unit_ids):
        errors["units_with_subtree"] = _(
            "A rule for all staff cannot also be limited to units."
        )
    if spec.due_kind == AssignmentRule.DueKind.FIXED and not spec.due_date:
        errors["due_date"] = _("Give the due date.")
    if spec.due_kind != AssignmentRule.DueKind.FIXED and not spec.due_days:
        errors["due_days"] = _("Give the number of days.")
    if spec.keeps_valid and course is not None and course.validity_kind == "none":
        errors["recurrence"] = _(
            "The course's certificate does not expire: there is nothing to keep "
            "valid. Set a validity on the course first."
        )
    if errors:
        raise ValidationError(errors)


def _audit(actor, action, summary_key, values, **details):
    AuditEvent.objects.record(action, summary_key, values, actor=actor, details=details)


def _name(person):
    return person.get_full_name() or person.get_username()


def activate_rule(actor, rule: AssignmentRule, today=None) -> Plan:
    """Activate a rule: its audience is assigned at once."""
    _require(actor, "assignments.change_assignmentrule")
    check_rule(RuleSpec.of(rule), rule.course)
    with transaction.atomic():
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        if not locked.active:
            locked.active = True
            locked.activated_at = timezone.now()
            locked.save(update_fields=["active", "activated_at", "updated_at"])
        plan = evaluate_course(locked.course_id, today)
        _audit(
            actor,
            AuditEvent.Action.RULE_CHANGE,
            "rule_activated",
            {"rule": rule.name},
            rule=rule.pk,
            change="activate",
            counts=plan.counts(),
        )
    rule.active = True
    return plan


def deactivate_rule(actor, rule: AssignmentRule, today=None) -> Plan:
    """Deactivate a rule: open assignments it alone gave are withdrawn
    (history kept, completions stay)."""
    _require(actor, "assignments.change_assignmentrule")
    with transaction.atomic():
        AssignmentRule.objects.filter(pk=rule.pk).update(
            active=False, updated_at=timezone.now()
        )
        plan = (
            evaluate_course(rule.course_id, today)
            if rule.course_id
            else Plan(0, today or timezone.localdate())
        )
        _audit(
            actor,
            AuditEvent.Action.RULE_CHANGE,
            "rule_deactivated",
            {"rule": rule.name},
            rule=rule.pk,
            change="deactivate",
            counts=plan.counts(),
        )
    rule.active = False
    return plan


def delete_rule(actor, rule: AssignmentRule):
    """Delete an inactive rule. Its assignments keep their history: the
    reasons stored on them name it."""
    _require(actor, "assignments.delete_assignmentrule")
    if rule.active:
        raise ValidationError(_("Deactivate the rule before deleting it."))
    with transaction.atomic():
        _audit(
            actor,
            AuditEvent.Action.RULE_CHANGE,
            "rule_deleted",
            {"rule": rule.name},
            rule=rule.pk,
            change="delete",
        )
        rule.delete()


def preview_rule(rule: AssignmentRule, spec: RuleSpec, today=None) -> Plan:
    """What activating `spec` (a draft, or an active rule's edit) would change:
    the plan of the course's active rules with this one in its new form."""
    specs = [s for s in active_specs(spec.course_id) if s.id != rule.pk]
    recompute = {rule.pk} if rule.pk and rule.active else ()
    return plan_for_course(
        spec.course_id,
        today,
        specs=[*specs, spec],
        recompute_rule_ids=recompute,
    )


def save_rule(actor, rule: AssignmentRule, form, today=None) -> Plan | None:
    """Save a rule from its admin form. An active rule is re-evaluated at
    once (its preview was shown first); a draft just saves."""
    _require(
        actor,
        "assignments.change_assignmentrule"
        if rule.pk
        else "assignments.add_assignmentrule",
    )
    with transaction.atomic():
        was_active = bool(rule.pk) and rule.active
        old_course_id = (
            AssignmentRule.objects.filter(pk=rule.pk)
            .values_list("course_id", flat=True)
            .first()
        )
        if rule.pk is None:
            rule.created_by = actor
        rule = form.save()
        plan = None
        if was_active:
            check_rule(RuleSpec.of(rule), rule.course)
            plan = evaluate_course(rule.course_id, today, recompute_rule_ids={rule.pk})
            if old_course_id and old_course_id != rule.course_id:
                evaluate_course(old_course_id, today)
        _audit(
            actor,
            AuditEvent.Action.RULE_CHANGE,
            "rule_changed" if old_course_id else "rule_created",
            {"rule": rule.name},
            rule=rule.pk,
            change="edit" if old_course_id else "create",
            fields=sorted(form.changed_data),
            counts=plan.counts() if plan else None,
        )
    return plan


def grant_exemption(actor, exemption: Exemption, today=None):
    """Save an exemption and apply it at once; the assignment shows as exempt."""
    _require(actor, "assignments.add_exemption")
    with transaction.atomic():
        if exemption.pk is None:
            exemption.created_by = actor
        exemption.save()
        evaluate_course(exemption.course_id, today)
        _audit(
            actor,
            AuditEvent.Action.EXEMPTION,
            "exempted",
            {"person": _name(exemption.person), "course": exemption.course.title},
            person=exemption.person_id,
            course=exemption.course_id,
            reason=exemption.reason,
            until=exemption.valid_until.isoformat() if exemption.valid_until else None,
        )
    return exemption


def end_exemption(actor, exemption: Exemption, today=None):
    _require(actor, "assignments.delete_exemption")
    with transaction.atomic():
        course_id, person = exemption.course_id, exemption.person
        exemption.delete()
        evaluate_course(course_id, today)
        _audit(
            actor,
            AuditEvent.Action.EXEMPTION,
            "exemption_ended",
            {"person": _name(person)},
            person=person.pk,
            course=course_id,
            change="end",
        )


def holders_of(course_id):
    """People whose latest cycle of the course is completed (not revoked) and
    who are active: who a retake applies to."""
    holders = {}
    rows = (
        Enrolment.objects.filter(course_id=course_id, learner__is_active=True)
        .order_by("learner_id", "-cycle")
        .values_list("learner_id", "cycle", "completed_at", "certificate__revoked_at")
    )
    seen = set()
    for learner_id, cycle, completed_at, revoked_at in rows:
        if learner_id in seen:
            continue
        seen.add(learner_id)
        if completed_at and revoked_at is None:
            holders[learner_id] = cycle
    return holders


def require_retake(actor, course, due_date: date, reason: str, today=None) -> int:
    """Everyone holding the course must take it again (after a substantial
    revision): a new cycle opens for each, due on `due_date`. Returns how
    many. Safe to run twice: people already in an open cycle are skipped."""
    _require(actor, "assignments.require_retake")
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    errors = {}
    if course is None or not course.live:
        errors["course"] = _("Choose a published course.")
    if not reason:
        errors["reason"] = _("Give the reason, for example what was revised.")
    if due_date is None or due_date < today + timedelta(days=1):
        errors["due_date"] = _("The due date must be after today.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_course(course.pk)
        holders = holders_of(course.pk)
        assigned = dict(
            Assignment.objects.filter(course=course, person_id__in=holders)
            .order_by("person_id", "cycle")
            .values_list("person_id", "cycle")
        )
        why = [{"kind": "retake", "reason": reason, "on": today.isoformat()}]
        rows, enrolments = [], []
        for person_id, cycle in holders.items():
            new_cycle = max(cycle, assigned.get(person_id, 0)) + 1
            rows.append(
                Assignment(
                    person_id=person_id,
                    course=course,
                    course_title=course.title,
                    cycle=new_cycle,
                    source=Assignment.Source.RETAKE,
                    assigned_on=today,
                    due_date=due_date,
                    reasons=why,
                )
            )
            enrolments.append(
                Enrolment(
                    learner_id=person_id,
                    course=course,
                    cycle=new_cycle,
                    course_title=course.title,
                )
            )
        Assignment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        Enrolment.objects.bulk_create(
            enrolments, batch_size=2000, ignore_conflicts=True
        )
        if enrolments:
            xapi.enrolled_many(enrolment.registration for enrolment in enrolments)
        _audit(
            actor,
            AuditEvent.Action.RETAKE,
            "retake",
            {"count": len(rows), "course": course.title},
            course=course.pk,
            reason=reason,
            due_date=due_date.isoformat(),
            count=len(rows),
        )
    return len(rows)
