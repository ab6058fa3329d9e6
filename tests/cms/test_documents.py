"""Course documents are the city's internal material: signed-in staff only,
and never straight from the media folder."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model

from learners.actions.history import hr_records_collection, record_completion_elsewhere
from tests.factories import make_course
from tests.helpers import make_two_administrations

pytestmark = pytest.mark.django_db

CONTENT = b"Checklista: l\xc3\xa5s datorn n\xc3\xa4r du g\xc3\xa5r."


@pytest.fixture
def checklist():
    document = get_document_model()(title="Checklista")
    document.file.save("checklista.txt", ContentFile(CONTENT), save=False)
    document.save()
    yield document
    document.file.delete(save=False)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, checklist):
    response = client.get(checklist.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert checklist.url in response["Location"]


def test_a_signed_in_learner_gets_the_document(learner_client, checklist):
    response = learner_client.get(checklist.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT


def test_the_file_itself_is_not_served_from_the_media_folder(
    learner_client, client, checklist
):
    path = "/media/" + checklist.file.name
    assert client.get(path).status_code == 404
    assert learner_client.get(path).status_code == 404


# --- Attachments to people's records (HR-handlingar) ---------------------------


@pytest.fixture
def world(catalogue):
    people = make_two_administrations()
    people["course"] = make_course(catalogue, lessons=1, title="Brandskydd")
    return people


def attachment_of(person, world):
    document = get_document_model()(
        title=f"Närvarolista {person.last_name}", collection=hr_records_collection()
    )
    document.file.save("narvaro.txt", ContentFile(b"Lista\n"), save=False)
    document.save()
    record_completion_elsewhere(
        world["central"],
        person,
        world["course"],
        date(2026, 1, 15),
        attachment=document,
    )
    return document


def status_of(user, document):
    client = Client()
    client.force_login(user)
    return client.get(document.url).status_code


def test_a_records_attachment_is_for_those_who_see_its_person(world):
    document = attachment_of(world["alma"], world)  # Alma is in administration A
    assert status_of(world["central"], document) == 200
    assert status_of(world["coord_a"], document) == 200
    # Another administration's coordinator may read records, not this one.
    assert status_of(world["coord_b"], document) == 404
    # Outside the groups that read records: refused, not sent to sign in again.
    assert status_of(world["author"], document) == 403
    assert status_of(world["alma"], document) == 403
    assert status_of(world["bertil"], document) == 403


def test_an_attachment_no_record_names_is_the_citys_only(world):
    document = get_document_model()(
        title="Utan post", collection=hr_records_collection()
    )
    document.file.save("utan-post.txt", ContentFile(b"Lista\n"), save=False)
    document.save()
    assert status_of(world["central"], document) == 200
    assert status_of(world["coord_a"], document) == 404
