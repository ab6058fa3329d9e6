"""The catalogue's cards are kept per content generation and language
(courses.catalogue): they never show one learner's status to another, never
a stale status or stale content, never what a made-up filter or a preview
asked for."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from courses.catalogue import STATUS_MARK
from courses.rendering import content_generation, remembered
from learners import actions
from tests.factories import CategoryFactory, make_course, publish

pytestmark = pytest.mark.django_db

# A course's card, its status badge inside it (in the card's "Your status").
CARD = re.compile(
    r'<li class="card">(?:(?!</li>).)*?'
    r'<h3 class="card__title"[^>]*><a href="[^"]+">(?P<title>[^<]+)</a></h3>'
    r'(?:(?!</li>).)*?<dd><span class="badge[^"]*" data-state="(?P<state>[a-z_]+)"',
    re.S,
)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def statuses(client, catalogue, **params):
    response = client.get(catalogue.url, params)
    assert response.status_code == 200
    page = response.content.decode()
    # Where the status goes is never shown, escaped or not.
    assert "learner-status" not in page
    found = {m["title"]: m["state"] for m in CARD.finditer(page)}
    assert page.count('<li class="card">') == len(found)
    return found


def kept_cards():
    return remembered(
        "catalogue-cards:courses/includes/course_card.html", content_generation()
    )


@pytest.fixture
def two_courses(catalogue):
    return (
        make_course(catalogue, lessons=2, title="Brandskydd"),
        make_course(catalogue, lessons=2, title="Dataskydd"),
    )


def test_each_learner_sees_only_their_own_status(
    catalogue, two_courses, learner, other_learner
):
    fire, data = two_courses
    for lesson in fire.lessons():
        actions.record_lesson_progress(learner, lesson, completed=True)
    anna, bertil = logged_in(learner), logged_in(other_learner)

    assert statuses(anna, catalogue) == {
        "Brandskydd": "completed",
        "Dataskydd": "not_started",
    }
    # The same kept cards, the other person's own status.
    assert statuses(bertil, catalogue) == {
        "Brandskydd": "not_started",
        "Dataskydd": "not_started",
    }
    # Nothing of either person is in what is kept.
    for card in kept_cards().values():
        kept = card.head + card.tail
        assert "anna" not in kept and "bertil" not in kept
        assert "data-state" not in kept and "csrfmiddlewaretoken" not in kept
        assert STATUS_MARK not in kept


def test_a_status_is_never_stale(catalogue, two_courses, learner):
    fire, _data = two_courses
    anna = logged_in(learner)
    assert statuses(anna, catalogue)["Brandskydd"] == "not_started"
    first, second = fire.lessons()
    actions.record_lesson_progress(learner, first, completed=True)
    assert statuses(anna, catalogue)["Brandskydd"] == "in_progress"
    actions.record_lesson_progress(learner, second, completed=True)
    assert statuses(anna, catalogue)["Brandskydd"] == "completed"


def test_changed_content_shows_at_once(catalogue, two_courses, learner):
    fire, data = two_courses
    anna = logged_in(learner)
    assert set(statuses(anna, catalogue)) == {"Brandskydd", "Dataskydd"}

    fire.title = "Brandskydd i vården"
    publish(fire)
    assert set(statuses(anna, catalogue)) == {"Brandskydd i vården", "Dataskydd"}

    make_course(catalogue, lessons=1, title="Arbetsmiljö")
    assert "Arbetsmiljö" in statuses(anna, catalogue)

    data.unpublish()
    assert "Dataskydd" not in statuses(anna, catalogue)

    fire.retired = True
    publish(fire)
    assert set(statuses(anna, catalogue)) == {"Arbetsmiljö"}


def test_a_renamed_category_and_its_filter_show_at_once(
    catalogue, two_courses, learner
):
    fire, data = two_courses
    category = CategoryFactory(name="Säkerhet", slug="sakerhet")
    fire.categories.set([category])
    publish(fire)
    anna = logged_in(learner)
    assert set(statuses(anna, catalogue, kategori="sakerhet")) == {"Brandskydd"}
    page = anna.get(catalogue.url).content.decode()
    assert '<span class="tag">Säkerhet</span>' in page

    category.name = "Trygghet"
    category.save()
    page = anna.get(catalogue.url).content.decode()
    assert '<span class="tag">Trygghet</span>' in page
    assert '<span class="tag">Säkerhet</span>' not in page
    assert ">Trygghet</option>" in page

    # A course added to the category is in the filter at once.
    data.categories.set([category])
    publish(data)
    assert set(statuses(anna, catalogue, kategori="sakerhet")) == {
        "Brandskydd",
        "Dataskydd",
    }


def test_the_cards_are_kept_per_language(catalogue, two_courses, learner):
    anna = logged_in(learner)
    assert "minuter" in anna.get(catalogue.url).content.decode()
    anna.cookies["django_language"] = "en"
    english = anna.get(catalogue.url, headers={"accept-language": "en"})
    page = english.content.decode()
    assert "minutes" in page and "minuter" not in page
    anna.cookies["django_language"] = "sv"
    page = anna.get(catalogue.url).content.decode()
    assert "minuter" in page and "minutes" not in page


def test_made_up_filters_keep_nothing(catalogue, two_courses, learner):
    anna = logged_in(learner)
    statuses(anna, catalogue)
    kept = remembered("catalogue", content_generation())
    size = len(kept)
    for index in range(30):
        assert statuses(anna, catalogue, kategori=f"finns-inte-{index}") == {}
        statuses(anna, catalogue, typ=f"x{index}", sprak=f"y{index}")
    assert len(kept) == size
    # A search is read from the index every time: what was typed is not kept.
    assert statuses(anna, catalogue, q="Brandskydd") == {"Brandskydd": "not_started"}
    assert len(kept) == size


def test_a_preview_of_the_catalogue_keeps_nothing(
    client, admin_user, catalogue, two_courses
):
    client.force_login(admin_user)
    url = reverse("wagtailadmin_pages:view_draft", args=(catalogue.pk,))
    response = client.get(url)
    assert response.status_code == 200
    assert "Brandskydd" in response.content.decode()
    assert kept_cards() == {}
    assert "categories" not in remembered("catalogue", content_generation())
