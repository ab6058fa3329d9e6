"""A running quiz keeps the session alive; nothing else does."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import QuizPage
from learners import actions
from tests.factories import QuizPageFactory, UserFactory, make_course, publish

pytestmark = pytest.mark.django_db

KEEP_ALIVE = "/session/aktiv/"


def test_the_keep_alive_address():
    assert reverse("keep_alive") == KEEP_ALIVE


def test_pings_keep_an_idle_session_alive_until_its_absolute_end(learner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = Client()
        client.force_login(learner)
        assert client.get("/learning/").status_code == 200
    # Two hours of only pings, one every five minutes: still signed in.
    for minutes in range(5, 121, 5):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.post(KEEP_ALIVE).status_code == 204
    with time_machine.travel(start + timedelta(minutes=121), tick=False):
        assert client.get("/learning/").status_code == 200
    # The absolute lifetime ends it whatever the pings say.
    with time_machine.travel(start + timedelta(hours=10, minutes=1), tick=False):
        response = client.post(KEEP_ALIVE)
        assert response.status_code == 302
        assert response["Location"] == reverse("signed_out")


def test_a_ping_does_not_revive_an_ended_session(learner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = Client()
        client.force_login(learner)
        client.get("/learning/")
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert client.post(KEEP_ALIVE)["Location"] == reverse("signed_out")
        assert client.get("/learning/")["Location"].startswith("/login/")


def test_anonymous_and_get_are_refused():
    assert Client().post(KEEP_ALIVE)["Location"].startswith("/login/")
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get(KEEP_ALIVE).status_code == 405


def test_only_a_page_with_an_open_attempt_carries_the_script(learner, catalogue):
    course = make_course(catalogue, lessons=1)
    quiz = publish(QuizPageFactory(parent=course))
    client = Client()
    client.force_login(learner)
    before = client.get(quiz.url).content.decode()
    assert "keep-alive.js" not in before
    actions.start_quiz_attempt(learner, QuizPage.objects.get(pk=quiz.pk))
    during = client.get(quiz.url).content.decode()
    assert f'data-keep-alive-url="{KEEP_ALIVE}"' in during
    assert 'data-keep-alive-seconds="300"' in during
    assert "keep-alive.js" not in client.get("/learning/").content.decode()
