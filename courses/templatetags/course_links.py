"""Links between a course's pages that also work in an editor's preview, and
page links that cost nothing once the process knows them.

A page that was never published has no public address yet (Wagtail serves
only live pages), so inside a preview a link to a lesson, quiz or course goes
to that page's own preview, its latest draft ("View draft"), instead.

Wagtail's `pageurl` works out a page's address on every call (the site's
root paths, a `reverse`): a page of My learning or a lesson has dozens. An
address changes only when a page or a site does, which moves the content
generation on (courses.rendering), so `page_url` keeps each one per
generation and per site in the process's memory. Nothing personal is in an
address; a preview keeps nothing.
"""

from django import template
from django.urls import reverse
from wagtail.templatetags.wagtailcore_tags import pageurl

from courses.rendering import content_generation, remembered

register = template.Library()


def _remembered_url(context, page, kind, work_out):
    request = context.get("request")
    if (
        request is None
        or getattr(request, "is_preview", False)
        or getattr(page, "pk", None) is None
    ):
        return work_out()
    site = getattr(request, "_wagtail_site", None)
    known = remembered("page-urls", content_generation(request))
    key = (kind, page.pk, site.pk if site is not None else None)
    url = known.get(key)
    if url is None:
        url = known[key] = work_out()
    return url


@register.simple_tag(takes_context=True)
def page_url(context, page):
    """`{% page_url page %}`: what `{% pageurl page %}` gives, remembered."""
    return _remembered_url(context, page, "page", lambda: pageurl(context, page))


@register.simple_tag(takes_context=True)
def parent_url(context, page):
    """`{% parent_url page %}`: the address of the page's parent (a
    breadcrumb's), remembered: no query for the parent once known."""
    return _remembered_url(
        context, page, "parent", lambda: pageurl(context, page.get_parent())
    )


@register.simple_tag(takes_context=True)
def step_url(context, page):
    request = context.get("request")
    if getattr(request, "is_preview", False) and page.pk:
        return reverse("wagtailadmin_pages:view_draft", args=[page.pk])
    return page_url(context, page)
