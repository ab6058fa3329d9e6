"""Assignment rules with frozen time: each audience kind, each due policy,
recurrence, exemptions, overlapping rules, catch-up and withdrawal."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission

from assignments.actions.evaluation import evaluate_all, evaluate_course
from assignments.actions.rules import (
    activate_rule,
    deactivate_rule,
    grant_exemption,
    preview_rule,
    require_retake,
)
from assignments.models import Assignment, AssignmentRule, Exemption
from assignments.planning import RuleSpec
from learners import actions
from learners.actions.history import record_completion_elsewhere
from learners.models import Enrolment
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from tests.factories import UserFactory, make_course, make_rule, make_staff, make_unit

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2027, 3, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def org():
    """An administration with a department with two units, and another
    administration."""
    admin_a = make_unit("A", name="Vård och omsorg")
    dept = make_unit("A1", name="Hemtjänst", parent=admin_a)
    dept = OrgUnit.objects.get(pk=dept.pk)
    north = make_unit("A1N", name="Hemtjänst Norr", parent=dept)
    south = make_unit(
        "A1S", name="Hemtjänst Söder", parent=OrgUnit.objects.get(pk=dept.pk)
    )
    admin_b = make_unit("B", name="Skola")
    units = {u.hr_code: u for u in OrgUnit.objects.all()}
    return {**units, "north": north, "south": south, "a": admin_a, "b": admin_b}


@pytest.fixture
def hr(db):
    user = UserFactory(username="hr-admin", is_superuser=True, is_staff=True)
    return user


def assignments(course, **filters):
    return {
        a.person.username: a
        for a in Assignment.objects.filter(course=course, **filters).select_related(
            "person"
        )
    }


def test_units_with_subtree_and_without(course, org):
    make_staff("dept-person", unit=org["A1"])
    make_staff("north-person", unit=org["A1N"])
    make_staff("b-person", unit=org["B"])
    make_rule(course, units=[org["A1"]], active=True)
    assert set(assignments(course)) == {"dept-person", "north-person"}

    other = make_course(course.get_parent(), lessons=1, title="Bara enheten")
    make_rule(other, units_only=[org["A1"]], active=True)
    assert set(assignments(other)) == {"dept-person"}


def test_job_titles_match_case_insensitively_within_units(course, org):
    make_staff("nurse-a", unit=org["A1N"], job_title="Sjuksköterska")
    make_staff("nurse-b", unit=org["B"], job_title="sjuksköterska")
    make_staff("cook-a", unit=org["A1N"], job_title="Kock")
    make_rule(course, job_titles=["Sjuksköterska"], active=True)
    assert set(assignments(course)) == {"nurse-a", "nurse-b"}
    reasons = assignments(course)["nurse-b"].reasons[0]["matched"]
    assert reasons == [{"kind": "job_title", "title": "sjuksköterska"}]

    other = make_course(course.get_parent(), lessons=1)
    make_rule(other, units=[org["A"]], job_titles=["SJUKSKÖTERSKA"], active=True)
    assert set(assignments(other)) == {"nurse-a"}  # both criteria must hold


def test_named_people_are_added_to_the_audience(course, org):
    make_staff("in-unit", unit=org["A1N"])
    named = make_staff("named", unit=org["B"])
    make_rule(course, units=[org["A1N"]], people=[named], active=True)
    rows = assignments(course)
    assert set(rows) == {"in-unit", "named"}
    assert rows["named"].reasons[0]["matched"] == [{"kind": "named"}]


def test_everyone_and_new_starters(course, org):
    make_staff("old", unit=org["A1N"], start_date=date(2020, 1, 1))
    make_staff("new", unit=org["B"], start_date=date(2027, 1, 15))
    make_staff("no-date", unit=org["B"])
    make_rule(course, everyone=True, active=True)
    assert set(assignments(course)) == {"old", "new", "no-date"}

    starters = make_course(course.get_parent(), lessons=1)
    make_rule(starters, everyone=True, new_starters_from=date(2027, 1, 1), active=True)
    rows = assignments(starters)
    assert set(rows) == {"new"}
    assert rows["new"].reasons[0]["matched"] == [
        {"kind": "everyone"},
        {"kind": "new_starter", "start": "2027-01-15", "from": "2027-01-01"},
    ]


def test_inactive_people_and_leavers_are_not_assigned(course, org):
    gone = make_staff("gone", unit=org["A1N"])
    gone.is_active = False
    gone.save()
    make_staff("ended", unit=org["A1N"], end_date=date(2027, 3, 9))
    make_staff("ending", unit=org["A1N"], end_date=date(2027, 3, 10))
    make_rule(course, units=[org["A"]], active=True)
    assert set(assignments(course)) == {"ending"}


def test_reasons_name_the_unit_within_the_rule_unit(course, org):
    make_staff("north-person", unit=org["A1N"])
    rule = make_rule(course, units=[org["A"]], active=True, name="Alla i vården")
    assert assignments(course)["north-person"].reasons == [
        {
            "rule": rule.pk,
            "name": "Alla i vården",
            "matched": [
                {
                    "kind": "subtree",
                    "unit": "Hemtjänst Norr",
                    "within": "Vård och omsorg",
                }
            ],
        }
    ]


# --- Due dates ------------------------------------------------------------------


def test_due_n_days_after_assignment(course, org):
    make_staff("p", unit=org["A1N"])
    make_rule(course, units=[org["A"]], due_days=30, active=True)
    row = assignments(course)["p"]
    assert row.assigned_on == TODAY
    assert row.due_date == TODAY + timedelta(days=30)
    assert row.state == Assignment.State.OPEN


def test_fixed_date_and_grace_floor(course, org):
    make_staff("p", unit=org["A1N"])
    make_rule(
        course,
        units=[org["A"]],
        due_kind=AssignmentRule.DueKind.FIXED,
        due_date=date(2027, 6, 30),
        active=True,
    )
    assert assignments(course)["p"].due_date == date(2027, 6, 30)

    late = make_course(course.get_parent(), lessons=1)
    make_rule(
        late,
        units=[org["A"]],
        due_kind=AssignmentRule.DueKind.FIXED,
        due_date=date(2027, 3, 12),  # two days away: too soon
        grace_days=14,
        active=True,
    )
    assert assignments(late)["p"].due_date == TODAY + timedelta(days=14)


def test_due_after_start_date_never_makes_anyone_overdue_at_once(course, org):
    make_staff("veteran", unit=org["A1N"], start_date=date(2015, 8, 1))
    make_staff("starter", unit=org["A1N"], start_date=date(2027, 3, 1))
    make_staff("future", unit=org["A1N"], start_date=date(2027, 4, 1))
    make_rule(
        course,
        units=[org["A"]],
        due_kind=AssignmentRule.DueKind.AFTER_START,
        due_days=30,
        grace_days=21,
        active=True,
    )
    rows = assignments(course)
    assert rows["veteran"].due_date == TODAY + timedelta(days=21)
    assert rows["starter"].due_date == date(2027, 3, 31)
    assert rows["future"].due_date == date(2027, 5, 1)
    assert not any(row.is_overdue(TODAY) for row in rows.values())


def test_overlapping_rules_give_one_assignment_with_the_earliest_due_date(course, org):
    make_staff("p", unit=org["A1N"], job_title="Undersköterska")
    by_unit = make_rule(course, units=[org["A"]], due_days=60, active=True)
    by_title = make_rule(
        course, job_titles=["Undersköterska"], due_days=20, active=True
    )
    rows = Assignment.objects.filter(course=course)
    assert rows.count() == 1
    row = rows.get()
    assert row.due_date == TODAY + timedelta(days=20)
    assert [r["rule"] for r in row.reasons] == [by_unit.pk, by_title.pk]


def test_moving_between_two_audiences_keeps_assignment_and_due_date(
    course, org, frozen
):
    person = make_staff("mover", unit=org["A1N"])
    make_rule(course, units=[org["A1N"]], due_days=30, name="Norr", active=True)
    make_rule(course, units=[org["A1S"]], due_days=90, name="Söder", active=True)
    before = assignments(course)["mover"]

    frozen.move_to(date(2027, 3, 20))
    StaffProfile.objects.filter(user=person).update(unit=org["A1S"])
    evaluate_course(course.pk)
    after = Assignment.objects.get(course=course, person=person)
    assert after.pk == before.pk
    assert after.due_date == before.due_date == date(2027, 4, 9)
    assert after.state == Assignment.State.OPEN
    assert [r["name"] for r in after.reasons] == ["Söder"]


def test_leave_moves_due_date_to_return_plus_grace(course, org):
    make_staff("away", unit=org["A1N"], on_leave_until=date(2027, 5, 31))
    make_staff("back-soon", unit=org["A1N"], on_leave_until=date(2027, 3, 15))
    make_rule(course, units=[org["A"]], due_days=30, grace_days=14, active=True)
    rows = assignments(course)
    assert rows["away"].due_date == date(2027, 6, 14)
    assert rows["back-soon"].due_date == TODAY + timedelta(days=30)


def test_leave_starting_later_moves_an_open_due_date(course, org, frozen):
    person = make_staff("p", unit=org["A1N"])
    make_rule(course, units=[org["A"]], due_days=30, grace_days=10, active=True)
    assert assignments(course)["p"].due_date == date(2027, 4, 9)
    frozen.move_to(date(2027, 4, 1))
    StaffProfile.objects.filter(user=person).update(on_leave_until=date(2027, 8, 31))
    plan = evaluate_course(course.pk)
    assert plan.counts()["due_moved"] == 1
    assert assignments(course)["p"].due_date == date(2027, 9, 10)
    assert evaluate_course(course.pk).changes == []  # stable


# --- Catch-up, withdrawal, completion -------------------------------------------


def test_catch_up_and_withdrawal(course, org, frozen):
    stays = make_staff("stays", unit=org["A1N"])
    leaves = make_staff("leaves", unit=org["A1N"])
    make_rule(course, units=[org["A"]], active=True)
    frozen.move_to(date(2027, 4, 1))
    joiner = make_staff("joiner", unit=org["A1S"])
    StaffProfile.objects.filter(user=leaves).update(unit=org["B"])
    plan = evaluate_course(course.pk)
    assert plan.counts()["assign"] == 1 and plan.counts()["withdraw"] == 1
    rows = assignments(course)
    assert rows["joiner"].assigned_on == date(2027, 4, 1)
    assert rows["joiner"].due_date == date(2027, 5, 1)
    assert rows["leaves"].state == Assignment.State.WITHDRAWN
    assert rows["leaves"].withdrawn_on == date(2027, 4, 1)
    assert rows["stays"].state == Assignment.State.OPEN
    assert stays.is_active and joiner.is_active
    assert evaluate_course(course.pk).changes == []  # idempotent


def test_deactivated_person_is_withdrawn_but_completion_stays(course, org, lessons):
    done = make_staff("done", unit=org["A1N"])
    leaver = make_staff("leaver", unit=org["A1N"])
    make_rule(course, units=[org["A"]], active=True)
    for lesson in lessons:
        actions.record_lesson_progress(done, lesson, completed=True)
    assert assignments(course)["done"].state == Assignment.State.COMPLETED
    for user in (done, leaver):
        user.is_active = False
        user.save()
    evaluate_course(course.pk)
    rows = assignments(course)
    assert rows["done"].state == Assignment.State.COMPLETED
    assert rows["leaver"].state == Assignment.State.WITHDRAWN


def test_reentering_the_audience_reopens_with_a_fresh_due_date(course, org, frozen):
    person = make_staff("p", unit=org["A1N"])
    make_rule(course, units=[org["A"]], due_days=30, active=True)
    StaffProfile.objects.filter(user=person).update(unit=org["B"])
    evaluate_course(course.pk)
    frozen.move_to(date(2027, 9, 1))
    StaffProfile.objects.filter(user=person).update(unit=org["A1S"])
    evaluate_course(course.pk)
    row = Assignment.objects.get(person=person)
    assert (row.state, row.cycle, row.due_date) == ("open", 1, date(2027, 10, 1))
    assert row.withdrawn_on is None


def test_completion_marks_the_assignment_in_the_same_transaction(course, org, lessons):
    person = make_staff("p", unit=org["A1N"])
    make_rule(course, units=[org["A"]], active=True)
    for lesson in lessons:
        actions.record_lesson_progress(person, lesson, completed=True)
    row = assignments(course)["p"]
    enrolment = Enrolment.objects.get(learner=person)
    assert row.state == Assignment.State.COMPLETED
    assert row.completed_at == enrolment.completed_at


def test_earlier_completion_means_nobody_is_due_again(course, org, hr):
    person = make_staff("p", unit=org["A1N"])
    record_completion_elsewhere(
        hr, person, course, date(2026, 5, 4), source=Enrolment.Source.IMPORTED
    )
    plan = evaluate_course(course.pk)  # no rule yet: nothing
    assert plan.changes == []
    make_rule(course, units=[org["A"]], active=True)
    row = assignments(course)["p"]
    assert row.state == Assignment.State.COMPLETED
    assert row.due_date is None


def test_unpublished_course_is_left_alone(course, org):
    make_staff("p", unit=org["A1N"])
    make_rule(course, units=[org["A"]], active=True)
    course.unpublish()
    StaffProfile.objects.update(unit=org["B"])
    assert evaluate_course(course.pk).changes == []
    assert assignments(course)["p"].state == Assignment.State.OPEN


# --- Recurrence -------------------------------------------------------------------


def _complete(person, course, lessons):
    for lesson in lessons:
        actions.record_lesson_progress(person, lesson, completed=True)
    return Enrolment.objects.filter(learner=person, course=course).latest("cycle")


def test_keep_valid_rolling_months(course, org, lessons, frozen):
    course.validity_kind = "months"
    course.validity_months = 12
    course.save_revision().publish()
    person = make_staff("p", unit=org["A1N"])
    make_rule(
        course,
        units=[org["A"]],
        recurrence=AssignmentRule.Recurrence.KEEP_VALID,
        renew_days_before=30,
        active=True,
    )
    _complete(person, course, lessons)
    # Valid until 2028-03-10: nothing opens before 2028-02-09.
    frozen.move_to(date(2028, 2, 8))
    assert evaluate_course(course.pk).changes == []
    frozen.move_to(date(2028, 2, 9))
    plan = evaluate_course(course.pk)
    assert plan.counts()["renew"] == 1
    row = Assignment.objects.get(person=person, cycle=2)
    assert (row.state, row.due_date, row.assigned_on) == (
        "open",
        date(2028, 3, 10),
        date(2028, 2, 9),
    )
    # The new cycle's enrolment is open, so the course page shows a new round.
    assert Enrolment.objects.get(learner=person, cycle=2).completed_at is None
    assert evaluate_course(course.pk).changes == []
    # Completing cycle 2 completes the renewal.
    frozen.move_to(date(2028, 3, 1))
    _complete(person, course, lessons)
    assert Assignment.objects.get(person=person, cycle=2).state == "completed"


def test_keep_valid_fixed_yearly_with_minimum_period(course, org, lessons, frozen):
    """Valid until 31 March each year, at least 60 days: someone completing
    on 10 March is valid to 31 March next year, not due again three weeks on."""
    course.validity_kind = "yearly"
    course.validity_yearly_month = 3
    course.validity_yearly_day = 31
    course.validity_minimum_days = 60
    course.save_revision().publish()
    person = make_staff("starter", unit=org["A1N"], start_date=date(2027, 3, 1))
    make_rule(
        course,
        units=[org["A"]],
        recurrence=AssignmentRule.Recurrence.KEEP_VALID,
        renew_days_before=30,
        active=True,
    )
    _complete(person, course, lessons)
    frozen.move_to(date(2027, 3, 25))
    assert evaluate_course(course.pk).changes == []
    frozen.move_to(date(2028, 3, 1))
    plan = evaluate_course(course.pk)
    assert [(c.kind, c.due_date) for c in plan.changes] == [
        ("renew", date(2028, 3, 31))
    ]


def test_keep_valid_expired_long_ago_is_due_after_grace(course, org, hr):
    course.validity_kind = "months"
    course.validity_months = 12
    course.save_revision().publish()
    person = make_staff("p", unit=org["A1N"])
    record_completion_elsewhere(hr, person, course, date(2024, 1, 10))
    make_rule(
        course,
        units=[org["A"]],
        recurrence=AssignmentRule.Recurrence.KEEP_VALID,
        grace_days=14,
        active=True,
    )
    row = Assignment.objects.get(person=person)
    assert (row.cycle, row.state, row.due_date) == (2, "open", date(2027, 3, 24))


def test_keep_valid_needs_a_course_validity(course, org, hr):
    make_staff("p", unit=org["A1N"])
    rule = make_rule(
        course, units=[org["A"]], recurrence=AssignmentRule.Recurrence.KEEP_VALID
    )
    with pytest.raises(Exception) as error:
        activate_rule(hr, rule)
    assert "recurrence" in error.value.message_dict
    assert not Assignment.objects.exists()


# --- Exemptions and retakes -------------------------------------------------------


def test_exemption_until_a_date(course, org, hr, frozen):
    person = make_staff("p", unit=org["A1N"])
    make_rule(course, units=[org["A"]], due_days=30, grace_days=14, active=True)
    grant_exemption(
        hr,
        Exemption(
            person=person,
            course=course,
            reason="Långtidssjukskriven",
            valid_until=date(2027, 6, 30),
        ),
    )
    assert assignments(course)["p"].state == Assignment.State.EXEMPT
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXEMPTION).exists()
    frozen.move_to(date(2027, 6, 30))
    assert evaluate_course(course.pk).changes == []
    frozen.move_to(date(2027, 7, 1))
    evaluate_course(course.pk)
    row = assignments(course)["p"]
    assert (row.state, row.due_date) == ("open", date(2027, 7, 15))


def test_exempt_new_starter_is_recorded_exempt(course, org, hr):
    person = make_staff("p", unit=org["A1N"])
    Exemption.objects.create(person=person, course=course, reason="Annan kurs")
    make_rule(course, units=[org["A"]], active=True)
    assert assignments(course)["p"].state == Assignment.State.EXEMPT


def test_require_retake_opens_a_new_cycle_for_holders(course, org, lessons, hr):
    holder = make_staff("holder", unit=org["A1N"])
    volunteer = make_staff("volunteer", unit=org["B"])  # took it without a rule
    make_staff("not-done", unit=org["A1N"])
    make_rule(course, units=[org["A"]], active=True)
    _complete(holder, course, lessons)
    _complete(volunteer, course, lessons)
    count = require_retake(hr, course, date(2027, 5, 31), "Ny lagstiftning")
    assert count == 2
    rows = Assignment.objects.filter(source=Assignment.Source.RETAKE)
    assert {(r.person.username, r.cycle, r.due_date) for r in rows} == {
        ("holder", 2, date(2027, 5, 31)),
        ("volunteer", 2, date(2027, 5, 31)),
    }
    assert Enrolment.objects.filter(cycle=2, completed_at__isnull=True).count() == 2
    # The sweep keeps a retake even outside any rule's audience.
    evaluate_course(course.pk)
    assert Assignment.objects.get(person=volunteer, cycle=2).state == "open"
    # Twice is once.
    assert require_retake(hr, course, date(2027, 5, 31), "Ny lagstiftning") == 0


def test_retake_needs_permission_reason_and_a_future_date(course, org):
    learner = make_staff("learner", unit=org["A1N"])
    with pytest.raises(Exception) as error:
        require_retake(learner, course, date(2027, 5, 31), "x")
    assert error.typename == "PermissionDenied"
    coordinator = UserFactory(username="coord", is_staff=True)
    coordinator.user_permissions.add(Permission.objects.get(codename="require_retake"))
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)
    with pytest.raises(Exception) as error:
        require_retake(coordinator, course, TODAY, " ")
    assert set(error.value.message_dict) == {"reason", "due_date"}


# --- Preview, edit, deactivate ------------------------------------------------------


def test_preview_lists_exactly_the_people_activation_assigns(course, org, hr):
    for index in range(6):
        make_staff(f"n{index}", unit=org["A1N"] if index % 2 else org["B"])
    make_staff("named", unit=org["B"])
    rule = make_rule(course, units=[org["A"]])
    rule.people.set([StaffProfile.objects.get(employee_number="E-named").user])
    preview = preview_rule(rule, RuleSpec.of(rule))
    previewed = {(c.person_id, c.due_date) for c in preview.gains}
    assert len(previewed) == 4
    plan = activate_rule(hr, rule)
    created = set(
        Assignment.objects.filter(course=course).values_list("person_id", "due_date")
    )
    assert previewed == created == {(c.person_id, c.due_date) for c in plan.gains}


def test_editing_an_active_rule_previews_gains_losses_and_moves(course, org, hr):
    make_staff("north", unit=org["A1N"])
    make_staff("south", unit=org["A1S"])
    make_staff("school", unit=org["B"])
    rule = make_rule(course, units=[org["A1"]], due_days=30, active=True)
    rule.due_days = 60
    spec = RuleSpec.of(rule, subtree_ids=[org["A1N"].pk, org["B"].pk])
    preview = preview_rule(rule, spec)
    people = preview.people(preview.changes)
    summary = {(people[c.person_id].username, c.kind) for c in preview.changes}
    assert summary == {
        ("school", "assign"),
        ("south", "withdraw"),
        ("north", "due_moved"),
    }
    moved = preview.of_kind("due_moved")[0]
    assert (moved.old_due_date, moved.due_date) == (
        TODAY + timedelta(days=30),
        TODAY + timedelta(days=60),
    )
    # Nothing was written by the preview.
    assert Assignment.objects.filter(state="open").count() == 2


def test_an_edit_never_makes_anyone_due_sooner_than_the_grace_period(
    course, org, frozen
):
    make_staff("p", unit=org["A1N"])
    rule = make_rule(course, units=[org["A"]], due_days=90, grace_days=14, active=True)
    frozen.move_to(date(2027, 5, 1))
    AssignmentRule.objects.filter(pk=rule.pk).update(due_days=10)
    evaluate_course(course.pk, recompute_rule_ids={rule.pk})
    assert assignments(course)["p"].due_date == date(2027, 5, 15)


def test_deactivating_withdraws_what_the_rule_alone_gave(course, org, hr):
    make_staff("only-a", unit=org["A1N"])
    make_staff("both", unit=org["A1N"], job_title="Chef")
    rule_a = make_rule(course, units=[org["A"]], active=True)
    make_rule(course, job_titles=["Chef"], active=True)
    plan = deactivate_rule(hr, rule_a)
    assert plan.counts()["withdraw"] == 1
    rows = assignments(course)
    assert rows["only-a"].state == "withdrawn"
    assert rows["both"].state == "open"


def test_evaluate_all_covers_every_course_and_is_idempotent(catalogue, org):
    first = make_course(catalogue, lessons=1)
    second = make_course(catalogue, lessons=1)
    make_staff("p", unit=org["A1N"])
    for course in (first, second):
        rule = make_rule(course, units=[org["A"]])
        AssignmentRule.objects.filter(pk=rule.pk).update(active=True)
    results = evaluate_all()
    assert {cid: counts["assign"] for cid, counts in results.items()} == {
        first.pk: 1,
        second.pk: 1,
    }
    assert all(
        not any(v for k, v in c.items() if k != "matched")
        for c in evaluate_all().values()
    )


def test_an_hr_import_reevaluates_every_course(
    course, org, django_capture_on_commit_callbacks
):
    """Joiners, movers and leavers from the HR file reach the assignments
    (the sweep runs on commit; eager in unit tests, a worker in production)."""
    from organisation import hr_import
    from tests.helpers import STAFF_HEADER, csv_bytes, staff_row

    make_staff("stays", unit=org["A1N"])
    make_staff("mover", unit=org["A1N"])
    make_rule(course, units=[org["A"]], active=True)
    content = csv_bytes(
        STAFF_HEADER,
        staff_row("E-stays", unit="A1N"),
        staff_row("E-mover", unit="B"),
        staff_row("E-joiner", unit="A1S"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        hr_import.apply_import(None, "staff", content, "personal.csv", "partial")
    states = {
        a.person.staff_profile.employee_number: a.state
        for a in Assignment.objects.select_related("person__staff_profile")
    }
    assert states == {"E-stays": "open", "E-mover": "withdrawn", "E-joiner": "open"}


@pytest.mark.parametrize("people", [3, 30])
def test_evaluation_queries_do_not_grow_with_people(
    course, org, people, django_assert_max_num_queries
):
    """A fixed number of queries per course: bulk reads, bulk writes."""
    for index in range(people):
        make_staff(f"p{index}", unit=org["A1N"] if index % 2 else org["A1S"])
    rule = make_rule(course, units=[org["A"]], job_titles=[], due_days=30)
    make_rule(course, units_only=[org["A1S"]], due_days=10)
    AssignmentRule.objects.update(active=True)
    with django_assert_max_num_queries(24):
        plan = evaluate_course(course.pk)
    assert plan.counts()["assign"] == people
    StaffProfile.objects.filter(unit=org["A1S"]).update(unit=org["B"])
    with django_assert_max_num_queries(24):
        plan = evaluate_course(course.pk)
    assert plan.counts()["withdraw"] == people // 2 + people % 2
    assert rule.pk


@pytest.mark.parametrize("people", [3, 30])
def test_admin_preview_queries_do_not_grow_with_people(
    client, course, org, people, django_assert_max_num_queries
):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    for index in range(people):
        make_staff(f"p{index}", unit=org["A1N"])
    rule = make_rule(course, units=[org["A"]])
    client.force_login(admin)
    from django.urls import reverse

    with django_assert_max_num_queries(40):
        response = client.get(reverse("assignment_rule_preview", args=[rule.pk]))
    assert len(response.context["sections"][0]["rows"]) == people
    with django_assert_max_num_queries(30):
        client.get(reverse("assignment_rules"))


def test_retired_course_takes_no_one_new_and_withdraws_open_assignments(
    course, org, lessons, hr, client, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    done = make_staff("done", unit=org["A1N"])
    make_staff("open", unit=org["A1N"])
    rule = make_rule(course, units=[org["A"]], active=True)
    for lesson in lessons:
        actions.record_lesson_progress(done, lesson, completed=True)
    course.retired = True
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()  # the publish signal re-evaluates
    states = {name: row.state for name, row in assignments(course).items()}
    assert states == {"done": "completed", "open": "withdrawn"}
    newcomer = make_staff("newcomer", unit=org["A1N"])
    assert evaluate_course(course.pk).changes == []
    with pytest.raises(ValidationError):
        actions.enrol_learner(newcomer, course)
    with pytest.raises(ValidationError) as error:
        activate_rule(hr, rule)
    assert "course" in error.value.message_dict
    client.force_login(newcomer)
    catalogue_page = client.get(course.get_parent().url).content.decode()
    assert course.title not in catalogue_page
