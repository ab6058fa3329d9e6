from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from courses.models import CourseIndexPage

from .models import AccessibilityStatementPage

# The header's links (the catalogue, the accessibility statement) on every
# page: two page queries and their URLs, kept in the cache. Dropped whenever
# a page or a site is saved, moved, published, unpublished or deleted (the
# receivers in cms.signals), and after an hour in any case.
SITE_LINKS_KEY = "kompetens:site-links"
SITE_LINKS_SECONDS = 3600


def _page_urls():
    urls = {}
    for name, model in (
        ("accessibility", AccessibilityStatementPage),
        ("catalogue", CourseIndexPage),
    ):
        page = model.objects.live().only("url_path", "path").first()
        urls[name] = page.url if page else ""
    return urls


def site_link_urls():
    """The URLs of the first live catalogue and accessibility statement ("" if
    there is none), from the cache when it has them (Wagtail keeps its site
    root paths, which every page URL needs, in the same cache)."""
    urls = cache.get(SITE_LINKS_KEY)
    if urls is None:
        urls = _page_urls()
        cache.set(SITE_LINKS_KEY, urls, SITE_LINKS_SECONDS)
    return urls


def forget_site_links(**kwargs):
    cache.delete(SITE_LINKS_KEY)


def site_links(request):
    """Links every page shows. Lazy: a page that does not render them pays nothing."""
    urls = SimpleLazyObject(site_link_urls)
    return {
        "accessibility_statement_url": SimpleLazyObject(lambda: urls["accessibility"]),
        "catalogue_url": SimpleLazyObject(lambda: urls["catalogue"]),
    }
