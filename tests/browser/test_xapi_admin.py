"""An administrator, in the browser: the xAPI outbox with a paused LRS and a
refused statement passes axe-core's WCAG 2.1 AA rules, and the statement is
sent again with the button."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.helpers import admin_log_in, assert_no_axe_violations
from tests.factories import UserFactory
from tests.helpers import in_english
from xapi.models import LrsDestination, Statement, StatementDelivery

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_administrator_sees_the_paused_lrs_and_sends_a_refused_statement_again(
    new_page,
):
    in_english(UserFactory(username="admin", is_superuser=True, is_staff=True))
    now = timezone.now()
    destination = LrsDestination.objects.create(
        name="Ralph",
        # Nothing listens there; the destination is paused anyway.
        endpoint="http://127.0.0.1:9/xAPI/",
        username="kompetens",
        password="hemligt-lösen",
        paused_at=now - timedelta(hours=2),
        paused_reason="401 Unauthorized: invalid credentials",
    )
    statement_id = uuid.uuid4()
    statement = Statement.objects.create(
        id=statement_id,
        verb="completed",
        payload=json.dumps(
            {
                "id": str(statement_id),
                "actor": {"account": {"homePage": "https://x.se", "name": "a1b2"}},
            }
        ),
        created_at=now - timedelta(hours=3),
    )
    refused = StatementDelivery.objects.create(
        statement=statement,
        destination=destination,
        state=StatementDelivery.State.DEAD,
        attempts=1,
        last_error="400 Bad Request: invalid statement",
        created_at=statement.created_at,
    )

    page = new_page()
    admin_log_in(page, "admin")
    page.goto("/admin/xapi-outbox/")
    state = page.locator("[data-xapi-state=paused]")
    assert "401 Unauthorized: invalid credentials" in state.inner_text()
    assert page.locator("[data-xapi-refused]").inner_text() == "1"
    assert "hemligt-lösen" not in page.content()
    assert_no_axe_violations(page, "the xAPI outbox with a paused LRS")

    with page.expect_navigation():
        page.locator("[data-xapi-refused] a").click()
    row = page.locator(f"tr[data-xapi-delivery='{refused.pk}']")
    assert "400 Bad Request: invalid statement" in row.inner_text()
    row.locator("summary").click()
    assert '"name": "a1b2"' in row.locator("pre").inner_text()
    assert_no_axe_violations(page, "conflicts and refused statements")

    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "1 statement is queued to be sent again." in page.content()
    refused.refresh_from_db()
    assert refused.state == StatementDelivery.State.PENDING
    assert page.locator("[data-xapi-no-problems]").is_visible()
    assert_no_axe_violations(page, "the list after re-queueing")
