"""Who is reminded of what, on a given day; and when messages may be sent.

`plan_day` reads the assignments and certificates once, in bulk, and returns
one message per recipient: everything due for one person on one day goes in
one email. On the personal digest's weekday that email is the digest, which
lists all their open training. `store_plan` writes the messages and their
items; the unique keys make a second run (or a second beat process) add
nothing, and an item already sent is never sent again.

Triggers for an open assignment (not exempt, not completed), unless its person
is inactive or on leave, or its course unpublished or retired:
- before: the smallest of the policy's "days before" that has been reached,
  once each (a sweep that missed a day catches up, and never sends two);
- due: on the due date;
- overdue: on the first day overdue, then every N days (one per period);
- escalation to the line manager (else the unit's head) after N days overdue,
  and to the named HR contact after M days, once each.
A certificate of the person's latest round expiring within the policy's days
gives an "expiring" reminder, once.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from assignments.models import Assignment
from learners.models import Certificate
from notifications.models import Notification
from organisation.models import OrgUnit

from .models import NotificationItem, ReminderPolicy

Trigger = NotificationItem.Trigger
Kind = Notification.Kind
CHUNK = 2000
UPCOMING_DAYS = 14  # the manager digest lists what falls due within this


def city_zone():
    return ZoneInfo(settings.TIME_ZONE)


def policy():
    return ReminderPolicy.load()


def in_sending_window(moment: datetime.datetime, rules: ReminderPolicy) -> bool:
    """Working hours in Stockholm (summer or winter time alike), weekdays
    unless weekends are allowed."""
    local = moment.astimezone(city_zone())
    if local.weekday() >= 5 and not rules.send_on_weekends:
        return False
    return rules.window_start <= local.time() < rules.window_end


def is_sending_day(day: datetime.date, rules: ReminderPolicy) -> bool:
    return day.weekday() < 5 or rules.send_on_weekends


def week_of(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Item:
    trigger: str
    key: str
    person_id: int
    course_id: int | None
    course_title: str
    due_date: datetime.date | None
    assignment_id: int | None = None
    certificate_id: int | None = None


@dataclass
class Message:
    kind: str
    key: str
    recipient_id: int
    items: list = field(default_factory=list)


def _assignment_rows(today):
    return (
        Assignment.objects.filter(
            state=Assignment.State.OPEN,
            due_date__isnull=False,
            person__is_active=True,
            course__live=True,
            course__retired=False,
        )
        .filter(
            Q(person__staff_profile__on_leave_until__isnull=True)
            | Q(person__staff_profile__on_leave_until__lt=today)
        )
        .values_list(
            "pk",
            "person_id",
            "course_id",
            "course_title",
            "due_date",
            "person__staff_profile__line_manager_id",
            "person__staff_profile__unit_id",
        )
        .order_by("pk")
        .iterator(chunk_size=5000)
    )


def _heads_by_unit():
    """Each unit's head, else the nearest head above it: who is told when a
    person without a line manager is overdue."""
    units = list(OrgUnit.objects.values_list("pk", "path", "head_id", "depth"))
    head_of_path = {path: head for _pk, path, head, _d in units if head}
    heads = {}
    step = OrgUnit.steplen
    for pk, path, _head, depth in units:
        for level in range(depth, 0, -1):
            head = head_of_path.get(path[: level * step])
            if head:
                heads[pk] = head
                break
    return heads


def triggers_for(days_left, rules, before):
    """The learner's reminder for an assignment `days_left` days from due
    (negative: overdue), as (trigger, period) or None."""
    if days_left > 0:
        reached = [days for days in before if days_left <= days]
        return (Trigger.BEFORE, str(min(reached))) if reached else None
    if days_left == 0:
        return (Trigger.DUE, "") if rules.on_due_date else None
    every = rules.overdue_every_days
    if not every:
        return None
    return (Trigger.OVERDUE, str((-days_left - 1) // every))


def plan_day(today: datetime.date, rules: ReminderPolicy | None = None) -> list:
    """Every message due on `today`, one per recipient (plus manager digests)."""
    rules = rules or policy()
    before = rules.before
    digest_day = today.weekday() == rules.digest_weekday
    week = week_of(today)
    items_by_recipient = defaultdict(list)
    digest_lists = defaultdict(list)  # person → every open assignment, digest day
    heads = None
    team_lists = defaultdict(list)  # manager → the team's overdue and upcoming
    manager_digest_day = today.weekday() == rules.manager_digest_weekday

    for pk, person, course, title, due, manager, unit in _assignment_rows(today):
        days_left = (due - today).days
        common = {
            "person_id": person,
            "course_id": course,
            "course_title": title,
            "due_date": due,
            "assignment_id": pk,
        }
        found = triggers_for(days_left, rules, before)
        if found:
            trigger, period = found
            key = f"{trigger}:{pk}" + (f":{period}" if period else "")
            items_by_recipient[person].append(Item(trigger, key, **common))
        if digest_day:
            digest_lists[person].append(
                Item(Trigger.DIGEST, f"digest:{week}:{pk}", **common)
            )
        overdue = -days_left
        if overdue > 0 or (manager_digest_day and days_left <= UPCOMING_DAYS):
            boss = manager
            if boss is None:
                heads = heads if heads is not None else _heads_by_unit()
                boss = heads.get(unit)
            if boss and boss != person:
                esc = rules.escalate_to_manager_after
                if esc and overdue >= esc:
                    items_by_recipient[boss].append(
                        Item(
                            Trigger.ESCALATE_MANAGER, f"escalate_manager:{pk}", **common
                        )
                    )
                if manager_digest_day:
                    team_lists[boss].append(
                        Item(Trigger.DIGEST, f"team:{week}:{boss}:{pk}", **common)
                    )
            esc_hr = rules.escalate_to_hr_after
            if esc_hr and overdue >= esc_hr and rules.hr_contact_id:
                items_by_recipient[rules.hr_contact_id].append(
                    Item(Trigger.ESCALATE_HR, f"escalate_hr:{pk}", **common)
                )

    if rules.expiring_days_before:
        for cert in _expiring_certificates(today, rules.expiring_days_before):
            pk, person, course, title, valid_until = cert
            items_by_recipient[person].append(
                Item(
                    Trigger.EXPIRING,
                    f"expiring:{pk}",
                    person,
                    course,
                    title,
                    valid_until,
                    certificate_id=pk,
                )
            )

    messages = []
    recipients = set(items_by_recipient) | set(digest_lists)
    for recipient in sorted(recipients):
        items = items_by_recipient.get(recipient, [])
        if digest_day and recipient in digest_lists:
            key = f"digest:{recipient}:{week}"
            items = items + digest_lists[recipient]
            messages.append(Message(Kind.DIGEST, key, recipient, items))
        else:
            key = f"reminders:{recipient}:{today.isoformat()}"
            messages.append(Message(Kind.REMINDERS, key, recipient, items))
    for manager in sorted(team_lists):
        key = f"manager_digest:{manager}:{week}"
        messages.append(Message(Kind.MANAGER_DIGEST, key, manager, team_lists[manager]))
    return messages


def _expiring_certificates(today, days):
    newer = Certificate.objects.filter(
        learner=OuterRef("learner"),
        course=OuterRef("course"),
        valid_from__gt=OuterRef("valid_from"),
        revoked_at__isnull=True,
    )
    return (
        Certificate.objects.filter(
            revoked_at__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=days),
            learner__is_active=True,
            course__live=True,
            course__retired=False,
        )
        .filter(
            Q(learner__staff_profile__on_leave_until__isnull=True)
            | Q(learner__staff_profile__on_leave_until__lt=today)
        )
        .exclude(Exists(newer))
        .values_list("pk", "learner_id", "course_id", "course_title", "valid_until")
    )


def store_plan(messages) -> list[int]:
    """Write the messages and their items. Returns the ids of the messages
    that now have something to send. Items whose key is already taken (sent
    before, or added by a concurrent planner) are skipped; a message that
    was already claimed or sent gets nothing more (its new items wait for the
    next day's message)."""
    ready = []
    for start in range(0, len(messages), CHUNK):
        ready += _store_chunk(messages[start : start + CHUNK])
    return ready


def _store_chunk(messages):
    keys = [m.key for m in messages]
    # Only what is new: a sweep that finds nothing new writes nothing (and
    # creates no message only to delete it again).
    taken = set(
        NotificationItem.objects.filter(
            key__in=[item.key for m in messages for item in m.items]
        ).values_list("key", flat=True)
    )
    fresh = {
        m.key: [item for item in m.items if item.key not in taken] for m in messages
    }
    storing = [m for m in messages if fresh[m.key]]
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(key=m.key, kind=m.kind, recipient_id=m.recipient_id)
                for m in storing
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        # Locked: a sender claiming one of these waits until its items are in.
        open_ids = dict(
            Notification.objects.select_for_update()
            .filter(
                key__in=[m.key for m in storing],
                status=Notification.Status.PENDING,
                attempts=0,
            )
            .values_list("key", "pk")
        )
        rows = [
            NotificationItem(
                notification_id=open_ids[m.key],
                key=item.key,
                trigger=item.trigger,
                person_id=item.person_id,
                assignment_id=item.assignment_id,
                certificate_id=item.certificate_id,
                course_id=item.course_id,
                course_title=item.course_title,
                due_date=item.due_date,
            )
            for m in storing
            if m.key in open_ids
            for item in fresh[m.key]
        ]
        NotificationItem.objects.bulk_create(
            rows, ignore_conflicts=True, batch_size=2000
        )
        # A concurrent planner may have taken every item first.
        Notification.objects.filter(
            pk__in=open_ids.values(), items__isnull=True
        ).delete()
    return list(
        Notification.objects.filter(
            key__in=keys, status=Notification.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )


def manual_message_key(person_id, item_keys):
    digest = hashlib.sha256("|".join(sorted(item_keys)).encode()).hexdigest()[:20]
    return f"manual:{person_id}:{digest}"
