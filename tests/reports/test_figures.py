"""Report figures equal a brute-force count from the raw rows, for an
organisation with every edge case: exempt, withdrawn, inactive and moved
people, several recertification cycles, learning started or not."""

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from assignments.models import Assignment
from learners.models import Enrolment
from organisation.models import OrgUnit, StaffProfile
from reports.figures import Filters, current_items, matrix, people_rows
from reports.people import courses_in
from tests.factories import make_course, make_staff, make_unit

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)


@pytest.fixture
def org(catalogue):
    rng = random.Random(7)
    city = make_unit("C", name="Staden")
    admins = [
        make_unit(
            f"A{i}", name=f"Förvaltning {i}", parent=OrgUnit.objects.get(pk=city.pk)
        )
        for i in range(2)
    ]
    leaves = []
    for admin in admins:
        for j in range(2):
            leaves.append(
                make_unit(
                    f"{admin.hr_code}-{j}",
                    name=f"{admin.name} enhet {j}",
                    parent=OrgUnit.objects.get(pk=admin.pk),
                )
            )
    courses = [make_course(catalogue, lessons=1, title=f"Kurs {k}") for k in range(3)]
    units = [OrgUnit.objects.get(pk=u.pk) for u in [*admins, *leaves]]
    people = []
    for n in range(24):
        person = make_staff(
            f"p{n}", unit=rng.choice(units), job_title=rng.choice(["A", "B"])
        )
        people.append(person)
        for course in courses:
            if rng.random() < 0.25:
                continue
            cycles = rng.choice([1, 1, 2, 3])
            for cycle in range(1, cycles + 1):
                last = cycle == cycles
                state = (
                    rng.choice(["open", "open", "completed", "exempt", "withdrawn"])
                    if last
                    else "completed"
                )
                due = TODAY + timedelta(days=rng.randint(-20, 20))
                Assignment.objects.create(
                    person=person,
                    course=course,
                    course_title=course.title,
                    cycle=cycle,
                    state=state,
                    assigned_on=due - timedelta(days=30),
                    due_date=due,
                    completed_at=timezone.now() if state == "completed" else None,
                )
                if rng.random() < 0.5:
                    Enrolment.objects.create(
                        learner=person,
                        course=course,
                        cycle=cycle,
                        course_title=course.title,
                        last_activity_at=timezone.now() if rng.random() < 0.7 else None,
                    )
    # Edge cases: an inactive person, a moved person, someone with no unit.
    people[0].is_active = False
    people[0].save()
    StaffProfile.objects.filter(user=people[1]).update(unit=leaves[-1])
    StaffProfile.objects.filter(user=people[2]).update(unit=None)
    return {"city": city, "admins": admins, "leaves": leaves, "courses": courses}


def brute_force(paths=None):
    """Every item in scope with its status, from the raw rows in Python."""
    latest = {}
    for row in Assignment.objects.all():
        key = (row.person_id, row.course_id)
        if key not in latest or row.cycle > latest[key].cycle:
            latest[key] = row
    started = {
        (e.learner_id, e.course_id, e.cycle)
        for e in Enrolment.objects.all()
        if e.last_activity_at is not None
    }
    profiles = {
        p.user_id: p for p in StaffProfile.objects.select_related("unit", "user")
    }
    items = []
    for (person_id, _course_id), row in latest.items():
        profile = profiles.get(person_id)
        if row.state == "withdrawn" or profile is None or profile.unit is None:
            continue
        if not profile.user.is_active:
            continue
        path = profile.unit.path
        if paths is not None and not any(path.startswith(p) for p in paths):
            continue
        if row.state == "exempt":
            status = "exempt"
        elif row.state == "completed":
            status = "completed"
        elif row.due_date < TODAY:
            status = "overdue"
        elif (row.person_id, row.course_id, row.cycle) in started:
            status = "in_progress"
        else:
            status = "not_started"
        items.append((row, path, status))
    return items


def test_every_status_equals_the_brute_force(org):
    brute = {row.pk: status for row, _path, status in brute_force()}
    screen = dict(current_items(None, TODAY).values_list("pk", "status"))
    assert screen == brute
    assert set(Counter(brute.values())) == {
        "not_started",
        "in_progress",
        "completed",
        "overdue",
        "exempt",
    }


@pytest.mark.parametrize("level", ["city", "admin"])
def test_matrix_equals_the_brute_force(org, level):
    if level == "city":
        node = OrgUnit.objects.get(pk=org["city"].pk)
    else:
        node = OrgUnit.objects.get(pk=org["admins"][0].pk)
    children = list(node.get_children())
    rows, by_course, grand = matrix(
        current_items([node.path], TODAY),
        [node, *children],
        len(children[0].path),
        TODAY,
    )
    expected = defaultdict(Counter)
    for row, path, status in brute_force([node.path]):
        group = next((c.path for c in children if path.startswith(c.path)), node.path)
        expected[(group, row.course_id)]["total"] += 1
        expected[(group, row.course_id)][status] += 1
    for report_row in rows:
        for course in org["courses"]:
            cell = report_row.cells.get(course.pk)
            want = expected.get((report_row.unit.path, course.pk), Counter())
            got = (
                (cell.total, cell.completed, cell.overdue, cell.exempt)
                if cell
                else (0, 0, 0, 0)
            )
            assert got == (
                want["total"],
                want["completed"],
                want["overdue"],
                want["exempt"],
            ), (report_row.label, course.title)
    assert grand.total == sum(c["total"] for c in expected.values())
    assert grand.completed == sum(c["completed"] for c in expected.values())


