"""Helpers the tests share (builders of models are in tests/factories): query
dicts for form posts, HR files, the report organisation, a completed course,
and the admin in English.

One module, so that no test file imports another test file.
"""

from datetime import time, timedelta

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from assignments.models import Assignment
from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from learners import actions
from organisation.models import OrgUnit, StaffProfile
from reminders.models import ReminderPolicy
from tests.factories import (
    UserFactory,
    correct_answers,
    make_course,
    make_staff,
    make_unit,
)

# --- Forms ---------------------------------------------------------------------


def querydict(data):
    result = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            result.setlist(key, value)
        else:
            result[key] = value
    return result


def in_english(user):
    """The admin speaks the user's language: English, as the tests assert."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


# --- HR files ------------------------------------------------------------------

UNIT_HEADER = "hr_code;name;parent_hr_code;head_employee_number;active"
STAFF_HEADER = (
    "employee_number;first_name;last_name;email;unit_hr_code;job_title;"
    "start_date;end_date;line_manager_employee_number;on_leave_until;language"
)


def csv_bytes(header, *rows, encoding="utf-8"):
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def staff_row(number, first="Anna", last="Ek", unit="U1", **fields):
    values = {
        "email": f"{number.lower()}@example.se",
        "job_title": "Handläggare",
        "start_date": "2020-01-01",
        "end_date": "",
        "manager": "",
        "on_leave_until": "",
        "language": "sv",
    }
    values.update(fields)
    return ";".join(
        [
            number,
            first,
            last,
            values["email"],
            unit,
            values["job_title"],
            values["start_date"],
            values["end_date"],
            values["manager"],
            values["on_leave_until"],
            values["language"],
        ]
    )


# --- Learning ------------------------------------------------------------------


def complete_course(user, course):
    """Every lesson done and every quiz passed, through the actions."""
    for lesson in course.lessons():
        actions.record_lesson_progress(user, lesson, completed=True)
    for quiz in course.quizzes():
        attempt = actions.start_quiz_attempt(user, quiz)
        actions.save_quiz_answers(
            user, attempt.pk, querydict(correct_answers(attempt)), submit=True
        )


# --- The organisation of the report tests --------------------------------------


def make_report_org(catalogue):
    """A city C with administrations A (head_a; unit A1 below it) and B
    (head_b), and two courses."""
    head_a = make_staff("head-a")
    head_b = make_staff("head-b")
    city = make_unit("C", name="Staden")
    a = make_unit(
        "A", name="Förvaltning A", parent=OrgUnit.objects.get(pk=city.pk), head=head_a
    )
    a1 = make_unit("A1", name="Enhet A1", parent=OrgUnit.objects.get(pk=a.pk))
    b = make_unit(
        "B", name="Förvaltning B", parent=OrgUnit.objects.get(pk=city.pk), head=head_b
    )
    courses = [make_course(catalogue, lessons=1, title=f"Kurs {n}") for n in range(2)]
    return {
        "city": city,
        "a": a,
        "a1": a1,
        "b": b,
        "courses": courses,
        "head_a": head_a,
        "head_b": head_b,
    }


def add_people(org, unit, count, prefix, state="open", overdue=False):
    today = timezone.localdate()
    people = []
    for n in range(count):
        person = make_staff(f"{prefix}{n}", unit=unit)
        people.append(person)
        for course in org["courses"]:
            Assignment.objects.create(
                person=person,
                course=course,
                course_title=course.title,
                assigned_on=today - timedelta(days=40),
                due_date=today + timedelta(days=-5 if overdue else 10),
                state=state,
                completed_at=timezone.now() if state == "completed" else None,
            )
    return people


# --- Two administrations, for the admin tools' scope -----------------------------


def make_two_administrations():
    """A city with administrations A (unit A1 below it) and B; a person in
    A1 (Alma Ahlström) and in B (Bertil Bergqvist); a local coordinator of
    each and central HR, all three HR administrators with the admin in
    English; and an HR author (no HR administrator's permissions)."""
    city = make_unit("STAD", name="Staden")
    a = make_unit("FA", name="Förvaltning Alfa", parent=OrgUnit.objects.get(pk=city.pk))
    a1 = make_unit("FA1", name="Enhet Alfa ett", parent=OrgUnit.objects.get(pk=a.pk))
    b = make_unit("FB", name="Förvaltning Beta", parent=OrgUnit.objects.get(pk=city.pk))

    def person(username, unit, first, last):
        user = make_staff(username, unit=unit)
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
        return user

    def hr_admin(username, **profile):
        user = UserFactory(username=username)
        user.groups.add(ensure_hr_admin_group())
        StaffProfile.objects.create(
            user=user, employee_number=f"E-{username}", **profile
        )
        return in_english(user)

    author = in_english(UserFactory(username="author"))
    author.groups.add(ensure_hr_author_group())
    return {
        "city": city,
        "a": OrgUnit.objects.get(pk=a.pk),
        "a1": OrgUnit.objects.get(pk=a1.pk),
        "b": OrgUnit.objects.get(pk=b.pk),
        "alma": person("alma", a1, "Alma", "Ahlström"),
        "bertil": person("bertil", b, "Bertil", "Bergqvist"),
        "coord_a": hr_admin("coord-a", hr_role="coordinator", coordinator_of=a, unit=a),
        "coord_b": hr_admin("coord-b", hr_role="coordinator", coordinator_of=b, unit=b),
        "central": hr_admin("central", hr_role="central"),
        "author": author,
    }


def admin_refused(response):
    """Wagtail's admin answers PermissionDenied with a redirect to its home
    page and a message; a plain view answers 403."""
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def whole_day_reminder_policy(**fields):
    """The reminder policy for tests that must not depend on the clock: the
    window the whole day, weekends allowed, 14 and 3 days before and on the
    due date, no digest today, no effective rate limit."""
    policy = ReminderPolicy.load()
    policy.window_start = time(0, 0)
    policy.window_end = time(23, 59, 59, 999999)
    policy.send_on_weekends = True
    policy.before_days = "14, 3"
    policy.on_due_date = True
    # No weekly digest today: plain reminders, whatever weekday this runs on.
    weekday = (timezone.localdate().weekday() + 3) % 7
    policy.digest_weekday = policy.manager_digest_weekday = weekday
    policy.rate_per_minute = 10_000
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy
