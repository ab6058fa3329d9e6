"""Course documents are the city's internal material: signed-in staff only,
and never straight from the media folder."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

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
