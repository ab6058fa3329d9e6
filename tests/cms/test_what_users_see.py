"""What each demo user sees on a fixed list of pages, kept as expected files.

The demo content is loaded at a fixed moment; then every URL of the list is
requested as anonymous, `anna` (learner), `chef` (manager), `hr` (HR author
and central HR), `admin` (superuser) and `koord` (local coordinator of
Södermalm's administration, added after the split), and the answer — status,
where it redirects, and the page (the admin's `<main>` only) — is compared with
`tests/cms/expected_pages/<user>.txt`. The files were written by the code
before the apps were split (#12); a difference is a change users see.

Every table's ids start at the same number in the test (`ids_from`), so the
ids in links and forms are the same in every run; CSRF tokens and UUIDs,
which differ between two requests, are normalised.

To write the files anew after an intended change:
    KOMPETENS_WRITE_EXPECTED=1 .venv/bin/python -m pytest \
        tests/cms/test_what_users_see.py
and read the diff before committing it.
"""

import os
import re
from contextlib import contextmanager
from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from wagtail.models import Page, Site

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).parent / "expected_pages"
WRITE = os.environ.get("KOMPETENS_WRITE_EXPECTED") == "1"
# A Monday morning in the sending window, fixed so that dates and "updated
# HH:MM" are the same in every run.
# The first id of every row the test makes (see `ids_from`).
FIRST_ID = 1_000_000
MOMENT = datetime(2026, 11, 16, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))

SECURITY = "/kurser/informationssakerhet-for-medarbetare/"
GDPR = "/kurser/dataskydd-och-gdpr-i-vardagen/"
LESSON = SECURITY + "varfor-informationssakerhet/"
QUIZ = SECURITY + "kunskapstest/"


def urls(ids):
    """The fixed list: learner, manager and HR/admin pages. `ids` holds the
    database ids of the demo objects some URLs name."""
    return [
        "/",
        "/kurser/",
        "/kurser/?q=n%C3%A4tfiske",
        SECURITY,
        LESSON,
        QUIZ,
        GDPR,
        "/kurser/sa-rapporterar-du-en-it-incident/",
        "/tillganglighet/",
        "/login/",
        "/learning/",
        "/learning/calendar/",
        "/learning/notifications/",
        "/learning/team/",
        f"/learning/team/{ids['profile:anna']}/",
        f"/learning/team/{ids['profile:hr']}/",
        "/learning/team/?forsenade=on",
        "/learning/reports/",
        f"/learning/reports/?kurs={ids['course:security']}",
        f"/learning/reports/units/{ids['unit:SOD-AO']}/",
        f"/learning/reports/units/{ids['unit:SOD']}/",
        f"/learning/reports/units/{ids['unit:SOD-AO']}/people/",
        f"/learning/reports/units/{ids['unit:SOD-AO-HT']}/people/?format=csv",
        "/learning/reports/people/",
        "/learning/reports/people/?format=csv",
        f"/learning/reports/people/{ids['profile:anna']}/",
        f"/learning/reports/people/{ids['profile:hr']}/",
        "/learning/reports/exports/",
        "/intyg/AAAAA-BBBBB-CCCCC-DDDDD/",
        "/admin/",
        "/admin/hr-import/",
        "/admin/assignment-rules/",
        f"/admin/assignment-rules/{ids['rule']}/",
        f"/admin/assignment-rules/{ids['rule']}/preview/",
        "/admin/exemptions/",
        "/admin/exemptions/add/",
        "/admin/require-retake/",
        "/admin/record-completion/",
        "/admin/certificates/",
        "/admin/quiz_accommodations/",
        "/admin/audit_log/",
        "/admin/sent_messages/",
        "/admin/reminders_sent/",
        "/admin/report_goals/",
        "/admin/delegations/",
        "/admin/xapi-outbox/",
        "/admin/xapi-outbox/problems/",
        "/admin/lrs_destinations/",
        f"/admin/quiz-results/{ids['quiz:security']}/",
    ]


# koord last: their visits leave audit events, which would renumber the
# admin's audit log.
USERS = ["anonymous", "anna", "chef", "hr", "admin", "koord"]

