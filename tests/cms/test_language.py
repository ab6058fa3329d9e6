"""Swedish by default, English on request."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_swedish_is_the_default(learner_client, catalogue):
    html = learner_client.get(reverse("learners:my_learning")).content.decode()
    assert '<html lang="sv">' in html
    assert "Mitt lärande" in html
    assert "Hoppa till innehållet" in html


def test_switching_to_english_and_back(learner_client, catalogue):
    url = reverse("learners:my_learning")
    response = learner_client.post(
        reverse("set_language"), {"language": "en", "next": url}
    )
    assert response.status_code == 302
    html = learner_client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "My learning" in html and "Mitt lärande" not in html
    learner_client.post(reverse("set_language"), {"language": "sv", "next": url})
    assert "Mitt lärande" in learner_client.get(url).content.decode()


def test_unknown_language_is_ignored(learner_client, catalogue):
    url = reverse("learners:my_learning")
    learner_client.post(reverse("set_language"), {"language": "xx", "next": url})
    assert '<html lang="sv">' in learner_client.get(url).content.decode()
