"""HR, in the browser: uploads a staff file, checks the dry run, applies it;
writes a rule, previews it, activates it. Then the learner sees the
assignment with its due date and the reason."""

import datetime
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from assignments.models import Assignment, AssignmentRule
from cms.roles import ensure_hr_admin_group
from organisation.models import OrgUnit, StaffProfile
from tests.browser.helpers import (
    admin_log_in,
    assert_no_axe_violations,
    log_in,
    path_of,
)
from tests.factories import PASSWORD, UserFactory, make_unit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STAFF_FILE = (
    "employee_number;first_name;last_name;email;unit_hr_code;job_title;"
    "start_date;end_date;line_manager_employee_number;on_leave_until;language\r\n"
    "E1001;Åsa;Öberg;asa.oberg@example.se;VO1;Undersköterska;2019-03-01;;;;sv\r\n"
    "E1002;Jonas;Berg;jonas.berg@example.se;SK1;Lärare;2020-08-15;;;;sv\r\n"
).encode("utf-8-sig")


@pytest.fixture
def central_hr(db):
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_admin_group())
    StaffProfile.objects.create(user=user, employee_number="HR1", hr_role="central")
    return user


def test_hr_imports_staff_writes_a_rule_and_the_learner_sees_it(
    new_page, central_hr, course, tmp_path
):
    care = make_unit("VO", name="Vård och omsorg")
    make_unit("VO1", name="Hemtjänst City", parent=OrgUnit.objects.get(pk=care.pk))
    school = make_unit("SK", name="Skola")
    make_unit("SK1", name="Skolan i parken", parent=OrgUnit.objects.get(pk=school.pk))

    hr = new_page()
    admin_log_in(hr, central_hr.username)

    # The staff file: upload, dry run, apply.
    staff_file = tmp_path / "personal.csv"
    staff_file.write_bytes(STAFF_FILE)
    hr.goto("/admin/hr-import/")
    hr.locator("input[name=kind][value=staff]").check()
    hr.locator("input[name=mode][value=partial]").check()
    hr.locator("input[type=file]").set_input_files(str(staff_file))
    with hr.expect_navigation():
        hr.locator("main form button[type=submit]").click()
    assert "E1001" in hr.content() and "E1002" in hr.content()
    assert not StaffProfile.objects.filter(employee_number="E1001").exists()
    with hr.expect_navigation():
        hr.locator("form button[type=submit]", has_text="import").first.click()
    assert (
        StaffProfile.objects.filter(employee_number__in=["E1001", "E1002"]).count() == 2
    )

    # A rule: draft, preview, activate.
    hr.goto("/admin/assignment-rules/new/")
    hr.locator("#id_name").fill("Alla i vården")
    hr.locator("#id_course").select_option(str(course.pk))
    # The unit with the unit chooser, several at once (one ticked here).
    hr.locator("#id_units_with_subtree").click()
    modal = hr.locator(".modal-dialog")
    modal.get_by_label("Vård och omsorg", exact=True).check()
    modal.locator("[data-multiple-choice-submit]").click()
    modal.wait_for(state="detached")
    assert (
        hr.locator("#id_units_with_subtree-chooser li")
        .all_inner_texts()[0]
        .startswith("Vård och omsorg")
    )
    hr.locator("input[name=due_kind][value=after_assignment]").check()
    hr.locator("#id_due_days").fill("30")
    with hr.expect_navigation():
        hr.locator("main form button[type=submit]").first.click()
    rule = AssignmentRule.objects.get()
    assert path_of(hr) == f"/admin/assignment-rules/{rule.pk}/preview/"
    gains = hr.locator("table[data-list=gains] tbody tr")
    assert gains.count() == 1
    assert "Öberg" in gains.first.inner_text()
    due = timezone.localdate() + timedelta(days=30)
    assert due.isoformat() in gains.first.inner_text()
    assert not Assignment.objects.exists()  # a preview writes nothing
    with hr.expect_navigation():
        hr.locator("form[action$='/activate/'] button[type=submit]").click()
    assert path_of(hr) == "/admin/assignment-rules/"
    row = Assignment.objects.get()
    assert (row.person.username, row.due_date) == ("e1001", due)

    # The learner sees it, with its due date and why.
    learner = get_user_model().objects.get(username="e1001")
    learner.set_password(PASSWORD)
    learner.save()
    page = new_page()
    log_in(page, "e1001", PASSWORD, next_path="/learning/")
    required = page.locator("section", has=page.locator("#required-heading"))
    assert course.title in required.inner_text()
    assert required.locator(f"time[datetime='{due.isoformat()}']").count() == 1
    required.locator("details summary").first.click()
    reason = required.locator("details").first.inner_text()
    assert "Alla i vården" in reason and "Hemtjänst City" in reason
    assert_no_axe_violations(page, "My learning with required training")


def test_learner_reads_their_reminders_and_a_manager_reminds(new_page, course):
    """The notifications page and the manager's "remind now", in the browser;
    axe-core finds nothing on either."""
    from django.core import mail

    from notifications.models import Notification
    from reminders.models import ReminderPolicy
    from reminders.tasks import sweep_reminders
    from tests.factories import make_staff

    policy = ReminderPolicy.load()
    policy.window_start, policy.window_end = datetime.time(0), datetime.time(23, 59)
    policy.send_on_weekends = True
    policy.save()
    unit = make_unit("VO", name="Vård och omsorg")
    boss = make_staff("boss", unit=unit)
    OrgUnit.objects.filter(pk=unit.pk).update(head=boss)
    person = make_staff("learner", unit=unit)
    today = timezone.localdate()
    Assignment.objects.create(
        person=person,
        course=course,
        course_title=course.title,
        assigned_on=today - timedelta(days=40),
        due_date=today - timedelta(days=3),
    )
    sweep_reminders()
    assert Notification.objects.get().status == "sent"

    page = new_page()
    log_in(page, "learner", PASSWORD, next_path="/learning/notifications/")
    assert course.title in page.locator("main").inner_text()
    assert_no_axe_violations(page, "Your notifications")

    manager = new_page()
    log_in(manager, "boss", PASSWORD, next_path="/learning/team/")
    sent_before = len(mail.outbox)
    with manager.expect_navigation():
        manager.locator("form[action$='/remind-overdue/'] button").click()
    assert manager.locator("[role=status], .messages").first.is_visible()
    assert_no_axe_violations(manager, "My team after reminding")
    assert Notification.objects.filter(kind="manual").count() == 1
    assert len(mail.outbox) >= sent_before
