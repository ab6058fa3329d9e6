"""Reminder scheduling with frozen time: each trigger, catch-up, grouping,
digests, escalation, suppression, the sending window across daylight-saving
changes, and exactly-once storage and sending (in-process; the real worker and
SMTP server are in tests/integration).

Reminder messages are sent by the delivery log (`notifications.sender`): the
sweep plans the day and calls `hand_out`, which gives what may go now to
`send_messages` (eager here); the window and the rate are the reminder kinds'
own (`reminders.sending.register_kinds`)."""

import datetime
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from assignments.models import Assignment, Exemption
from core import ratelimit
from learners import actions
from notifications import sender
from notifications.models import Notification
from notifications.tasks import send_messages
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from reminders.models import NotificationItem, ReminderPolicy
from reminders.planning import in_sending_window, plan_day, store_plan
from reminders.tasks import sweep_reminders
from tests.factories import UserFactory, make_course, make_rule, make_staff, make_unit

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = date(2027, 3, 8)
TUESDAY = date(2027, 3, 9)


def at(day, hour=9, minute=0):
    """A moment in Stockholm's local time."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), STOCKHOLM)


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The reminders' rate is a counter per clock minute in Redis, and the
    frozen minutes here are the same in every test (and every run): each
    test starts with the minute's budget whole. The delivery log's marks
    (relay down, recovered, accepted) live in the cache: none is carried over
    from another test."""
    client = ratelimit._redis()
    for key in client.scan_iter("kompetens:rate:reminders:*"):
        client.delete(key)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rules(db):
    policy = ReminderPolicy.load()
    policy.digest_weekday = 6  # Sunday: no digest unless a test asks for one
    policy.manager_digest_weekday = 6
    policy.save()
    return policy


@pytest.fixture
def unit(db):
    return make_unit("U", name="Enheten")


def assign(course, person, due, assigned=None):
    return Assignment.objects.create(
        person=person,
        course=course,
        course_title=course.title,
        assigned_on=assigned or due - timedelta(days=30),
        due_date=due,
        reasons=[],
    )


def plan_keys(day, rules):
    return {
        (message.recipient_id, item.key)
        for message in plan_day(day, rules)
        for item in message.items
    }


def triggers(day, rules, person):
    return sorted(
        item.trigger
        for message in plan_day(day, rules)
        if message.recipient_id == person.pk
        for item in message.items
    )


# --- Triggers ---------------------------------------------------------------------


def test_each_trigger_on_its_day(course, unit, rules):
    person = make_staff("p", unit=unit)
    row = assign(course, person, date(2027, 4, 1))
    expected = {
        date(2027, 3, 17): None,  # 15 days before: nothing yet
        date(2027, 3, 18): f"before:{row.pk}:14",
        date(2027, 3, 25): f"before:{row.pk}:14",  # same key: sent once
        date(2027, 3, 29): f"before:{row.pk}:3",
        date(2027, 4, 1): f"due:{row.pk}",
        date(2027, 4, 2): f"overdue:{row.pk}:0",
        date(2027, 4, 8): f"overdue:{row.pk}:0",
        date(2027, 4, 9): f"overdue:{row.pk}:1",  # weekly
    }
    for day, key in expected.items():
        keys = {k for _r, k in plan_keys(day, rules)}
        assert keys == ({key} if key else set()), day


def test_a_missed_day_is_caught_up_once_with_the_right_reminder(course, unit, rules):
    """The sweep did not run for a week: the reminder that applies now goes
    out, once; the ones skipped over do not pile up."""
    person = make_staff("p", unit=unit)
    row = assign(course, person, date(2027, 4, 1))
    with time_machine.travel(at(date(2027, 3, 30)), tick=False):
        store_plan(plan_day(date(2027, 3, 30), rules))
    assert list(NotificationItem.objects.values_list("key", flat=True)) == [
        f"before:{row.pk}:3"
    ]
    store_plan(plan_day(date(2027, 3, 31), rules))
    assert NotificationItem.objects.count() == 1