def test_people_rows_filter_like_the_brute_force(org):
    course = org["courses"][1]
    unit = OrgUnit.objects.get(pk=org["admins"][1].pk)
    filters = Filters(course_id=course.pk, status="overdue", unit=unit)
    rows = list(people_rows(current_items(None, TODAY), filters))
    brute = [
        row.pk
        for row, path, status in brute_force([unit.path])
        if row.course_id == course.pk and status == "overdue"
    ]
    assert sorted(r["pk"] for r in rows) == sorted(brute)
    assert all(r["status"] == "overdue" for r in rows)


# --- The precomputed counts equal the live ones ----------------------------------


def _matrix_numbers(result):
    rows, by_course, grand = result

    def numbers(cell):
        return (cell.total, cell.completed, cell.overdue, cell.exempt)

    return (
        [
            (row.unit.path, {c: numbers(cell) for c, cell in row.cells.items()})
            for row in rows
        ],
        {c: numbers(cell) for c, cell in by_course.items()},
        numbers(grand),
    )


@pytest.fixture
def completions_spread(org):
    """Completion times over the last ten weeks, some near local midnight
    (the local day differs from the UTC day), so the trend and the last 28
    days' completions have something to count."""
    stockholm = timezone.get_current_timezone()
    completed = Assignment.objects.filter(state="completed").order_by("pk")
    for n, assignment in enumerate(completed):
        local = datetime.combine(
            TODAY - timedelta(days=(n * 5) % 45),
            time(0, 30) if n % 3 == 0 else time(23, 30) if n % 3 == 1 else time(12),
            tzinfo=stockholm,
        )
        Assignment.objects.filter(pk=assignment.pk).update(completed_at=local)


@pytest.mark.parametrize("level", ["city", "admin"])
def test_precomputed_counts_equal_the_live_counts(org, completions_spread, level):
    from reports.figures import PrecomputedCounts, goal_status, refresh_counts, trend
    from reports.models import ReportGoal

    assert refresh_counts() is not None
    counts = PrecomputedCounts(as_of=timezone.now())
    node = OrgUnit.objects.get(
        pk=org["city"].pk if level == "city" else org["admins"][0].pk
    )
    children = list(node.get_children())
    level_units, length = [node, *children], len(children[0].path)
    items = current_items([node.path], TODAY)
    live = matrix(items, level_units, length, TODAY)
    assert live[2].total  # something to compare
    # The course list a page takes from the counts is the live probe's.
    assert counts.course_ids([node.path]) == {c.pk for c in courses_in(items)}
    assert counts.course_ids(None) == {
        c.pk for c in courses_in(current_items(None, TODAY))
    }
    assert _matrix_numbers(
        counts.matrix([node.path], level_units, length, TODAY)
    ) == _matrix_numbers(live)
    # The city's scope (None) as for central HR.
    assert _matrix_numbers(
        counts.matrix(None, level_units, length, TODAY)
    ) == _matrix_numbers(matrix(current_items(None, TODAY), level_units, length, TODAY))
    for course in org["courses"]:
        by_course = items.filter(course_id=course.pk)
        assert _matrix_numbers(
            counts.matrix([node.path], level_units, length, TODAY, course.pk)
        ) == _matrix_numbers(matrix(by_course, level_units, length, TODAY))
        assert counts.trend([node.path], course.pk, TODAY) == trend(
            items, course.pk, TODAY
        )
        for unit in (node, None):
            goal = ReportGoal(
                course=course,
                unit=unit,
                target_percent=60,
                deadline=TODAY + timedelta(days=30),
            )
            live_goal = goal_status(goal, TODAY)
            assert goal_status(goal, TODAY, counts) == live_goal
    # Something was recent and something was completed along the trend.
    statuses = [
        goal_status(
            ReportGoal(course=c, target_percent=60, deadline=TODAY), TODAY, counts
        )
        for c in org["courses"]
    ]
    assert any(status.recent for status in statuses)


def test_a_refresh_asked_for_before_the_last_one_is_skipped(org):
    from reports.figures import refresh_counts

    asked = timezone.now() - timedelta(minutes=1)
    done = refresh_counts()
    assert done is not None
    assert refresh_counts(requested_at=asked) is None  # already included
    assert refresh_counts(requested_at=timezone.now()) > done
