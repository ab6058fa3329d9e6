"""The Ralph LRS harness itself (tests/ralph_lrs.py), against the real server:
what Ralph answers to the requests an xAPI outbox makes, and that the data
file the harness reads is what Ralph stored."""

import json
import socket
import urllib.error
import urllib.request
import uuid

import pytest

from tests import ralph_lrs as ralph_lrs_module
from tests.ralph_lrs import RalphLRS

pytestmark = pytest.mark.integration


def make_statement(statement_id=None, *, verb="completed", timestamp=True) -> dict:
    statement = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": "Test Learner",
            "mbox": "mailto:learner@example.com",
        },
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {
            "objectType": "Activity",
            "id": "https://kompetens.test/courses/harness/",
        },
    }
    if timestamp:
        statement["timestamp"] = "2026-03-01T09:30:00.250000+00:00"
    return statement


def xapi(lrs: RalphLRS, method: str, path: str = "statements", body=None):
    """(status, parsed JSON body or None) of one xAPI request."""
    request = urllib.request.Request(  # noqa: S310 - http only
        lrs.url + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={**lrs.headers(), "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    return status, json.loads(content) if content else None


def test_a_posted_statement_is_in_the_data_file_and_the_api(ralph_lrs):
    statement = make_statement()

    status, body = xapi(ralph_lrs, "POST", body=statement)

    assert (status, body) == (200, [statement["id"]])
    assert statement["id"] in ralph_lrs.statement_ids()
    [stored] = [s for s in ralph_lrs.statements() if s["id"] == statement["id"]]
    assert stored["verb"] == statement["verb"]
    assert stored["timestamp"] == statement["timestamp"]
    assert stored["authority"] == ralph_lrs.authority
    status, body = xapi(ralph_lrs, "GET", f"statements?statementId={statement['id']}")
    assert status == 200
    # Ralph 5.1.0 answers a statementId query with a StatementResult, not with
    # the bare statement the xAPI specification asks for.
    assert [s["id"] for s in body["statements"]] == [statement["id"]]


def test_the_statements_endpoint_is_the_base_url_plus_statements(ralph_lrs):
    assert ralph_lrs.url.endswith("/xAPI/")
    assert ralph_lrs.statements_url == ralph_lrs.url + "statements"
    status, body = xapi(ralph_lrs, "GET", "statements?limit=1")
    assert status == 200
    assert "statements" in body


def test_wrong_password_is_refused(ralph_lrs):
    request = urllib.request.Request(  # noqa: S310 - http only
        ralph_lrs.statements_url,
        headers={**ralph_lrs.headers(), "Authorization": "Basic d3Jvbmc6d3Jvbmc="},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 401


def test_an_identical_resend_is_204_and_stored_once(ralph_lrs):
    statement = make_statement()
    assert xapi(ralph_lrs, "POST", body=statement)[0] == 200
    lines_before = len(ralph_lrs.raw_lines())

    assert xapi(ralph_lrs, "POST", body=statement) == (204, None)

    assert len(ralph_lrs.raw_lines()) == lines_before
    assert ralph_lrs.statement_ids().count(statement["id"]) == 1


def test_a_batch_drops_the_identical_statements_already_stored(ralph_lrs):
    stored, new = make_statement(), make_statement()
    assert xapi(ralph_lrs, "POST", body=stored)[0] == 200

    status, body = xapi(ralph_lrs, "POST", body=[stored, new])

    assert (status, body) == (200, [new["id"]])
    ids = ralph_lrs.statement_ids()
    assert ids.count(stored["id"]) == 1
    assert ids.count(new["id"]) == 1


def test_a_resend_without_its_own_timestamp_conflicts(ralph_lrs):
    # Ralph fills in a missing timestamp with the time it stored the statement
    # and compares timestamps too: a statement sent without one can never be
    # resent as identical. An outbox must put the timestamp in the statement.
    statement = make_statement(timestamp=False)
    assert xapi(ralph_lrs, "POST", body=statement)[0] == 200

    status, body = xapi(ralph_lrs, "POST", body=statement)

    assert status == 409
    assert ralph_lrs.statement_ids().count(statement["id"]) == 1


def test_a_differing_statement_with_a_stored_id_is_409(ralph_lrs):
    statement = make_statement()
    assert xapi(ralph_lrs, "POST", body=statement)[0] == 200
    lines_before = ralph_lrs.raw_lines()

    status, body = xapi(
        ralph_lrs, "POST", body=make_statement(statement["id"], verb="passed")
    )

    assert status == 409
    assert statement["id"] in body["detail"]
    assert ralph_lrs.raw_lines() == lines_before
    [stored] = [s for s in ralph_lrs.statements() if s["id"] == statement["id"]]
    assert stored["verb"]["id"].endswith("/completed")


def test_stopped_it_refuses_connections_and_restarted_it_keeps_its_statements(
    fresh_ralph_lrs,
):
    lrs = fresh_ralph_lrs
    first = make_statement()
    assert xapi(lrs, "POST", body=first)[0] == 200
    url = lrs.url

    lrs.stop()

    assert not lrs.running
    with pytest.raises(urllib.error.URLError) as refused:
        xapi(lrs, "GET")
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    assert lrs.statement_ids() == [first["id"]]

    lrs.start()

    assert lrs.url == url
    status, body = xapi(lrs, "GET", "statements?limit=10")
    assert status == 200
    assert [s["id"] for s in body["statements"]] == [first["id"]]
    assert xapi(lrs, "POST", body=first) == (204, None)
    second = make_statement()
    assert xapi(lrs, "POST", body=second) == (200, [second["id"]])
    assert lrs.statement_ids() == [first["id"], second["id"]]


def test_restart_and_clear(fresh_ralph_lrs):
    lrs = fresh_ralph_lrs
    statement = make_statement()
    assert xapi(lrs, "POST", body=statement)[0] == 200
    with pytest.raises(RuntimeError, match="Stop"):
        lrs.clear()

    lrs.restart()
    assert lrs.statement_ids() == [statement["id"]]
    lrs.stop()
    lrs.clear()
    lrs.start()

    assert lrs.raw_lines() == []
    status, body = xapi(lrs, "GET", "statements?limit=10")
    assert (status, body["statements"]) == (200, [])
    assert xapi(lrs, "POST", body=statement) == (200, [statement["id"]])


def test_a_taken_port_fails_start_with_the_servers_log(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        lrs = RalphLRS(tmp_path, port=taken.getsockname()[1])

        with pytest.raises(RuntimeError, match="did not come up") as failed:
            lrs.start()

    assert "cannot bind" in str(failed.value)
    assert not lrs.running


def test_without_the_ralph_venv_start_says_make_ralph(tmp_path, monkeypatch):
    monkeypatch.setattr(ralph_lrs_module, "RALPH_PYTHON", tmp_path / "no-python")

    with pytest.raises(RuntimeError, match="make ralph"):
        RalphLRS(tmp_path).start()
