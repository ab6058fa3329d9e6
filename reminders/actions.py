"""A manager reminds someone now: one person, or everyone overdue in their
scope (`organisation.scope`). At most once a day per person and course (the
item key), logged; running it twice the same day reminds nobody twice."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import Assignment
from core.tasks import enqueue_on_commit
from notifications.models import Notification
from organisation.models import AuditEvent
from organisation.scope import scope_of

from .models import NotificationItem
from .planning import manual_message_key


def remind_now(actor, profiles, *, overdue_only=False):
    """Remind the people of `profiles` (a StaffProfile queryset) of their open
    required training. Returns (people reminded, people already reminded
    today or with nothing to remind of)."""
    scope = scope_of(actor)
    if not scope.people().exists():
        raise PermissionDenied(_("You have nobody to remind."))
    today = timezone.localdate()
    people = profiles.filter(scope.person_q(), user__is_active=True).filter(
        Q(on_leave_until__isnull=True) | Q(on_leave_until__lt=today)
    )
    open_rows = Assignment.objects.filter(
        person__staff_profile__in=people,
        state=Assignment.State.OPEN,
        course__live=True,
        course__retired=False,
    )
    if overdue_only:
        open_rows = open_rows.filter(due_date__lt=today)
    by_person = defaultdict(list)
    for row in open_rows.order_by("due_date", "pk"):
        by_person[row.person_id].append(row)
    keys = {
        row.pk: f"manual:{row.pk}:{today.isoformat()}"
        for rows in by_person.values()
        for row in rows
    }
    taken = set(
        NotificationItem.objects.filter(key__in=keys.values()).values_list(
            "key", flat=True
        )
    )
    reminded, skipped, ids = 0, 0, []
    with transaction.atomic():
        for person_id, rows in by_person.items():
            fresh = [row for row in rows if keys[row.pk] not in taken]
            if not fresh:
                skipped += 1
                continue
            notification = Notification.objects.create(
                key=manual_message_key(person_id, [keys[row.pk] for row in fresh]),
                kind=Notification.Kind.MANUAL,
                recipient_id=person_id,
                enqueued_at=timezone.now(),  # sent on commit, below
            )
            NotificationItem.objects.bulk_create(
                [
                    NotificationItem(
                        notification=notification,
                        key=keys[row.pk],
                        trigger=NotificationItem.Trigger.MANUAL,
                        person_id=person_id,
                        assignment=row,
                        course_id=row.course_id,
                        course_title=row.course_title,
                        due_date=row.due_date,
                    )
                    for row in fresh
                ]
            )
            ids.append(notification.pk)
            reminded += 1
        AuditEvent.objects.record(
            AuditEvent.Action.REMIND,
            "reminded",
            {"count": reminded},
            actor=actor,
            details={
                "people": sorted(by_person),
                "notifications": ids,
                "overdue_only": overdue_only,
            },
        )
        if ids:
            enqueue_on_commit("notifications.send_messages", ids)
    return reminded, skipped
