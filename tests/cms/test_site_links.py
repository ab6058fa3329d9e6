"""The header's links (catalogue, accessibility statement) are cached and stay
true: publishing, unpublishing, moving or deleting a page changes them at once."""

import pytest

from cms.context_processors import site_link_urls, site_links
from tests.factories import CourseIndexPageFactory

pytestmark = pytest.mark.django_db


def test_read_once_then_from_the_cache(catalogue, django_assert_num_queries):
    first = site_link_urls()
    assert first["catalogue"] == catalogue.url
    assert first["accessibility"]
    with django_assert_num_queries(0):
        links = site_links(None)
        assert str(links["catalogue_url"]) == catalogue.url


def test_page_changes_are_seen_at_once(home, catalogue):
    assert site_link_urls()["catalogue"] == catalogue.url
    catalogue.unpublish()
    assert site_link_urls()["catalogue"] == ""
    other = CourseIndexPageFactory(parent=home, title="Utbildningar", slug="utb")
    other.save_revision().publish()
    assert site_link_urls()["catalogue"] == other.url
    other.slug = "utbildning"
    other.save_revision().publish()
    assert site_link_urls()["catalogue"] == "/utbildning/"
    other.delete()
    assert site_link_urls()["catalogue"] == ""
