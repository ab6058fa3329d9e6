"""The catalogue: search, filters, information material and the learner's status."""

import pytest

from learners import actions
from tests.factories import (
    CategoryFactory,
    InformationPageFactory,
    make_course,
    publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(catalogue, learner):
    security = CategoryFactory(name="Informationssäkerhet", slug="informationssakerhet")
    gdpr = CategoryFactory(name="Dataskydd", slug="dataskydd")
    phishing = make_course(catalogue, lessons=2, title="Nätfiske och bedrägerier")
    phishing.categories.set([security])
    publish(phishing)
    english = make_course(catalogue, lessons=1, title="GDPR in practice", language="en")
    english.categories.set([gdpr])
    publish(english)
    draft = make_course(catalogue, lessons=1, title="Utkast som inte syns")
    draft.unpublish()
    guide = publish(
        InformationPageFactory(parent=catalogue, title="Rapportera incidenter")
    )
    guide.categories.set([security])
    publish(guide)
    actions.record_lesson_progress(learner, phishing.lessons().first(), completed=True)
    return {"phishing": phishing, "english": english, "guide": guide, "draft": draft}


def titles(response):
    return {page.title for page in response.context["courses"]} | {
        page.title for page in response.context["information_pages"]
    }


def test_catalogue_lists_live_courses_and_information_material(
    learner_client, catalogue, content
):
    response = learner_client.get(catalogue.url)
    assert titles(response) == {
        "Nätfiske och bedrägerier",
        "GDPR in practice",
        "Rapportera incidenter",
    }


def test_learner_sees_own_status_on_each_course(learner_client, catalogue, content):
    response = learner_client.get(catalogue.url)
    status = {
        course.title: course.learner_status for course in response.context["courses"]
    }
    assert status == {
        "Nätfiske och bedrägerier": "in_progress",
        "GDPR in practice": "not_started",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "nätfiske"}, {"Nätfiske och bedrägerier"}),
        ({"q": "incidenter"}, {"Rapportera incidenter"}),
        (
            {"kategori": "informationssakerhet"},
            {"Nätfiske och bedrägerier", "Rapportera incidenter"},
        ),
        ({"sprak": "en"}, {"GDPR in practice"}),
        ({"typ": "information"}, {"Rapportera incidenter"}),
        ({"typ": "kurs", "kategori": "dataskydd"}, {"GDPR in practice"}),
        ({"q": "ingenting sådant"}, set()),
        (
            {"sprak": "xx"},
            {"Nätfiske och bedrägerier", "GDPR in practice", "Rapportera incidenter"},
        ),
    ],
)
def test_search_and_filters(learner_client, catalogue, content, params, expected):
    response = learner_client.get(catalogue.url, params)
    assert response.status_code == 200
    assert titles(response) == expected


def test_overlong_search_is_cut_not_an_error(learner_client, catalogue, content):
    response = learner_client.get(catalogue.url, {"q": "x" * 5000})
    assert response.status_code == 200
    assert len(response.context["filters"]["q"]) == 200


def test_information_page_needs_no_enrolment(learner_client, content):
    response = learner_client.get(content["guide"].url)
    assert response.status_code == 200
    assert "Rapportera incidenter" in response.content.decode()


def test_unpublished_course_is_not_reachable(learner_client, content):
    response = learner_client.get(content["draft"].url)
    assert response.status_code == 404
    assert content["draft"].title not in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"q": "a\x00b"}, {"q": "\x00"}, {"kategori": "\x00"}, {"sprak": "\x00"}]
)
def test_nul_in_catalogue_parameters_is_dropped_not_a_500(
    learner_client, catalogue, params
):
    """PostgreSQL cannot store or search NUL: it is dropped from the filters."""
    response = learner_client.get(catalogue.url, params)
    assert response.status_code == 200
    name, value = next(iter(params.items()))
    assert response.context["filters"][name] == value.replace("\x00", "")
