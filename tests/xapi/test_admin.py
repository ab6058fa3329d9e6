"""The xAPI outbox in the Wagtail admin: the learning record stores (the
password never shown back), the outbox page, conflicts and refused statements
with re-queueing, and the recent requests. Each page is tried from the wrong
side: anonymous, a learner, an editor without the permission."""

import json
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cms.roles import ensure_hr_author_group
from organisation.models import StaffProfile
from tests.factories import UserFactory
from tests.helpers import in_english
from xapi import outbox
from xapi.models import LrsDestination, LrsRequest, Statement, StatementDelivery

pytestmark = pytest.mark.django_db

State = StatementDelivery.State
SECRET = "hemligt-Lösen-7f3a9c"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def flushes(monkeypatch):
    """Flushes scheduled (on commit), recorded instead of sent."""
    scheduled = []
    monkeypatch.setattr(outbox, "schedule_flush", lambda: scheduled.append(1))
    return scheduled


def _admin_user(username, *codenames, superuser=False, hr_role="central"):
    """The xAPI admin is the city's: the permission and central HR's role."""
    user = UserFactory(username=username, is_superuser=superuser)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "xapi"],
            codename__in=["access_admin", *codenames],
        )
    )
    StaffProfile.objects.create(
        user=user, employee_number=f"E-{username}", hr_role=hr_role
    )
    return in_english(user)


@pytest.fixture
def editor(db, catalogue):
    """An HR author: in the admin, but no business with the LRS."""
    user = UserFactory(username="redaktor")
    user.groups.add(ensure_hr_author_group())
    return in_english(user)


@pytest.fixture
def lrs_admin(db):
    return _admin_user(
        "lrsadmin",
        "add_lrsdestination",
        "change_lrsdestination",
        "delete_lrsdestination",
        "view_lrsdestination",
    )


@pytest.fixture
def watcher(db):
    """May look at the outbox, not change anything."""
    return _admin_user("watcher", "view_statementdelivery")


@pytest.fixture
def requeuer(db):
    return _admin_user("requeuer", "view_statementdelivery", "change_statementdelivery")


def make_destination(name="Ralph", **fields):
    fields.setdefault("endpoint", "https://lrs.example.se/xAPI/")
    fields.setdefault("username", "kompetens")
    fields.setdefault("password", SECRET)
    return LrsDestination.objects.create(name=name, **fields)


def make_statement(verb="completed", created_at=None):
    statement_id = uuid.uuid4()
    payload = {
        "id": str(statement_id),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://kompetens.example.se", "name": "a1b2"},
        },
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": "https://kompetens.example.se/kurser/sakerhet/"},
    }
    return Statement.objects.create(
        id=statement_id,
        verb=verb,
        payload=json.dumps(payload),
        created_at=created_at or timezone.now(),
    )


def deliver(statement, destination, state=State.PENDING, **fields):
    return StatementDelivery.objects.create(
        statement=statement,
        destination=destination,
        state=state,
        created_at=statement.created_at,
        **fields,
    )


@pytest.fixture
def problems(db):
    """One destination with a conflict, a refused statement, one pending and
    one sent."""
    destination = make_destination()
    rows = {
        state: deliver(
            make_statement(),
            destination,
            state,
            attempts=2,
            last_error=f"400 Bad Request: {state} reason" if state != "sent" else "",
        )
        for state in (State.CONFLICT, State.DEAD, State.PENDING, State.SENT)
    }
    return destination, rows


def _html(response):
    return response.content.decode()


# --- From the wrong side ----------------------------------------------------------


def _view_urls(destination):
    return [
        reverse("xapi_outbox"),
        reverse("xapi_problems"),
        reverse("xapi_requests", args=[destination.pk]),
    ]


def _refused(response):
    """403, or a redirect to the admin's login or home (with a message)."""
    if response.status_code == 403:
        return True
    if response.status_code != 302:
        return False
    target = urlsplit(response["Location"]).path
    return target in (reverse("wagtailadmin_login"), reverse("wagtailadmin_home"))