def test_one_message_per_person_per_day_whatever_the_number_of_courses(
    catalogue, unit, rules
):
    person = make_staff("p", unit=unit)
    courses = [make_course(catalogue, lessons=1) for _ in range(3)]
    for course in courses:
        assign(course, person, date(2027, 3, 22))
    messages = plan_day(date(2027, 3, 8), rules)
    assert len(messages) == 1
    assert messages[0].key == f"reminders:{person.pk}:2027-03-08"
    assert len(messages[0].items) == 3


def test_weekly_digest_lists_everything_open_in_one_message(catalogue, unit, rules):
    rules.digest_weekday = 0
    person = make_staff("p", unit=unit)
    soon = make_course(catalogue, lessons=1, title="Snart")
    later = make_course(catalogue, lessons=1, title="Senare")
    assign(soon, person, MONDAY + timedelta(days=3))  # also a "before 3" today
    assign(later, person, MONDAY + timedelta(days=60))
    messages = plan_day(MONDAY, rules)
    assert [m.kind for m in messages] == ["digest"]
    assert messages[0].key == f"digest:{person.pk}:2027-W10"
    assert sorted(i.trigger for i in messages[0].items) == [
        "before",
        "digest",
        "digest",
    ]
    store_plan(messages)
    # Tuesday: the "before 3" went out in Monday's digest; nothing new.
    assert store_plan(plan_day(TUESDAY, rules)) == []


def test_escalation_to_line_manager_then_hr(course, unit, rules):
    rules.hr_contact = UserFactory(username="hr-contact")
    boss = make_staff("boss", unit=unit)
    person = make_staff("p", unit=unit, line_manager=boss)
    row = assign(course, person, date(2027, 2, 26))
    assert triggers(date(2027, 3, 11), rules, boss) == []  # 13 days overdue
    assert triggers(date(2027, 3, 12), rules, boss) == ["escalate_manager"]
    day = date(2027, 3, 29)  # 31 days overdue
    assert triggers(day, rules, rules.hr_contact) == ["escalate_hr"]
    assert f"escalate_manager:{row.pk}" in {k for _r, k in plan_keys(day, rules)}


def test_without_a_line_manager_the_unit_head_is_told(course, rules):
    head = UserFactory(username="head")
    top = make_unit("TOP", name="Förvaltningen", head=head)
    sub = make_unit("SUB", name="Enheten", parent=OrgUnit.objects.get(pk=top.pk))
    person = make_staff("p", unit=sub)
    assign(course, person, date(2027, 3, 1))
    assert triggers(date(2027, 3, 20), rules, head) == ["escalate_manager"]


def test_manager_digest_lists_the_team_overdue_and_upcoming(catalogue, unit, rules):
    rules.manager_digest_weekday = 0
    boss = make_staff("boss", unit=unit)
    late = make_staff("late", unit=unit, line_manager=boss)
    soon = make_staff("soon", unit=unit, line_manager=boss)
    far = make_staff("far", unit=unit, line_manager=boss)
    course = make_course(catalogue, lessons=1)
    assign(course, late, MONDAY - timedelta(days=2))
    assign(course, soon, MONDAY + timedelta(days=10))
    assign(course, far, MONDAY + timedelta(days=40))
    digest = [m for m in plan_day(MONDAY, rules) if m.kind == "manager_digest"]
    assert len(digest) == 1 and digest[0].recipient_id == boss.pk
    assert {i.person_id for i in digest[0].items} == {late.pk, soon.pk}


