"""The organisation the report tests share: units, heads, courses, people."""

from datetime import timedelta

from django.utils import timezone

from assignments.models import Assignment
from organisation.models import OrgUnit
from tests.factories import make_course, make_staff, make_unit


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