def test_anonymous_is_sent_to_log_in_for_every_page(client, problems):
    destination, rows = problems
    urls = [
        *_view_urls(destination),
        reverse("lrs_destinations:index"),
        reverse("lrs_destinations:add"),
        reverse("lrs_destinations:edit", args=[destination.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login")), url
    response = client.post(reverse("xapi_requeue"), {"delivery": rows["dead"].pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert StatementDelivery.objects.get(pk=rows["dead"].pk).state == State.DEAD


@pytest.mark.parametrize("who", ["learner", "editor"])
def test_people_without_the_permission_see_nothing_and_change_nothing(
    client, problems, who, request
):
    destination, rows = problems
    client.force_login(request.getfixturevalue(who))
    urls = [
        *_view_urls(destination),
        reverse("lrs_destinations:index"),
        reverse("lrs_destinations:add"),
        reverse("lrs_destinations:edit", args=[destination.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert _refused(response), (url, response.status_code)
        assert SECRET not in _html(response)
        assert "400 Bad Request" not in _html(response)
    response = client.post(reverse("xapi_requeue"), {"delivery": rows["dead"].pk})
    assert _refused(response)
    response = client.post(
        reverse("lrs_destinations:edit", args=[destination.pk]),
        {"name": "Hijacked", "endpoint": "https://evil.example/", "batch_size": 1},
    )
    assert _refused(response)
    destination.refresh_from_db()
    assert destination.name == "Ralph"
    assert StatementDelivery.objects.get(pk=rows["dead"].pk).state == State.DEAD


def test_a_watcher_sees_the_outbox_but_may_not_requeue_or_configure(
    client, watcher, problems
):
    destination, rows = problems
    client.force_login(watcher)
    for url in _view_urls(destination):
        assert client.get(url).status_code == 200, url
    html = _html(client.get(reverse("xapi_problems")))
    assert str(rows["dead"].statement_id) in html
    assert reverse("xapi_requeue") not in html  # no buttons for what is refused
    response = client.post(reverse("xapi_requeue"), {"delivery": rows["dead"].pk})
    assert _refused(response)
    assert StatementDelivery.objects.get(pk=rows["dead"].pk).state == State.DEAD
    assert _refused(client.get(reverse("lrs_destinations:index")))


def test_the_lrs_administrator_may_view_and_requeue_too(client, lrs_admin, problems):
    destination, rows = problems
    client.force_login(lrs_admin)
    for url in _view_urls(destination):
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("xapi_requeue"), {"delivery": rows["dead"].pk})
    assert response.status_code == 302
    assert StatementDelivery.objects.get(pk=rows["dead"].pk).state == State.PENDING


def test_the_menu_shows_the_outbox_only_to_those_who_may_see_it(
    client, editor, watcher, lrs_admin
):
    outbox_url = reverse("xapi_outbox")
    stores_url = reverse("lrs_destinations:index")
    client.force_login(editor)
    html = _html(client.get(reverse("wagtailadmin_home")))
    assert outbox_url not in html and stores_url not in html
    client.force_login(watcher)
    html = _html(client.get(reverse("wagtailadmin_home")))
    assert outbox_url in html and stores_url not in html
    client.force_login(lrs_admin)
    html = _html(client.get(reverse("wagtailadmin_home")))
    assert outbox_url in html and stores_url in html


# --- Learning record stores: the secret, history, pause ---------------------------


def test_the_stored_password_appears_in_no_admin_page(client, lrs_admin, problems):
    destination, _rows = problems
    LrsRequest.objects.create(
        destination=destination, statements=3, status=401, error="401 Unauthorized"
    )
    client.force_login(lrs_admin)
    pages = [
        *_view_urls(destination),
        reverse("lrs_destinations:index"),
        reverse("lrs_destinations:edit", args=[destination.pk]),
        reverse("lrs_destinations:delete", args=[destination.pk]),
        reverse("lrs_destinations:history", args=[destination.pk]),
        reverse("lrs_destinations:usage", args=[destination.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in _html(response), url
    # A form error shows the form again: without the stored password, and
    # without the one just typed.
    response = client.post(
        reverse("lrs_destinations:edit", args=[destination.pk]),
        {
            "name": "Ralph",
            "endpoint": "ftp://lrs.example.se/",
            "username": "kompetens",
            "password": "nytt-Lösen-123",
            "enabled": "on",
            "batch_size": 100,
        },
    )
    assert response.status_code == 200
    html = _html(response)
    assert "Enter an address beginning with https://" in html
    assert SECRET not in html and "nytt-Lösen-123" not in html


def test_a_blank_password_on_edit_keeps_the_stored_one(client, lrs_admin):
    destination = make_destination()
    client.force_login(lrs_admin)
    url = reverse("lrs_destinations:edit", args=[destination.pk])
    assert "Leave empty to keep the stored password" in _html(client.get(url))
    response = client.post(
        url,
        {
            "name": "Ralph i molnet",
            "endpoint": "https://lrs2.example.se/xAPI/",
            "username": "kompetens",
            "password": "",
            "enabled": "on",
            "batch_size": 50,
        },
    )
    assert response.status_code == 302
    destination.refresh_from_db()
    assert destination.password == SECRET
    assert destination.name == "Ralph i molnet"
    assert destination.batch_size == 50
    response = client.post(
        url,
        {
            "name": "Ralph i molnet",
            "endpoint": "https://lrs2.example.se/xAPI/",
            "username": "kompetens",
            "password": "nytt-Lösen",
            "enabled": "on",
            "batch_size": 50,
        },
    )
    destination.refresh_from_db()
    assert destination.password == "nytt-Lösen"


def test_saving_a_paused_destination_resumes_it_and_schedules_a_flush(
    client, lrs_admin, flushes, django_capture_on_commit_callbacks
):
    now = timezone.now()
    destination = make_destination(
        paused_at=now - timedelta(hours=2),
        paused_reason="401 Unauthorized: bad credentials",
        failures=4,
        backoff_until=now + timedelta(minutes=10),
        last_success_at=now - timedelta(days=1),
    )
    client.force_login(lrs_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("lrs_destinations:edit", args=[destination.pk]),
            {
                "name": "Ralph",
                "endpoint": "https://lrs.example.se/xAPI/",
                "username": "kompetens",
                "password": "rätt-lösen",
                "enabled": "on",
                "batch_size": 100,
            },
        )
    assert response.status_code == 302
    destination.refresh_from_db()
    assert destination.paused_at is None
    assert destination.paused_reason == ""
    assert destination.failures == 0
    assert destination.backoff_until is None
    # What the delivery keeps is left alone.
    assert destination.last_success_at == now - timedelta(days=1)
    assert destination.may_send()
    assert flushes == [1]


def test_the_endpoint_must_be_http_without_credentials_in_it(client, lrs_admin):
    client.force_login(lrs_admin)
    for endpoint, error in [
        ("ftp://lrs.example.se/", "Enter an address beginning with https://"),
        (
            "https://user:pass@lrs.example.se/",
            "Do not put a username or password in the address",
        ),
    ]:
        response = client.post(
            reverse("lrs_destinations:add"),
            {"name": "X", "endpoint": endpoint, "batch_size": 100},
        )
        assert response.status_code == 200
        assert error in _html(response)
    assert not LrsDestination.objects.exists()


def _create(client, include_history):
    data = {
        "name": "Ralph",
        "endpoint": "https://lrs.example.se/xAPI/",
        "username": "kompetens",
        "password": SECRET,
        "enabled": "on",
        "batch_size": 100,
    }
    if include_history:
        data["include_history"] = "on"
    return client.post(reverse("lrs_destinations:add"), data, follow=True)


def test_a_new_destination_gets_the_statements_recorded_before(
    client, lrs_admin, flushes, django_capture_on_commit_callbacks
):
    older = [make_statement() for _ in range(3)]
    client.force_login(lrs_admin)
    html = _html(client.get(reverse("lrs_destinations:add")))
    assert re.search(r'<input[^>]*name="include_history"[^>]*checked', html)
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(client, include_history=True)
    destination = LrsDestination.objects.get()
    assert destination.password == SECRET
    assert set(
        destination.deliveries.filter(state=State.PENDING).values_list(
            "statement_id", flat=True
        )
    ) == {statement.id for statement in older}
    assert "3 statements recorded before will be sent to it" in _html(response)
    assert flushes


def test_a_new_destination_without_history_gets_only_what_comes_next(client, lrs_admin):
    make_statement()
    client.force_login(lrs_admin)
    _create(client, include_history=False)
    destination = LrsDestination.objects.get()
    assert not destination.deliveries.exists()


# --- The outbox page --------------------------------------------------------------


def test_the_outbox_shows_each_destinations_backlog_and_state(client, watcher):
    now = timezone.now()
    paused = make_destination(
        "Ralph",
        paused_at=now - timedelta(hours=1),
        paused_reason="401 Unauthorized: wrong password",
    )
    backing_off = make_destination(
        "Learning Locker",
        backoff_until=now + timedelta(minutes=5),
        failures=3,
        last_error="503 Service Unavailable: maintenance",
    )
    for hours in (3, 1):
        deliver(make_statement(created_at=now - timedelta(hours=hours)), paused)
    deliver(make_statement(), paused, State.SENT)
    deliver(make_statement(), paused, State.DEAD)
    deliver(make_statement(), backing_off, State.CONFLICT)
    client.force_login(watcher)
    response = client.get(reverse("xapi_outbox"))
    html = _html(response)
    rows = {row["destination"].pk: row for row in response.context["rows"]}
    assert rows[paused.pk]["pending"] == 2
    assert rows[paused.pk]["oldest_age"] == "3\xa0hours"
    assert (rows[paused.pk]["sent"], rows[paused.pk]["refused"]) == (1, 1)
    assert rows[paused.pk]["state"] == "paused"
    assert rows[backing_off.pk]["conflicts"] == 1
    assert rows[backing_off.pk]["state"] == "backoff"
    assert "401 Unauthorized: wrong password" in html
    assert "503 Service Unavailable: maintenance" in html
    assert "the oldest has waited 3\xa0hours" in html
    assert "after 3 failures in a row" in html


def test_without_a_destination_the_outbox_says_what_is_waiting(
    client, lrs_admin, watcher
):
    for _ in range(4):
        make_statement()
    client.force_login(lrs_admin)
    html = _html(client.get(reverse("xapi_outbox")))
    assert "No learning record store is configured" in html
    assert "4 statements are recorded and waiting" in html
    assert reverse("lrs_destinations:add") in html
    client.force_login(watcher)  # may not add one: no link
    assert reverse("lrs_destinations:add") not in _html(
        client.get(reverse("xapi_outbox"))
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_outbox_counts_in_one_query_whatever_the_number_of_destinations(
    client, watcher, django_assert_max_num_queries
):
    first = make_destination("A")
    deliver(make_statement(), first)
    client.force_login(watcher)
    url = reverse("xapi_outbox")
    client.get(url)  # warm the caches (permissions, admin menu)
    few = _queries(client, url)
    for name in "BCDE":
        destination = make_destination(name)
        for state in State.values:
            for _ in range(3):
                deliver(make_statement(), destination, state)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["rows"]) == 5


def test_the_problem_list_reads_a_page_in_a_fixed_number_of_queries(
    client, requeuer, django_assert_max_num_queries
):
    destination = make_destination()
    deliver(make_statement(), destination, State.DEAD)
    client.force_login(requeuer)
    url = reverse("xapi_problems")
    client.get(url)
    few = _queries(client, url)
    other = make_destination("B")
    for _ in range(60):
        deliver(make_statement(), destination, State.DEAD)
        deliver(make_statement(), other, State.CONFLICT)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"]) == 50


# --- Conflicts and refused: the list and re-queueing ------------------------------


def test_the_problem_list_shows_the_reason_and_the_statement(
    client, requeuer, problems
):
    _destination, rows = problems
    client.force_login(requeuer)
    response = client.get(reverse("xapi_problems"))
    html = _html(response)
    shown = {delivery.pk for delivery in response.context["page"]}
    assert shown == {rows["conflict"].pk, rows["dead"].pk}
    assert "400 Bad Request: dead reason" in html
    assert "&quot;homePage&quot;: &quot;https://kompetens.example.se&quot;" in html
    response = client.get(reverse("xapi_problems"), {"state": "conflict"})
    assert {d.pk for d in response.context["page"]} == {rows["conflict"].pk}


def test_the_problem_list_filters_by_destination_and_pages_by_50(client, requeuer):
    first, second = make_destination("A"), make_destination("B")
    for _ in range(55):
        deliver(make_statement(), first, State.DEAD)
    deliver(make_statement(), second, State.DEAD)
    client.force_login(requeuer)
    url = reverse("xapi_problems")
    response = client.get(url, {"destination": first.pk})
    assert response.context["page"].paginator.count == 55
    assert len(response.context["page"]) == 50
    assert f"?destination={first.pk}&amp;sida=2" in _html(response)
    response = client.get(url, {"destination": first.pk, "state": "", "sida": 2})
    assert len(response.context["page"]) == 5
    response = client.get(url, {"destination": second.pk})
    assert response.context["page"].paginator.count == 1


def test_a_get_to_requeue_changes_nothing(client, requeuer, problems):
    _destination, rows = problems
    client.force_login(requeuer)
    response = client.get(reverse("xapi_requeue"), {"delivery": rows["dead"].pk})
    assert response.status_code == 405
    assert StatementDelivery.objects.get(pk=rows["dead"].pk).state == State.DEAD


def test_requeue_one_row(
    client, requeuer, problems, flushes, django_capture_on_commit_callbacks
):
    _destination, rows = problems
    client.force_login(requeuer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("xapi_requeue"), {"delivery": rows["conflict"].pk}, follow=True
        )
    assert "1 statement is queued to be sent again." in _html(response)
    states = dict(StatementDelivery.objects.values_list("pk", "state"))
    assert states[rows["conflict"].pk] == State.PENDING
    assert states[rows["dead"].pk] == State.DEAD
    assert flushes


def test_requeue_all_shown_changes_only_conflicts_and_refused(
    client, requeuer, problems
):
    destination, rows = problems
    other = make_destination("Annan")
    elsewhere = deliver(make_statement(), other, State.DEAD)
    sent_at = timezone.now() - timedelta(days=1)
    StatementDelivery.objects.filter(pk=rows["sent"].pk).update(sent_at=sent_at)
    client.force_login(requeuer)
    response = client.post(
        reverse("xapi_requeue"),
        {"destination": destination.pk, "state": ""},
        follow=True,
    )
    assert "2 statements are queued to be sent again." in _html(response)
    assert response.redirect_chain[-1][0].endswith(f"?destination={destination.pk}")
    states = dict(StatementDelivery.objects.values_list("pk", "state"))
    assert states[rows["conflict"].pk] == State.PENDING
    assert states[rows["dead"].pk] == State.PENDING
    assert states[rows["pending"].pk] == State.PENDING
    assert states[rows["sent"].pk] == State.SENT  # sent stays sent
    assert states[elsewhere.pk] == State.DEAD  # not shown, not touched
    # Sending again says nothing was left.
    response = client.post(
        reverse("xapi_requeue"), {"destination": destination.pk}, follow=True
    )
    assert "There was nothing to send again." in _html(response)


def test_requeue_cannot_reach_a_pending_or_sent_row_by_id(client, requeuer, problems):
    _destination, rows = problems
    client.force_login(requeuer)
    client.post(reverse("xapi_requeue"), {"delivery": rows["sent"].pk})
    client.post(reverse("xapi_requeue"), {"delivery": "not-a-number"})
    assert StatementDelivery.objects.get(pk=rows["sent"].pk).state == State.SENT
    assert StatementDelivery.objects.get(pk=rows["dead"].pk).state == State.DEAD


# --- Recent requests --------------------------------------------------------------


def test_recent_requests_show_the_last_50_newest_first(client, watcher):
    destination = make_destination()
    other = make_destination("Annan")
    now = timezone.now()
    for minutes in range(60):
        LrsRequest.objects.create(
            destination=destination,
            started_at=now - timedelta(minutes=minutes),
            statements=minutes + 1,
            status=200,
            duration_ms=120,
        )
    LrsRequest.objects.create(
        destination=destination,
        started_at=now + timedelta(seconds=1),
        statements=7,
        error="ConnectError: connection refused",
        duration_ms=3,
    )
    LrsRequest.objects.create(
        destination=other, statements=1, status=500, error="elsewhere"
    )
    client.force_login(watcher)
    response = client.get(reverse("xapi_requests", args=[destination.pk]))
    requests = response.context["requests"]
    assert len(requests) == 50
    assert requests[0].error == "ConnectError: connection refused"
    assert [r.started_at for r in requests] == sorted(
        (r.started_at for r in requests), reverse=True
    )
    html = _html(response)
    assert "ConnectError: connection refused" in html
    assert "elsewhere" not in html
    assert client.get(reverse("xapi_requests", args=[9999])).status_code == 404


def test_a_requeue_with_a_stale_filter_sends_nothing_again(client, admin_user):
    """A destination deleted since the list was shown: the filter is invalid,
    and it must not widen to every refused statement."""
    from django.urls import reverse

    from xapi.models import LrsDestination, Statement, StatementDelivery

    destination = LrsDestination.objects.create(name="A", endpoint="https://a.test/x/")
    statement = Statement.objects.create(
        id="00000000-0000-5000-8000-000000000001", verb="completed", payload="{}"
    )
    dead = StatementDelivery.objects.create(
        statement=statement, destination=destination, state="dead", last_error="400"
    )
    client.force_login(admin_user)
    response = client.post(reverse("xapi_requeue"), {"destination": 999999})
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.state == "dead"