_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")
# The Content-Security-Policy nonce on the admin's inline scripts: new in
# every response.
_NONCE = re.compile(r'nonce="[A-Za-z0-9+/=]+"')
# Wagtail's cache-buster for its admin's static files: a hash of its version
# and the installed apps, not something anyone sees.
_STATIC_VERSION = re.compile(r"\?v=[0-9a-f]{8}\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


class Normaliser:
    """CSRF tokens, CSP nonces and UUIDs (numbered in order of first
    appearance)."""

    def __init__(self):
        self.uuids = {}

    def _uuid(self, value):
        return self.uuids.setdefault(value, f"uuid{len(self.uuids) + 1}")

    def __call__(self, text):
        text = _TOKEN.sub("TOKEN", text)
        text = _NONCE.sub('nonce="NONCE"', text)
        text = _STATIC_VERSION.sub("?v=VERSION", text)
        return _UUID.sub(lambda m: self._uuid(m.group(0)), text)


@contextmanager
def ids_from(start):
    """Every table's new rows numbered from `start`, whatever ran before: the
    ids in the pages are then the same in every run. PostgreSQL's sequences
    are outside the test's transaction, so they are set back afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema()"
        )
        sequences = cursor.fetchall()
        for schema, name, _value in sequences:
            cursor.execute("SELECT setval(%s, %s)", [f'"{schema}"."{name}"', start])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for schema, name, value in sequences:
                cursor.execute(
                    "SELECT setval(%s, %s, %s)",
                    [f'"{schema}"."{name}"', value or 1, value is not None],
                )


def _main(html):
    start = html.find("<main")
    end = html.rfind("</main>")
    if start == -1 or end == -1:
        return html
    return html[start : end + len("</main>")]


def _answer(client, url, normalise):
    response = client.get(url)
    lines = [f"=== GET {url}", f"status: {response.status_code}"]
    if response.status_code in (301, 302):
        lines.append(f"location: {normalise(response['Location'])}")
        return "\n".join(lines)
    content_type = response.get("Content-Type", "")
    lines.append(f"content-type: {content_type}")
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if "spreadsheetml" in content_type:
        return "\n".join([*lines, f"bytes: {len(body) > 0}"])
    text = body.decode("utf-8-sig")
    if url.startswith("/admin/"):
        text = _main(text)
    # Trailing spaces are template noise, not something anyone sees.
    text = "\n".join(line.rstrip() for line in text.splitlines() if line.strip())
    return "\n".join([*lines, normalise(text)])


def _demo_ids():
    from assignments.models import AssignmentRule
    from courses.models import CoursePage, QuizPage
    from organisation.models import OrgUnit, StaffProfile

    ids = {
        f"unit:{code}": pk for code, pk in OrgUnit.objects.values_list("hr_code", "pk")
    }
    ids.update(
        {
            f"profile:{username}": pk
            for username, pk in StaffProfile.objects.values_list("user__username", "pk")
        }
    )
    ids["course:security"] = CoursePage.objects.get(
        slug="informationssakerhet-for-medarbetare"
    ).pk
    ids["quiz:security"] = QuizPage.objects.get(
        slug="kunskapstest", url_path__contains="informationssakerhet"
    ).pk
    ids["rule"] = AssignmentRule.objects.get().pk
    return ids


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    Site.clear_site_root_paths_cache()
    with ids_from(FIRST_ID), time_machine.travel(MOMENT, tick=False):
        call_command("load_demo", stdout=StringIO())
        # Anna has started the security course and done its first lesson;
        # through the URLs, as her browser does.
        anna = Client()
        anna.force_login(get_user_model().objects.get(username="anna"))
        lesson = Page.objects.get(url_path__endswith=LESSON).specific
        anna.post(f"/learning/courses/{lesson.get_parent().pk}/start/")
        anna.post(
            f"/learning/lessons/{lesson.pk}/progress/",
            {"completed": "on", "progress": "100"},
        )
        yield _demo_ids()
    Site.clear_site_root_paths_cache()


def _seen_by(username, ids):
    client = Client()
    if username != "anonymous":
        client.force_login(get_user_model().objects.get(username=username))
    normalise = Normaliser()
    return "\n\n".join(_answer(client, url, normalise) for url in urls(ids)) + "\n"


def test_each_demo_user_sees_what_the_expected_files_say(demo):
    with time_machine.travel(MOMENT, tick=False):
        seen = {username: _seen_by(username, demo) for username in USERS}
    if WRITE:
        EXPECTED.mkdir(exist_ok=True)
        for username, text in seen.items():
            (EXPECTED / f"{username}.txt").write_text(text)
    differing = [
        username
        for username, text in seen.items()
        if (EXPECTED / f"{username}.txt").read_text() != text
    ]
    if differing:
        # Written beside the expected files (git-ignored) for a diff.
        for username in differing:
            (EXPECTED / f"{username}.seen.txt").write_text(seen[username])
    assert not differing, (
        f"What {', '.join(differing)} see has changed: diff "
        f"tests/cms/expected_pages/<user>.txt with <user>.seen.txt"
    )


def test_the_pages_are_the_same_on_a_second_look(demo):
    """The normalisation leaves nothing that differs between two requests."""
    with time_machine.travel(MOMENT, tick=False):
        first = _seen_by("chef", demo)
        second = _seen_by("chef", demo)
    assert first == second
