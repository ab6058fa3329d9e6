"""The catalogue's search takes any text: full-text query syntax (FTS5's on
SQLite, tsquery's on PostgreSQL) is searched for as words, never parsed, so
it is never a 500. Run on PostgreSQL in-process and on real SQLite (the
demo's database) in a process of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from courses.catalogue import search_words
from tests.factories import InformationPageFactory, make_course, publish

PHISHING = "Nätfiske och bedrägerier"
GDPR = "GDPR in practice"
INCIDENTS = "Rapportera incidenter"

# What was typed -> what the catalogue finds. Signs are separators, so only
# the words left count; nothing but signs finds nothing.
NASTY_QUERIES = {
    "nätfiske": [PHISHING],
    '"': [],
    '"nätfiske': [PHISHING],
    'nätfiske"': [PHISHING],
    '"gdpr in"': [GDPR],
    "foo AND": [],
    "AND": [],
    "OR NOT": [],
    "*": [],
    "nätfiske*": [PHISHING],
    "NEAR(": [],
    "NEAR(gdpr practice)": [],
    "a:b": [],
    "title:x": [],
    "{title}:gdpr": [],
    ")": [],
    "(": [],
    "gdpr)": [GDPR],
    "-gdpr": [GDPR],
    "^gdpr": [GDPR],
    "+": [],
    "gdpr & | ! :*": [GDPR],
    "'": [],
    "%s %": [],
    "\\": [],
    "rapportera 'incidenter'": [INCIDENTS],
    "“": [],
}

PROBE_TIMEOUT_SECONDS = 120


def test_search_words_keeps_letters_and_digits_of_any_language():
    assert search_words('"Nätfiske" AND (e-post*)') == "Nätfiske AND e post"
    assert search_words("NEAR(a:b) ^c_d") == "NEAR a b c d"
    assert search_words('*"()') == ""
    assert search_words("ISO 27001") == "ISO 27001"


@pytest.fixture
def searchable(catalogue):
    make_course(catalogue, lessons=1, title=PHISHING)
    make_course(catalogue, lessons=0, title=GDPR, language="en")
    publish(InformationPageFactory(parent=catalogue, title=INCIDENTS))
    return catalogue


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), NASTY_QUERIES.items())
def test_nasty_queries_on_postgresql(learner_client, searchable, query, expected):
    response = learner_client.get(searchable.url, {"q": query})
    assert response.status_code == 200
    found = sorted(
        page.title
        for page in [
            *response.context["courses"],
            *response.context["information_pages"],
        ]
    )
    assert found == expected
    if not expected:
        assert "Inget hittades" in response.content.decode()


def test_nasty_queries_on_sqlite(tmp_path):
    """The demo's database for real: migrate an empty SQLite file, build a
    catalogue and search it with every query (about 20 s)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_BACKEND")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KOMPETENS_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        DEBUG="0",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "tests.courses.sqlite_search_probe"],
        input=json.dumps(list(NASTY_QUERIES)),
        capture_output=True,
        text=True,
        cwd=Path(settings.BASE_DIR),
        env=env,
        timeout=PROBE_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    line = next(
        line for line in completed.stdout.splitlines() if line.startswith("RESULTS ")
    )
    results = json.loads(line.removeprefix("RESULTS "))
    assert results == {query: [200, found] for query, found in NASTY_QUERIES.items()}
