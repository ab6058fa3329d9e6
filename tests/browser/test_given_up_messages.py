"""An HR administrator, in the browser, at 1280 px, at 375 px and by keyboard:
the messages the relay never took, counted by kind, sent again with a
button — and a coordinator of another administration sees none of them.
Screenshots go to /tmp/shots/given-up/."""

import pytest
from django.utils import timezone

from cms.roles import ensure_hr_admin_group
from notifications.models import Notification
from organisation.models import StaffProfile
from tests.browser.helpers import (
    PHONE,
    assert_no_axe_violations,
    log_in,
    path_of,
    shot,
    tab_to,
)
from tests.factories import PASSWORD, make_staff, make_unit
from tests.helpers import whole_day_reminder_policy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "given-up"
URL = "/admin/messages-given-up/"


def given_up(person, kind, number):
    return Notification.objects.create(
        key=f"{kind}:{person.pk}:{number}",
        kind=kind,
        recipient=person,
        status=Notification.Status.FAILED,
        attempts=74,
        first_failed_at=timezone.now() - timezone.timedelta(hours=72),
        given_up_at=timezone.now(),
        alerted_at=timezone.now(),
        last_error="SMTPServerDisconnected('Connection unexpectedly closed')",
    )


@pytest.fixture
def world(transactional_db):
    # Reminders may go at any hour: what is sent again goes at once.
    whole_day_reminder_policy()
    city = make_unit("STAD", name="Staden")
    school = make_unit("UTB", name="Utbildningsförvaltningen", parent=city)
    care = make_unit("OMS", name="Omsorgsförvaltningen", parent=city)
    hr = make_staff("hr-admin", unit=city, hr_role=StaffProfile.HrRole.CENTRAL)
    coordinator = make_staff(
        "samordnare", unit=care, hr_role=StaffProfile.HrRole.COORDINATOR
    )
    for person in (hr, coordinator):
        person.groups.add(ensure_hr_admin_group())
    teachers = [make_staff(f"larare{n}", unit=school) for n in range(2)]
    rows = [
        given_up(teachers[0], Notification.Kind.REMINDERS, 1),
        given_up(teachers[1], Notification.Kind.REMINDERS, 2),
        given_up(teachers[0], Notification.Kind.COURSE_COMPLETED, 3),
    ]
    return {"hr": hr, "coordinator": coordinator, "rows": rows}


def test_hr_sends_given_up_messages_again_and_another_administration_sees_none(
    new_page, world
):
    page = new_page()
    log_in(page, "hr-admin", PASSWORD, next_path=URL)
    assert path_of(page) == URL
    kinds = page.locator("[data-list=given-up-kinds] tbody tr")
    assert kinds.count() == 2
    reminders = page.locator("tr[data-kind=reminders]")
    assert reminders.locator("td").first.inner_text() == "2"
    assert page.locator("[data-list=given-up] li").count() == 3
    assert "Förnamn" in page.locator("[data-list=given-up]").inner_text()
    assert_no_axe_violations(page, "the messages given up")
    shot(page, SHOTS, "given-up-1280")

    tab_to(
        page,
        "el => el.tagName === 'BUTTON' && el.closest('tr[data-kind=reminders]')",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "2 meddelanden skickas igen nu." in page.locator("body").inner_text()
    # Sent again at once (Celery is eager here): the reminders had nothing
    # left to remind of, so they are recorded as not sent; the completion
    # email was not among them.
    statuses = Notification.objects.values_list("kind", "status")
    assert sorted(statuses) == [
        (Notification.Kind.COURSE_COMPLETED, Notification.Status.FAILED),
        (Notification.Kind.REMINDERS, Notification.Status.NOT_SENT),
        (Notification.Kind.REMINDERS, Notification.Status.NOT_SENT),
    ]
    assert page.locator("[data-list=given-up-kinds] tbody tr").count() == 1
    assert_no_axe_violations(page, "the messages given up after sending again")
    shot(page, SHOTS, "given-up-after-1280")

    # On a phone (one given up is left): every fact in view, nothing sideways.
    phone = new_page(device=PHONE)
    log_in(phone, "hr-admin", PASSWORD, next_path=URL)
    assert phone.locator("[data-list=given-up] li").count() == 1
    assert_no_axe_violations(phone, "the messages given up on a phone")
    shot(phone, SHOTS, "given-up-375")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width} px)"

    other = new_page()
    log_in(other, "samordnare", PASSWORD, next_path=URL)
    assert path_of(other) == URL
    assert other.locator("[data-none-given-up]").is_visible()
    assert "larare" not in other.content()
    assert_no_axe_violations(other, "no messages given up in one's scope")