def test_expiring_certificate_reminded_once_and_not_when_renewed(
    course, unit, rules, lessons
):
    course.validity_kind = "months"
    course.validity_months = 12
    course.save_revision().publish()
    person = make_staff("p", unit=unit)
    with time_machine.travel(at(date(2026, 4, 1)), tick=False):
        for lesson in lessons:
            actions.record_lesson_progress(person, lesson, completed=True)
    assert triggers(date(2027, 2, 28), rules, person) == []
    assert triggers(date(2027, 3, 2), rules, person) == ["expiring"]
    with time_machine.travel(at(date(2027, 3, 3)), tick=False):
        actions.start_new_cycle(person, course)
        for lesson in lessons:
            actions.record_lesson_progress(person, lesson, completed=True)
    assert triggers(date(2027, 3, 4), rules, person) == []


# --- Suppression --------------------------------------------------------------------


def test_suppressed_people_and_courses(catalogue, unit, rules, hr_user):
    day = date(2027, 3, 18)
    due = date(2027, 4, 1)
    course = make_course(catalogue, lessons=1, title="Kurs")
    unpublished = make_course(catalogue, lessons=1, title="Avpublicerad")
    retired = make_course(catalogue, lessons=1, title="Utgången")
    active = make_staff("active", unit=unit)
    gone = make_staff("gone", unit=unit)
    away = make_staff("away", unit=unit, on_leave_until=date(2027, 5, 1))
    exempt = make_staff("exempt", unit=unit)
    for person in (active, gone, away, exempt):
        assign(course, person, due)
    assign(unpublished, active, due)
    assign(retired, active, due)
    gone.is_active = False
    gone.save()
    Exemption.objects.create(person=exempt, course=course, reason="x")
    from assignments.actions.evaluation import evaluate_course

    make_rule(course, people=[active, away, exempt], active=False)
    Assignment.objects.filter(person=exempt).update(state=Assignment.State.EXEMPT)
    unpublished.unpublish()
    retired.retired = True
    retired.save_revision().publish()
    evaluate_course(retired.pk)
    completed = make_staff("done", unit=unit)
    assign(course, completed, due)
    Assignment.objects.filter(person=completed).update(state="completed")
    recipients = {m.recipient_id: m for m in plan_day(day, rules)}
    assert set(recipients) == {active.pk}
    assert [i.course_title for i in recipients[active.pk].items] == ["Kurs"]


@pytest.fixture
def hr_user(db):
    return UserFactory(username="hr-person")


# --- Storage and sending, exactly once ---------------------------------------------


def test_store_twice_is_once_and_a_sent_message_takes_nothing_more(
    catalogue, unit, rules
):
    person = make_staff("p", unit=unit)
    first = make_course(catalogue, lessons=1)
    assign(first, person, date(2027, 3, 20))
    day = date(2027, 3, 8)
    ids = store_plan(plan_day(day, rules))
    assert store_plan(plan_day(day, rules)) == ids
    assert Notification.objects.count() == 1 and NotificationItem.objects.count() == 1
    with time_machine.travel(at(day, 9), tick=False):
        assert send_messages(ids) == {"sent": 1}
        assert send_messages(ids) == {"nothing to do": 1}  # a second delivery
    assert len(mail.outbox) == 1
    # A course assigned later that day waits for tomorrow's message.
    second = make_course(catalogue, lessons=1)
    assign(second, person, date(2027, 3, 20))
    assert store_plan(plan_day(day, rules)) == []
    tomorrow = store_plan(plan_day(day + timedelta(days=1), rules))
    assert len(tomorrow) == 1
    assert NotificationItem.objects.filter(notification_id=tomorrow[0]).count() == 1


def test_sending_is_exactly_once_with_a_message_id_from_the_key(course, unit, rules):
    person = make_staff("p", unit=unit, preferred_language="en")
    assign(course, person, date(2027, 3, 20))
    with time_machine.travel(at(MONDAY, 9), tick=False):
        sweep_reminders()
        sweep_reminders()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    notification = Notification.objects.get()
    assert message.extra_headers["Message-ID"] == notification.message_id
    assert message.subject == "Reminder: training to complete in Kompetens"
    # The vocabulary's phrase and the date (core/vocabulary.py).
    assert course.title in message.body
    assert "Due in 12 days (20 March 2027)" in message.body
    html = message.alternatives[0][0]
    assert f'href="http://testserver{course.url}"' in html or course.url in html
    assert notification.status == "sent"
    assert notification.items.get().trigger == "before"


