"""Editors can preview lessons and courses, new or existing."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

pytestmark = pytest.mark.django_db


def lesson_form(title):
    return nested_form_data(
        {
            "title": title,
            "slug": "forhandsvisning",
            "body": streamfield([("text", rich_text("<p>Förhandsvisad text</p>"))]),
            "required": "on",
            "estimated_minutes": "5",
        }
    )


def test_preview_of_a_new_lesson(client, admin_user, course):
    client.force_login(admin_user)
    url = reverse(
        "wagtailadmin_pages:preview_on_add", args=("courses", "lessonpage", course.pk)
    )
    response = client.post(url, lesson_form("Ny lektion"))
    assert response.json()["is_valid"] is True
    response = client.get(url)
    assert response.status_code == 200
    assert "Förhandsvisad text" in response.content.decode()


def test_preview_of_an_existing_lesson(client, admin_user, lessons):
    client.force_login(admin_user)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=(lessons[0].pk,))
    response = client.post(url, lesson_form("Ändrad lektion"))
    assert response.json()["is_valid"] is True
    html = client.get(url).content.decode()
    assert "Ändrad lektion" in html and "Förhandsvisad text" in html


def test_preview_of_a_quiz_shows_the_questions_and_saves_nothing(
    client, admin_user, course
):
    from learners.models import QuizAttempt
    from tests.factories import QuizPageFactory, publish

    quiz = publish(QuizPageFactory(parent=course))
    client.force_login(admin_user)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=(quiz.pk,))
    form = nested_form_data(
        {
            "title": "Förhandsvisat test",
            "slug": quiz.slug,
            "intro": rich_text("<p>Intro</p>"),
            "questions": streamfield(
                [
                    (
                        "true_false",
                        {
                            "prompt": rich_text("<p>Himlen är blå.</p>"),
                            "explanation": rich_text(""),
                            "correct_answer": "true",
                            "feedback_true": "Ja",
                            "feedback_false": "Nej",
                        },
                    )
                ]
            ),
            "pass_mark": "80",
            "reveal_answers": "after_submit",
            "required": "on",
        }
    )
    response = client.post(url, form)
    assert response.json()["is_valid"] is True, response.json()
    html = client.get(url).content.decode()
    assert "Himlen är blå." in html
    assert 'type="radio"' in html
    assert not QuizAttempt.objects.exists()
