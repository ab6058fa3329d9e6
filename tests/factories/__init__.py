"""Test data builders (factory_boy and wagtail-factories; a test dependency only)."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.rich_text import RichText  # noqa: F401 - re-exported for tests

from cms.models import AccessibilityStatementPage, HomePage
from courses.models import (
    Category,
    CourseIndexPage,
    CoursePage,
    InformationPage,
    LessonPage,
)

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = "Svensson"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.django.Password(PASSWORD)
    is_active = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Kategori {n}")
    slug = factory.Sequence(lambda n: f"kategori-{n}")


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Välkommen"


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "Kurser"
    slug = "kurser"


class AccessibilityStatementPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = AccessibilityStatementPage

    title = "Tillgänglighetsredogörelse"
    slug = "tillganglighet"
    body = "<p>Den här webbplatsen följer WCAG 2.1 AA.</p>"


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Kurs {n}")
    summary = "En kort sammanfattning av kursen."
    objectives = "<ul><li>Förstå grunderna</li></ul>"
    estimated_minutes = 20
    language = "sv"


class LessonPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Lektion {n}")
    body = factory.LazyFunction(
        lambda: [{"type": "text", "value": "<p>Innehåll i lektionen.</p>"}]
    )
    required = True


class InformationPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = InformationPage

    title = factory.Sequence(lambda n: f"Guide {n}")
    summary = "En guide."
    body = factory.LazyFunction(lambda: [{"type": "text", "value": "<p>Text.</p>"}])


def publish(page):
    """Publish through a revision, as an editor would."""
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def make_course(catalogue, lessons=3, **kwargs):
    course = publish(CoursePageFactory(parent=catalogue, **kwargs))
    for _index in range(lessons):
        publish(LessonPageFactory(parent=course))
    return course
