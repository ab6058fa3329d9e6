"""Lesson content rules: alt text on images, captions and transcript on video."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.blocks import StreamBlockValidationError
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield
from wagtailmedia.models import Media

from courses.blocks import LessonStreamBlock
from courses.models import LessonPage

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHej och v\xc3\xa4lkommen.\n"


@pytest.fixture
def video():
    return Media.objects.create(
        title="Film",
        file=ContentFile(b"\x1a\x45\xdf\xa3", name="film.webm"),
        type="video",
        duration=3,
    )


@pytest.fixture
def captions():
    return Document.objects.create(
        title="Textning", file=ContentFile(VTT, name="film.vtt")
    )


@pytest.fixture
def pdf_document():
    return Document.objects.create(
        title="Checklista", file=ContentFile(b"%PDF-1.4", name="lista.pdf")
    )


def clean(raw):
    block = LessonStreamBlock()
    return block.clean(block.to_python(raw))


def video_value(video, captions, transcript="<p>Allt som sägs.</p>"):
    return {
        "video": video.pk,
        "title": "Om nätfiske",
        "captions": captions.pk if captions else None,
        "captions_language": "sv",
        "transcript": transcript,
    }


def error_fields(error):
    block_error = next(iter(error.value.block_errors.values()))
    return set(block_error.block_errors)


def test_video_with_captions_and_transcript_is_valid(video, captions):
    cleaned = clean([{"type": "video", "value": video_value(video, captions)}])
    assert cleaned[0].value["captions"].pk == captions.pk


def test_video_without_captions_is_refused(video):
    with pytest.raises(StreamBlockValidationError) as error:
        clean([{"type": "video", "value": video_value(video, None)}])
    assert "captions" in error_fields(error)


def test_video_without_transcript_is_refused(video, captions):
    with pytest.raises(StreamBlockValidationError) as error:
        clean([{"type": "video", "value": video_value(video, captions, transcript="")}])
    assert "transcript" in error_fields(error)


def test_captions_must_be_webvtt(video, pdf_document):
    with pytest.raises(StreamBlockValidationError) as error:
        clean([{"type": "video", "value": video_value(video, pdf_document)}])
    assert "captions" in error_fields(error)


def test_image_without_alt_text_is_refused():
    image = Image.objects.create(title="Bild", file=get_test_image_file())
    with pytest.raises(StreamBlockValidationError) as error:
        clean(
            [
                {
                    "type": "image",
                    "value": {"image": image.pk, "alt_text": "", "caption": ""},
                }
            ]
        )
    assert "alt_text" in error_fields(error)


@pytest.mark.parametrize("with_captions", [False, True])
def test_publishing_a_lesson_with_an_uncaptioned_video_is_refused_in_the_admin(
    client, course, video, captions, admin_user, with_captions
):
    client.force_login(admin_user)
    url = reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", course.pk))
    post = nested_form_data(
        {
            "title": "Film utan textning",
            "slug": "film-utan-textning",
            "body": streamfield(
                [
                    (
                        "video",
                        {
                            "video": video.pk,
                            "title": "Film",
                            "captions": captions.pk if with_captions else "",
                            "captions_language": "sv",
                            "transcript": rich_text("<p>Text</p>"),
                        },
                    )
                ]
            ),
            "required": "on",
            "estimated_minutes": "5",
            "action-publish": "publish",
        }
    )
    response = client.post(url, post)
    if with_captions:
        assert response.status_code == 302
        assert LessonPage.objects.get(slug="film-utan-textning").live
    else:
        assert response.status_code == 200  # the form again, with errors
        assert "captions" in response.content.decode()
        assert not LessonPage.objects.filter(slug="film-utan-textning").exists()


def test_lesson_renders_every_block_accessibly(
    learner_client, course, video, captions, pdf_document
):
    image = Image.objects.create(title="Bild", file=get_test_image_file())
    lesson = LessonPage(
        title="Alla block",
        body=[
            {"type": "text", "value": "<p>Brödtext</p>"},
            {
                "type": "image",
                "value": {
                    "image": image.pk,
                    "alt_text": "En låst dörr",
                    "caption": "Lås",
                },
            },
            {"type": "video", "value": video_value(video, captions)},
            {
                "type": "document",
                "value": {"document": pdf_document.pk, "description": "Skriv ut"},
            },
            {
                "type": "callout",
                "value": {"kind": "warning", "title": "Obs", "text": "<p>Varning</p>"},
            },
            {
                "type": "expandable",
                "value": {"summary": "Mer", "content": "<p>Dolt</p>"},
            },
            {
                "type": "key_points",
                "value": {"heading": "Viktigt", "points": ["Ett", "Två"]},
            },
        ],
    )
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    html = learner_client.get(lesson.url).content.decode()
    assert 'alt="En låst dörr"' in html
    assert (
        '<track kind="captions"' in html
        and captions.url in html
        and 'srclang="sv"' in html
    )
    assert "Allt som sägs." in html  # the transcript
    assert "<details" in html and "<summary>Mer</summary>" in html
    assert 'class="callout callout--warning"' in html
    assert pdf_document.url in html
