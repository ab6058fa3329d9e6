"""Helpers the tests share (builders of models are in tests/factories): query
dicts for form posts, HR files, the report organisation, a completed course,
and the admin in English.

One module, so that no test file imports another test file.
"""

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone
from wagtail.users.models import UserProfile

from assignments.models import Assignment
from learners import actions
from organisation.models import OrgUnit
from tests.factories import correct_answers, make_course, make_staff, make_unit

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