def test_swedish_by_default(course, unit, rules):
    person = make_staff("p", unit=unit)
    assign(course, person, MONDAY - timedelta(days=3))
    with time_machine.travel(at(MONDAY, 9), tick=False):
        sweep_reminders()
    message = mail.outbox[0]
    assert message.subject == "Påminnelse: utbildning att genomföra i Kompetens"
    # Overdue in capitals in plain text ("Försenad 3 dagar"; needs the
    # Swedish translation of core/vocabulary.py).
    assert "FÖRSENAD 3 DAGAR" in message.body


def test_nothing_is_sent_outside_the_window_and_it_goes_out_in_the_next(
    course, unit, rules
):
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 20))
    with time_machine.travel(at(MONDAY, 6, 30), tick=False):
        assert sweep_reminders() == 0  # planned, not handed out
        # A chunk handed out in the window, taken by a worker after it shut:
        # nothing goes, and the message is back on the pile, unclaimed.
        notification = Notification.objects.get()
        Notification.objects.update(enqueued_at=at(MONDAY, 6, 29))
        assert sender.send_messages([notification.pk]) == {
            "outside the sending window": 1
        }
    notification.refresh_from_db()
    assert notification.status == "pending" and notification.attempts == 0
    assert notification.enqueued_at is None
    assert mail.outbox == []
    with time_machine.travel(at(MONDAY, 7, 59), tick=False):
        assert sender.hand_out() == 0
    with time_machine.travel(at(MONDAY, 8, 0), tick=False):
        assert sweep_reminders() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get().status == "sent"


def test_completed_meanwhile_means_not_sent(course, unit, rules, lessons):
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 20))
    with time_machine.travel(at(MONDAY, 6, 0), tick=False):
        sweep_reminders()
        Assignment.objects.update(state="completed")
    with time_machine.travel(at(MONDAY, 9, 0), tick=False):
        sweep_reminders()
    assert mail.outbox == []
    assert Notification.objects.get().status == "not_sent"


def test_a_recipient_who_left_meanwhile_gets_nothing(course, unit, rules):
    """Planned while the person was active; deactivated (an HR import)
    before the window opened: the message is not sent, and not tried again."""
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 20))
    with time_machine.travel(at(MONDAY, 6, 0), tick=False):
        sweep_reminders()
    assert Notification.objects.get().status == "pending"
    person.is_active = False
    person.save()
    with time_machine.travel(at(MONDAY, 9, 0), tick=False):
        assert sweep_reminders() == 1
    with time_machine.travel(at(MONDAY, 9, 10), tick=False):
        assert sweep_reminders() == 0
    assert mail.outbox == []
    notification = Notification.objects.get()
    assert notification.status == "not_sent" and notification.sent_at is None


def test_rate_limit_holds_the_rest_for_later(catalogue, unit, rules):
    """The budget is per minute across workers (a counter in Redis): five
    messages at two a minute go out over three minutes, each once."""
    rules.rate_per_minute = 2
    rules.save()
    for index in range(5):
        person = make_staff(f"p{index}", unit=unit)
        assign(make_course(catalogue, lessons=1), person, date(2027, 3, 20))
    sent = []
    for minute in range(3):
        with time_machine.travel(at(MONDAY, 9, minute), tick=False):
            sweep_reminders()
        sent.append(len(mail.outbox))
    assert sent == [2, 4, 5]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"p{index}@example.se" for index in range(5)
    )
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_the_rate_holds_across_a_chunk_and_the_rest_goes_at_the_next_hand_outs(
    catalogue, unit, rules
):
    """A chunk bigger than the minute's budget (a manager's "remind all", a
    hand-out racing another worker): what the budget lets out is sent, the
    rest goes back to the pile, unclaimed, and is handed out again in the
    next minutes, neither lost nor sent twice."""
    rules.rate_per_minute = 2
    rules.save()
    for index in range(5):
        person = make_staff(f"p{index}", unit=unit)
        assign(make_course(catalogue, lessons=1), person, date(2027, 3, 20))
    ids = store_plan(plan_day(MONDAY, rules))
    assert len(ids) == 5
    with time_machine.travel(at(MONDAY, 9, 0), tick=False):
        assert sender.send_messages(ids) == {"sent": 2, "rate limited": 1}
        rest = Notification.objects.filter(status=Notification.Status.PENDING)
        assert rest.count() == 3
        assert not rest.filter(enqueued_at__isnull=False).exists()  # back
        assert set(rest.values_list("attempts", flat=True)) == {0}  # unclaimed
        # The same minute: handed out (the budget is the workers' to find
        # spent), nothing sent, back again.
        assert sender.hand_out() == 2
        assert len(mail.outbox) == 2
    with time_machine.travel(at(MONDAY, 9, 1), tick=False):
        assert sender.hand_out() == 2
    assert len(mail.outbox) == 4
    with time_machine.travel(at(MONDAY, 9, 2), tick=False):
        assert sender.hand_out() == 1
    with time_machine.travel(at(MONDAY, 9, 3), tick=False):
        assert sender.hand_out() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"p{index}@example.se" for index in range(5)
    )
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_no_weekend_planning_and_weekend_sending_is_configurable(course, unit, rules):
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 20))
    saturday = date(2027, 3, 13)
    with time_machine.travel(at(saturday, 10), tick=False):
        assert sweep_reminders() == 0
    assert not Notification.objects.exists()
    rules.send_on_weekends = True
    rules.save()
    with time_machine.travel(at(saturday, 10), tick=False):
        assert sweep_reminders() == 1
    assert len(mail.outbox) == 1


# --- The sending window across daylight-saving changes ------------------------------


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        # Friday 26 March 2027, winter time (UTC+1): 06:30 UTC is 07:30.
        ("2027-03-26T06:30", False),
        ("2027-03-26T07:00", True),
        # Sunday 28 March: clocks go forward. Monday 29 March, summer time
        # (UTC+2): 06:30 UTC is 08:30, inside; 15:00 UTC is 17:00, outside.
        ("2027-03-29T06:30", True),
        ("2027-03-29T05:59", False),
        ("2027-03-29T14:59", True),
        ("2027-03-29T15:00", False),
        # Friday 29 October 2027, summer time: 15:30 UTC is 17:30, outside.
        ("2027-10-29T14:30", True),
        ("2027-10-29T15:30", False),
        # Sunday 31 October: clocks go back. Monday 1 November, winter time:
        # 07:30 UTC is 08:30, inside; 06:30 UTC is 07:30, outside.
        ("2027-11-01T07:30", True),
        ("2027-11-01T06:30", False),
        ("2027-11-01T15:59", True),
        ("2027-11-01T16:00", False),
        # Weekends, in either season.
        ("2027-03-27T10:00", False),
        ("2027-10-30T10:00", False),
    ],
)
def test_sending_window_in_stockholm_time_across_dst(rules, utc, inside):
    moment = datetime.datetime.fromisoformat(utc).replace(tzinfo=datetime.UTC)
    assert in_sending_window(moment, rules) is inside


