"""What a reminder message says: built from its items when it is sent, in
the recipient's language, leaving out anything completed meanwhile."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment
from core import vocabulary
from notifications.models import Notification

from .models import NotificationItem

Trigger = NotificationItem.Trigger
Kind = Notification.Kind

SUBJECTS = {
    Kind.REMINDERS: _("Reminder: training to complete in Kompetens"),
    Kind.DIGEST: _("Your training this week in Kompetens"),
    Kind.MANAGER_DIGEST: _("Your team's training this week in Kompetens"),
    Kind.MANUAL: _("Reminder from your manager: training to complete"),
}
OWN = {
    Trigger.BEFORE,
    Trigger.DUE,
    Trigger.OVERDUE,
    Trigger.EXPIRING,
    Trigger.MANUAL,
    Trigger.DIGEST,
}
ESCALATIONS = {Trigger.ESCALATE_MANAGER, Trigger.ESCALATE_HR}


def _still_due(item):
    if item.assignment_id is None:
        return item.trigger == Trigger.EXPIRING
    return (
        item.assignment is not None and item.assignment.state == Assignment.State.OPEN
    )


def _row(item, today):
    course = item.course
    url = settings.SITE_URL + (course.url if course and course.live else "/")
    overdue = bool(
        item.due_date and item.due_date < today and item.trigger != Trigger.EXPIRING
    )
    person = item.person
    expiring = item.trigger == Trigger.EXPIRING
    return {
        "course_title": item.course_title,
        "course_url": url,
        "due_date": item.due_date,
        "overdue": overdue,
        "days_overdue": (today - item.due_date).days if overdue else 0,
        "expiring": expiring,
        # Said as every page says it (`core.vocabulary`): "Due in 5 days".
        "due": None if expiring else vocabulary.due(item.due_date, today),
        "person_name": person.get_full_name() or person.get_username(),
    }


def compose(notification):
    """(template, subject, context) for the message, or None if nothing in
    it is still due."""
    today = timezone.localdate()
    items = list(
        notification.items.select_related("assignment", "course", "person").order_by(
            "due_date", "course_title", "pk"
        )
    )
    own, team, seen = [], [], set()
    for item in items:
        if not _still_due(item):
            continue
        if notification.kind == Kind.MANAGER_DIGEST or item.trigger in ESCALATIONS:
            team.append(_row(item, today))
        elif item.trigger in OWN:
            # The digest lists an assignment once, whatever triggered it too.
            marker = item.assignment_id or f"c{item.certificate_id}"
            if marker in seen:
                continue
            seen.add(marker)
            own.append(_row(item, today))
    if not own and not team:
        return None
    recipient = notification.recipient
    context = {
        "recipient": recipient,
        "kind": notification.kind,
        "own": own,
        "team": team,
        "any_overdue": any(row["overdue"] for row in own),
        "my_learning_url": settings.SITE_URL + reverse("learners:my_learning"),
        "team_url": settings.SITE_URL + reverse("reports:team"),
        "notifications_url": settings.SITE_URL + reverse("reminders:notifications"),
    }
    return "reminders/emails/reminders", SUBJECTS[notification.kind], context
