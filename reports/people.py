"""The people list: the one definition of what a people page shows, its
direct exports write and the exports built in the background write — so the
files always match the screen."""

from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from core import vocabulary
from courses.models import CoursePage
from courses.rendering import content_generation, remembered

from .figures import (
    COLUMNS,
    Filters,
    current_items,
    current_items_of_people,
    people_rows,
)
from .forms import STATUS_LABELS, ReportFilterForm

COLUMN_LABELS = {
    "employee_number": gettext_lazy("Employee number"),
    "last_name": gettext_lazy("Last name"),
    "first_name": gettext_lazy("First name"),
    "unit": gettext_lazy("Unit"),
    "job_title": gettext_lazy("Job title"),
    "course": gettext_lazy("Course"),
    "status": gettext_lazy("Status"),
    "due_date": gettext_lazy("Due date"),
    "completed_at": gettext_lazy("Completed"),
    "valid_until": gettext_lazy("Certificate valid until"),
}


class Course(NamedTuple):
    """A course as the reports show it: its id and title (a page instance
    costs more to build than the reports use of it)."""

    pk: int
    title: str


def courses_in(items):
    """The courses with at least one item in scope: one EXISTS probe per
    course, which stops at its first item (reading every item in scope for
    its course took 0.7 s for the city)."""
    return [
        Course(*values)
        for values in CoursePage.objects.filter(
            Exists(items.filter(course_id=OuterRef("pk")).order_by())
        )
        .order_by("title")
        .values_list("pk", "title")
    ]


def _course_titles():
    """{course page id: (place in the database's title order, title)} of
    every course page, read once for the process while the content holds
    (courses.rendering.remembered: a new or renamed page moves it on)."""
    known = remembered("report-course-titles", content_generation())
    if "titles" not in known:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.title FROM {Page._meta.db_table} p "  # noqa: S608
                f"JOIN {CoursePage._meta.db_table} c ON c.page_ptr_id = p.id "
                "ORDER BY p.title, p.id"
            )
            known["titles"] = {
                pk: (place, title) for place, (pk, title) in enumerate(cursor)
            }
    return known["titles"]


def courses_by_id(course_ids):
    """The courses with these ids (of course pages: the items' courses), in
    the order `courses_in` gives (the database's order of titles). The title
    is the page's, as this process knows every course page's title: no query
    while the content holds."""
    if not course_ids:
        return []
    titles = _course_titles()
    ranked = sorted((titles[pk], pk) for pk in set(course_ids) if pk in titles)
    return [Course(pk, title) for (_place, title), pk in ranked]


# The filters that narrow the items beyond a course (an empty value narrows
# nothing); and with the course and status, those of the people list.
ITEM_FILTERS = ("befattning", "fran", "till")
PEOPLE_NARROWING = (*ITEM_FILTERS, "kurs", "status")


def narrows(data, names):
    return any(data.get(name) for name in names)


class PeopleList(NamedTuple):
    """The people list of a unit (None: the whole scope) for the filters in
    `data`: what the page shows and the exports write."""

    form: "ReportFilterForm"
    filters: Filters
    rows: object  # people_rows: lazy
    count: int | None  # the number of rows, when counting cost nothing extra


def people_list(scope, unit, data, day):
    """The one definition of the people list: the page, its direct exports
    and the exports built in the background all call it. With a unit, the
    people of that unit (in scope: checked by the caller); without one,
    everyone in `scope`."""
    if unit is not None:
        items = current_items([unit.path], day)
    else:
        items = current_items_of_people(scope, day)
    count = None
    if narrows(data, PEOPLE_NARROWING):
        courses = courses_in(items)
    else:
        # No filter narrows the items: one pass over them gives both the
        # courses in the unit and the number of rows (the probe and a COUNT
        # read every item each).
        per_course = dict(
            items.order_by()
            .values("course_id")
            .annotate(n=Count("pk"))
            .values_list("course_id", "n")
        )
        courses = courses_by_id(per_course)
        count = sum(per_course.values())
    form = ReportFilterForm(data, courses)
    filters = form.filters(unit=unit)
    return PeopleList(form, filters, people_rows(items, filters), count)


def display_row(row, labels=None):
    """A row of the people list as shown and exported: the column keys, with
    the status translated and dates as dates. `labels`: the status labels
    already translated (an export translates them once, not per row)."""
    values = {key: row[source] for key, source in COLUMNS}
    status = values["status"]
    values["status_key"] = status
    if labels is not None:
        values["status"] = labels.get(status, status)
    else:
        values["status"] = str(STATUS_LABELS.get(status, status))
    if values["completed_at"]:
        values["completed_at"] = timezone.localdate(values["completed_at"])
    values["profile_id"] = row["person__staff_profile__id"]
    return values


def status_labels():
    """The status labels in the active language, translated once."""
    return vocabulary.state_labels()
