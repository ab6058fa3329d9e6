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
