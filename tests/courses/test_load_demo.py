"""The `load_demo` command: realistic content that is safe to load again."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtailmedia import get_media_model

from cms.models import AccessibilityStatementPage, HomePage
from cms.roles import HR_AUTHORS
from courses.models import Category, CoursePage, InformationPage, LessonPage
from learners.models import OrgUnit

pytestmark = pytest.mark.django_db

ALL_BLOCK_TYPES = {
    "text",
    "image",
    "video",
    "document",
    "callout",
    "expandable",
    "key_points",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # The command moves the site root; Wagtail caches the root paths outside
    # the test transaction, so leave no stale paths for other tests.
    Site.clear_site_root_paths_cache()
    yield tmp_path
    Site.clear_site_root_paths_cache()


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        "pages": Page.objects.count(),
        "revisions": Page.objects.filter(latest_revision__isnull=False).count(),
        "users": get_user_model().objects.count(),
        "groups": Group.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "media": get_media_model().objects.count(),
        "categories": Category.objects.count(),
        "org_units": OrgUnit.objects.count(),
        "sites": Site.objects.count(),
    }


def security_course():
    return CoursePage.objects.get(slug="informationssakerhet-for-medarbetare")


def test_running_twice_creates_nothing_twice(settings):
    first_output = load_demo()
    after_first = counts()
    second_output = load_demo()

    assert counts() == after_first
    assert after_first["images"] >= 2
    assert after_first["documents"] == 2
    assert after_first["media"] == 1
    assert "already in place" not in first_output
    assert "already in place" in second_output
    for output in (first_output, second_output):
        assert f"{settings.SITE_URL.rstrip('/')}/admin/" in output
        assert "kompetens-demo" in output
        for username in ("anna", "hr", "chef", "admin"):
            assert username in output


def test_demo_content_and_people():
    load_demo()
    check_home_page_replaces_the_welcome_page()
    check_courses_lessons_and_blocks()
    check_demo_users_and_roles()


def check_home_page_replaces_the_welcome_page():
    site = Site.objects.get(is_default_site=True)
    home = HomePage.objects.get()
    assert site.root_page_id == home.pk
    assert home.live and home.title == "Välkommen till Kompetens"
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()
    assert home.get_children().filter(slug="kurser").live().exists()
    statement = AccessibilityStatementPage.objects.child_of(home).live().get()
    assert statement.slug == "tillganglighet"
    assert "Myndigheten för digital förvaltning" in statement.body


def check_courses_lessons_and_blocks():
    course = security_course()
    lessons = list(course.lessons())
    assert len(lessons) == 5
    assert all(lesson.live and lesson.live_revision_id for lesson in lessons)
    assert course.cover_image is not None
    assert course.categories.exists()

    used = set()
    blocks = []
    for page in [*LessonPage.objects.all(), *InformationPage.objects.all()]:
        # The stored content passes the editor's own validation.
        page.body.stream_block.clean(page.body)
        blocks += list(page.body)
    for lesson in lessons:
        used |= {block.block_type for block in lesson.body}
    assert used == ALL_BLOCK_TYPES

    images = [block.value for block in blocks if block.block_type == "image"]
    videos = [block.value for block in blocks if block.block_type == "video"]
    assert images and videos
    for value in images:
        assert value["alt_text"].strip()
    for value in videos:
        assert value["captions"].file.name.endswith(".vtt")
        assert value["captions_language"] == "sv"
        assert str(value["transcript"]).strip()
        assert value["video"].type == "video"

    gdpr = CoursePage.objects.get(slug="dataskydd-och-gdpr-i-vardagen")
    gdpr_lessons = list(gdpr.lessons())
    assert 3 <= len(gdpr_lessons) <= 4
    assert [lesson.required for lesson in gdpr_lessons].count(False) == 1
    assert (
        InformationPage.objects.live()
        .filter(slug="sa-rapporterar-du-en-it-incident")
        .exists()
    )


def check_demo_users_and_roles():
    users = get_user_model().objects

    hr = users.get(username="hr")
    assert hr.groups.filter(name=HR_AUTHORS).exists()
    assert not hr.is_superuser and not hr.is_staff
    assert hr.has_perm("wagtailadmin.access_admin")

    anna = users.get(username="anna")
    assert not anna.is_staff and not anna.has_perm("wagtailadmin.access_admin")
    assert users.get(username="admin").is_superuser
    assert OrgUnit.objects.filter(head__username="chef").exists()
    for user in users.filter(username__in=["anna", "hr", "chef", "admin"]):
        assert user.check_password("kompetens-demo")
        assert user.email.endswith("@example.se")


def test_demo_pages_render():
    load_demo()
    anonymous = Client()
    assert anonymous.get("/tillganglighet/").status_code == 200

    client = Client()
    client.force_login(get_user_model().objects.get(username="anna"))
    course = security_course()
    for url in [
        "/",
        "/kurser/",
        course.url,
        *[lesson.url for lesson in course.lessons()],
        InformationPage.objects.get().url,
    ]:
        response = client.get(url)
        assert response.status_code == 200, url

    lesson = course.lessons().first()
    html = client.get(lesson.url).content.decode()
    assert "<video" in html and 'kind="captions"' in html

    # The search index is up to date: the catalogue finds a lesson's words.
    html = client.get("/kurser/", {"q": "nätfiske"}).content.decode()
    assert course.title in html
