"""Sessions are read through the cache (cached_db), and ending one on the
server still ends it at once: logout, a session row deleted, the idle limit."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db

MY_LEARNING = "/learning/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_sessions_are_read_from_the_cache_and_kept_in_the_database(learner):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    client = logged_in(learner)
    client.get(MY_LEARNING)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_LEARNING).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert Session.objects.filter(
        session_key=client.cookies["sessionid"].value
    ).exists()


def test_a_session_deleted_in_the_database_ends_at_once(learner):
    client = logged_in(learner)
    assert client.get(MY_LEARNING).status_code == 200  # now in the cache too
    Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()
    response = client.get(MY_LEARNING)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_logged_out_session_cookie_gets_nothing(learner):
    client = logged_in(learner)
    assert client.get(MY_LEARNING).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post("/logout/")
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(MY_LEARNING)["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=cookie).exists()


def test_the_idle_limit_ends_a_cached_session(learner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in(learner)
        assert client.get(MY_LEARNING).status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert client.get(MY_LEARNING).status_code == 302
        cookie = client.cookies["sessionid"].value
        replay = Client()
        replay.cookies["sessionid"] = cookie
        assert replay.get(MY_LEARNING)["Location"].startswith("/login/")