def test_the_day_is_stockholms_not_utcs(course, unit, rules):
    """23:30 UTC on Sunday 28 March 2027 is 01:30 on Monday in Stockholm: the
    sweep plans Monday."""
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 4, 1))  # "before 3" on Monday 29 March
    moment = datetime.datetime(2027, 3, 28, 23, 30, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        sweep_reminders()
    assert Notification.objects.get().key == f"reminders:{person.pk}:2027-03-29"


# --- A manager reminds now ------------------------------------------------------------


def test_manager_reminds_once_a_day_per_person_and_course(
    client, course, unit, rules, django_capture_on_commit_callbacks
):
    boss = make_staff("boss", unit=unit)
    OrgUnit.objects.filter(pk=unit.pk).update(head=boss)
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 1))
    profile = StaffProfile.objects.get(user=person)
    from django.urls import reverse

    with (
        time_machine.travel(at(MONDAY, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(boss)  # in the frozen time: the session is fresh
        client.post(reverse("reminders:remind_person", args=[profile.pk]))
        client.post(reverse("reminders:remind_person", args=[profile.pk]))
        client.post(reverse("reminders:remind_overdue"))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert (
        "Your manager reminds you" in mail.outbox[0].body
        or "chef" in mail.outbox[0].body
    )
    assert AuditEvent.objects.filter(action="remind").count() == 3
    with (
        time_machine.travel(at(TUESDAY, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(boss)
        client.post(reverse("reminders:remind_overdue"))
    assert len(mail.outbox) == 2
    # Sent on commit, marked: the hand-outs after it leave them alone.
    assert set(
        Notification.objects.filter(kind=Notification.Kind.MANUAL).values_list(
            "status", flat=True
        )
    ) == {"sent"}
    for minute in (11, 20):
        with time_machine.travel(at(TUESDAY, minute), tick=False):
            assert sender.hand_out() == 0
    assert len(mail.outbox) == 2


def test_remind_from_the_wrong_side(client, course, unit, rules):
    other_unit = make_unit("O", name="Annan")
    other = make_staff("other", unit=other_unit)
    assign(course, other, date(2027, 3, 1))
    profile = StaffProfile.objects.get(user=other)
    boss = make_staff("boss", unit=unit)
    OrgUnit.objects.filter(pk=unit.pk).update(head=boss)
    from django.urls import reverse

    url = reverse("reminders:remind_person", args=[profile.pk])
    assert client.post(url).status_code == 302  # anonymous: to the login page
    client.force_login(boss)
    assert client.post(url).status_code == 404  # another unit's person
    client.force_login(other)
    assert client.post(url).status_code == 403  # a learner
    assert client.post(reverse("reminders:remind_overdue")).status_code == 403
    assert mail.outbox == [] and not Notification.objects.exists()


def test_hr_looks_up_whether_and_when_a_person_was_told(client, course, unit, rules):
    from django.urls import reverse

    from cms.roles import ensure_hr_admin_group

    person = make_staff("told", unit=unit)
    assign(course, person, date(2027, 3, 20))
    with time_machine.travel(at(MONDAY, 9), tick=False):
        sweep_reminders()
    hr = UserFactory(username="hr-admin")
    hr.groups.add(ensure_hr_admin_group())
    StaffProfile.objects.create(user=hr, employee_number="E-hr", hr_role="central")
    client.force_login(hr)
    page = client.get(reverse("reminders_sent:index"), {"q": "E-told"})
    html = page.content.decode()
    assert page.status_code == 200 and course.title in html
    item = NotificationItem.objects.get()
    inspect = client.get(reverse("sent_messages:inspect", args=[item.notification_id]))
    assert "sent" in inspect.content.decode().lower()
    # Read only, and not for a learner.
    assert client.get(reverse("sent_messages:add")).status_code in (302, 403, 404)
    client.force_login(person)
    response = client.get(reverse("reminders_sent:index"))
    assert response.status_code in (302, 403)
    own = client.get(reverse("reminders:notifications")).content.decode()
    assert course.title in own


def test_celery_is_configured_for_at_least_once_delivery(settings):
    """acks_late, rejected on worker loss, one message prefetched; every beat
    entry expires; the task that sends reminder messages (the delivery
    log's) is acknowledged only once it has run."""
    from notifications import tasks

    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["options"]["expires"] > 0, name
    assert tasks.send_messages.acks_late and tasks.send_messages.reject_on_worker_lost


def test_the_leases_fit_together(settings):
    """A claim outlives the slowest send (six SMTP commands of EMAIL_TIMEOUT
    and the retries of the "sent" mark), so no live sender is overtaken; a
    message lost with its task is handed out again within five minutes (the
    lease, then the next minute's hand-out: #14's promise); and no task waits
    on a countdown longer than the broker's visibility timeout, after which
    it would be delivered twice."""
    from celery import current_app

    from notifications.sender import CLAIM_LEASE, ENQUEUE_LEASE, MARK_RETRY_FOR

    worst_send = 6 * timedelta(seconds=settings.EMAIL_TIMEOUT) + MARK_RETRY_FOR
    assert CLAIM_LEASE > worst_send
    hand_out = settings.CELERY_BEAT_SCHEDULE["mail"]
    assert hand_out["task"] == "notifications.hand_out"
    assert hand_out["schedule"].minute == set(range(60))  # every minute
    assert hand_out["schedule"].hour == set(range(24))
    assert ENQUEUE_LEASE + timedelta(minutes=1) <= timedelta(minutes=5)
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert CLAIM_LEASE.total_seconds() < visibility
    current_app.loader.import_default_modules()
    ours = [
        task
        for name, task in current_app.tasks.items()
        if not name.startswith("celery.")
    ]
    assert "notifications.send_messages" in {task.name for task in ours}
    for task in ours:
        if getattr(task, "autoretry_for", ()):
            longest = task.retry_backoff_max if task.retry_backoff else 0
            assert max(longest, task.default_retry_delay) < visibility, task.name


def test_a_hand_out_gives_out_no_more_than_the_minutes_rate(catalogue, unit, rules):
    """At 3 a minute, a hand-out gives out at most 3: the backlog waits in the
    database, not as tasks churning at the limiter; and none before the
    window opens."""
    rules.rate_per_minute = 3
    rules.save()
    for index in range(7):
        person = make_staff(f"q{index}", unit=unit)
        assign(make_course(catalogue, lessons=1), person, date(2027, 3, 20))
    with time_machine.travel(at(MONDAY, 6), tick=False):
        sweep_reminders()
        assert sender.hand_out() == 0  # before the window
    assert not Notification.objects.filter(enqueued_at__isnull=False).exists()
    handed = []
    for minute in range(4):
        with time_machine.travel(at(MONDAY, 9, minute), tick=False):
            handed.append(sender.hand_out())
    assert handed == [3, 3, 1, 0]
    assert len(mail.outbox) == 7


def test_a_reminder_whose_task_was_lost_is_handed_out_again_after_the_lease(
    course, unit, rules
):
    """Handed out at 9:00 and lost with its task (a broker restarted empty):
    left alone while a worker could still have it, handed out again and sent
    within five minutes."""
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 20))
    (notification_id,) = store_plan(plan_day(MONDAY, rules))
    # What a hand-out writes before its task is sent (sender._send_in_chunks).
    Notification.objects.filter(pk=notification_id).update(enqueued_at=at(MONDAY, 9))
    with time_machine.travel(at(MONDAY, 9, 3), tick=False):
        assert sender.hand_out() == 0  # still within ENQUEUE_LEASE
    assert mail.outbox == []
    with time_machine.travel(at(MONDAY, 9, 4), tick=False):
        assert sender.hand_out() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]
    with time_machine.travel(at(MONDAY, 9, 10), tick=False):
        assert sender.hand_out() == 0
    assert len(mail.outbox) == 1


def test_a_second_sweep_the_same_day_writes_nothing(course, unit, rules):
    person = make_staff("p", unit=unit)
    assign(course, person, date(2027, 3, 20))
    store_plan(plan_day(MONDAY, rules))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        store_plan(plan_day(MONDAY, rules))
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE"))
    ]
    assert writes == []
