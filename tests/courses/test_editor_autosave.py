"""The create form of our page types is not autosaved; the edit form is.

Why: courses/admin_views.py. The browser tests
(tests/browser/test_editor_autosave.py) type into the forms at human and at
machine speed.
"""

import pytest
from django.urls import reverse

from cms.roles import ensure_hr_author_group
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author_client(client, catalogue):
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_author_group())
    client.force_login(user)
    return client


def edit_form_tag(html):
    """The editor's <form …> tag, where Wagtail puts its controllers."""
    start = html.index('id="page-edit-form"')
    return html[start : html.index(">", start)]


@pytest.mark.parametrize(
    ("model", "parent"),
    [
        ("coursepage", "catalogue"),
        ("informationpage", "catalogue"),
        ("lessonpage", "course"),
        ("quizpage", "course"),
    ],
)
def test_creating_a_page_is_not_autosaved(
    author_client, catalogue, course, model, parent
):
    parent_page = {"catalogue": catalogue, "course": course}[parent]
    url = reverse("wagtailadmin_pages:add", args=("courses", model, parent_page.pk))
    html = author_client.get(url).content.decode()
    form = edit_form_tag(html)
    assert "w-unsaved" in form  # the "unsaved changes" warning stays
    assert "w-autosave" not in form
    assert "data-w-autosave-interval-value" not in form


def test_editing_a_page_is_still_autosaved(author_client, course, lessons):
    for page in (course, lessons[0]):
        url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
        form = edit_form_tag(author_client.get(url).content.decode())
        assert "w-autosave" in form
