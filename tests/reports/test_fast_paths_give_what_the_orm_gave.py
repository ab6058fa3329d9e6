"""What every report request costs, cut without changing what it does: the
scope in one SQL query, the items' queryset built once a day, the unit with
its ancestors in one query, the filter inputs written in Python, the Wagtail
user bar on Wagtail pages only."""

from datetime import date, timedelta

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from assignments.models import Assignment
from organisation.models import OrgUnit, StaffProfile, UnitDelegation
from organisation.scope import scope_of
from reports.figures import _counts, current_items, matrix, trend
from reports.forms import _DateInput, _TextInput
from reports.models import ReportGoal
from reports.people import courses_by_id as _courses_by_id
from reports.views import _goals
from tests.factories import (
    UserFactory,
    make_staff,
    make_unit,
)
from tests.helpers import add_people, make_report_org

pytestmark = pytest.mark.django_db


# --- The scope ---------------------------------------------------------------


def _scope_as_it_was(user, day):
    """The scope's units as three ORM queries (before they were one SQL query)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    profile = (
        StaffProfile.objects.filter(user=user).select_related("coordinator_of").first()
    )
    if profile and profile.hr_role == StaffProfile.HrRole.CENTRAL:
        return None
    headed = OrgUnit.objects.filter(head=user, active=True).values_list(
        "path", flat=True
    )
    delegated = UnitDelegation.objects.filter(
        delegate=user, valid_from__lte=day, valid_until__gte=day
    ).values_list("unit__path", flat=True)
    paths = set(headed) | set(delegated)
    if (
        profile
        and profile.hr_role == StaffProfile.HrRole.COORDINATOR
        and profile.coordinator_of
    ):
        paths.add(profile.coordinator_of.path)
    return sorted(
        p for p in paths if not any(p != q and p.startswith(q) for q in paths)
    )


def test_scope_is_what_the_orm_queries_gave(django_assert_num_queries):
    day = date(2026, 3, 10)
    boss = make_staff("boss")
    city = make_unit("C")
    admin = make_unit("A", parent=OrgUnit.objects.get(pk=city.pk), head=boss)
    dept = make_unit("A1", parent=OrgUnit.objects.get(pk=admin.pk), head=boss)
    other = make_unit("B", parent=OrgUnit.objects.get(pk=city.pk))
    closed = make_unit("D", parent=OrgUnit.objects.get(pk=city.pk), head=boss)
    OrgUnit.objects.filter(pk=closed.pk).update(active=False)
    deputy = UserFactory(username="deputy")  # no staff profile
    for unit, start, end in (
        (other, day, day),
        (dept, day - timedelta(days=9), day - timedelta(days=1)),  # over
    ):
        UnitDelegation.objects.create(
            unit=unit, delegate=deputy, valid_from=start, valid_until=end
        )
    UnitDelegation.objects.create(
        unit=other, delegate=boss, valid_from=day, valid_until=day
    )
    coordinator = make_staff("coord", hr_role="coordinator", coordinator_of=admin)
    lone_coordinator = make_staff("coord2", hr_role="coordinator")
    central = make_staff("central", hr_role="central")
    learner = make_staff("learner", unit=dept)
    superuser = UserFactory(username="root", is_superuser=True)
    users = [boss, deputy, coordinator, lone_coordinator, central, learner, superuser]
    for user in users:
        for when in (day, day + timedelta(days=1)):
            before = _scope_as_it_was(user, when)
            expected = tuple(before) if before is not None else None
            assert scope_of(user, when).unit_paths == expected
    assert scope_of(boss, day).unit_paths == tuple(sorted([admin.path, other.path]))
    with django_assert_num_queries(1):
        scope_of(boss, day)


# --- The items, the matrix and the trend -------------------------------------


def _items_as_built(paths, day):
    """current_items built from scratch, as every request did."""
    from django.db.models import Case, CharField, Exists, OuterRef, Value, When

    from learners.models import Enrolment
    from organisation.querysets import subtree_of as _subtree_of

    newer = Assignment.objects.filter(
        person=OuterRef("person"),
        course=OuterRef("course"),
        cycle__gt=OuterRef("cycle"),
    )
    started = Enrolment.objects.filter(
        learner=OuterRef("person"),
        course=OuterRef("course"),
        cycle=OuterRef("cycle"),
        last_activity_at__isnull=False,
    )
    items = (
        Assignment.objects.exclude(state=Assignment.State.WITHDRAWN)
        .exclude(Exists(newer))
        .filter(
            person__is_active=True,
            person__staff_profile__unit__isnull=False,
            course__isnull=False,
        )
        .annotate(
            unit_path=F("person__staff_profile__unit__path"),
            status=Case(
                When(state=Assignment.State.EXEMPT, then=Value("exempt")),
                When(state=Assignment.State.COMPLETED, then=Value("completed")),
                When(due_date__lt=day, then=Value("overdue")),
                When(Exists(started), then=Value("in_progress")),
                default=Value("not_started"),
                output_field=CharField(),
            ),
        )
    )
    if paths is not None:
        items = items.filter(_subtree_of(paths, "person__staff_profile__unit__path"))
    return items


PATHS = [None, ["0001"], ["00010001", "00010003"]]


@pytest.mark.parametrize("paths", PATHS)
def test_items_grouping_and_trend_are_the_same_queries(paths):
    day = date(2026, 3, 10)
    tz = timezone.get_current_timezone()
    built = _items_as_built(paths, day)
    items = current_items(paths, day)
    assert str(items.query) == str(built.query)
    grouped = (
        built.values("person__staff_profile__unit_id", "course_id")
        .annotate(**_counts(day))
        .order_by()
        .values_list(
            "person__staff_profile__unit_id",
            "course_id",
            "total",
            "completed",
            "overdue",
            "exempt",
        )
    )
    seen = []

    def roll_up(queryset, level_units, key):
        seen.append(str(queryset.query))
        return [], {}, None

    from reports import figures as reports

    original = reports._roll_up
    reports._roll_up = roll_up
    try:
        matrix(items, [], 4, day, unit_paths={})
        # Filtered further, it is any queryset: grouped as it is.
        matrix(items.filter(course_id=7), [], 4, day, unit_paths={})
    finally:
        reports._roll_up = original
    assert seen[0] == str(grouped.query)
    assert seen[1] == str(
        built.filter(course_id=7)
        .values("person__staff_profile__unit_id", "course_id")
        .annotate(**_counts(day))
        .order_by()
        .values_list(
            "person__staff_profile__unit_id",
            "course_id",
            "total",
            "completed",
            "overdue",
            "exempt",
        )
        .query
    )
    per_day = (
        built.filter(course_id=7)
        .values(day=TruncDate("completed_at", tzinfo=tz))
        .annotate(
            done=Count(
                "pk",
                filter=Q(state=Assignment.State.COMPLETED, completed_at__isnull=False),
            ),
            required=Count("pk", filter=~Q(state=Assignment.State.EXEMPT)),
        )
        .order_by()
        .values_list("day", "done", "required")
    )
    queries = []
    points = reports.trend_points
    reports.trend_points = lambda per, d, w: queries.append(str(per.query)) or []
    try:
        trend(items, 7, day)
    finally:
        reports.trend_points = points
    assert queries == [str(per_day.query)]


def test_the_items_built_once_are_never_evaluated(catalogue):
    org = make_report_org(catalogue)
    add_people(org, org["a1"], 2, "a1-", state="completed")
    day = timezone.localdate()
    first = current_items([org["a"].path], day)
    assert len(list(first)) == 4
    Assignment.objects.all().delete()
    assert list(current_items([org["a"].path], day)) == []
    assert list(current_items(None, day)) == []


def test_the_counts_are_the_same_counted_either_way(catalogue):
    org = make_report_org(catalogue)
    add_people(org, org["a1"], 2, "a1-", state="completed")
    add_people(org, org["a"], 1, "a-", overdue=True)
    add_people(org, org["b"], 3, "b-")
    day = timezone.localdate()
    units = [OrgUnit.objects.get(pk=org[key].pk) for key in ("a", "b")]
    for paths in (None, [org["a"].path], [org["a"].path, org["b"].path]):
        fast = matrix(current_items(paths, day), units, 8, day)
        slow = matrix(current_items(paths, day).filter(pk__gt=0), units, 8, day)
        assert [(r.label, r.total) for r in fast[0]] == [
            (r.label, r.total) for r in slow[0]
        ]
        assert fast[1] == slow[1]
        assert fast[2] == slow[2]
        course = org["courses"][0].pk
        assert trend(current_items(paths, day), course, day) == trend(
            current_items(paths, day).filter(pk__gt=0), course, day
        )


# --- The view's reads --------------------------------------------------------


def test_goals_and_courses_read_in_sql(catalogue, django_assert_num_queries):
    org = make_report_org(catalogue)
    unit = OrgUnit.objects.get(pk=org["a"].pk)
    course_a, course_b = org["courses"]
    for course, deadline in (
        (course_b, date(2026, 6, 1)),
        (course_a, date(2026, 5, 1)),
    ):
        ReportGoal.objects.create(
            course=course, unit=unit, target_percent=80, deadline=deadline
        )
    ReportGoal.objects.create(
        course=course_a, unit=org["b"], target_percent=90, deadline=date(2026, 1, 1)
    )
    with django_assert_num_queries(1):
        goals = _goals(None, unit)
    expected = list(
        ReportGoal.objects.filter(unit=unit)
        .annotate(course_title=F("course__title"))
        .order_by("deadline")
    )
    assert [(g.pk, g.course_title) for g in goals] == [
        (g.pk, g.course_title) for g in expected
    ]
    assert all(g.unit is unit for g in goals)
    assert [g.deadline for g in goals] == [date(2026, 5, 1), date(2026, 6, 1)]
    ids = {course_a.pk: 1, course_b.pk: 2}
    assert [tuple(c) for c in _courses_by_id(ids)] == list(
        Page.objects.filter(pk__in=list(ids))
        .order_by("title")
        .values_list("pk", "title")
    )
    assert _courses_by_id({}) == []


@pytest.mark.parametrize(
    ("widget", "django_widget", "value"),
    [
        (_TextInput(), forms.TextInput(), None),
        (_TextInput(), forms.TextInput(), ""),
        (_TextInput(attrs={"maxlength": "200"}), forms.TextInput(), 'a"<b>&c'),
        (
            _DateInput(attrs={"type": "date"}),
            forms.DateInput(attrs={"type": "date"}),
            date(2026, 1, 2),
        ),
        (
            _DateInput(attrs={"type": "date"}),
            forms.DateInput(attrs={"type": "date"}),
            "2026-13-45<",
        ),
    ],
)
def test_inputs_are_written_as_django_writes_them(widget, django_widget, value):
    attrs = {
        "id": "id_x",
        "aria-describedby": "a b",
        "aria-invalid": "true",
        "required": True,
        "disabled": False,
    }
    if "maxlength" in widget.attrs:
        django_widget.attrs["maxlength"] = "200"
    assert widget.render("x", value, attrs) == django_widget.render("x", value, attrs)


# --- The header: the user bar --------------------------------------------------


def test_user_bar_only_on_wagtail_pages(client, catalogue):
    editor = make_staff("editor", hr_role="central")
    editor.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    client.force_login(editor)
    assert b"wagtail-userbar" in client.get(catalogue.url).content
    assert b"wagtail-userbar" not in client.get(reverse("reports:reports")).content
    learner = make_staff("learner")
    client.force_login(learner)
    assert b"wagtail-userbar" not in client.get(catalogue.url).content


# --- The unit asked for --------------------------------------------------------


def test_the_unit_comes_with_its_ancestors_in_one_query(
    catalogue, django_assert_num_queries
):
    from django.http import Http404

    from reports.views import _unit_in_scope

    org = make_report_org(catalogue)
    deep = make_unit("A1x", name="Djup", parent=OrgUnit.objects.get(pk=org["a1"].pk))
    with django_assert_num_queries(1):
        unit = _unit_in_scope(None, deep.pk)
    assert unit.pk == deep.pk
    assert [u.hr_code for u in unit.lineage] == ["C", "A", "A1"]
    assert [u.hr_code for u in _unit_in_scope(None, org["city"].pk).lineage] == []
    a_only = [OrgUnit.objects.get(pk=org["a"].pk).path]
    assert _unit_in_scope(a_only, deep.pk).pk == deep.pk
    for paths, unit_id in ((a_only, org["b"].pk), (None, 999999), (a_only, 0)):
        with pytest.raises(Http404):
            _unit_in_scope(paths, unit_id)
