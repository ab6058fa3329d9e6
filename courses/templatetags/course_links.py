"""Links between a course's pages that also work in an editor's preview.

A page that was never published has no public address yet (Wagtail serves
only live pages), so inside a preview a link to a lesson, quiz or course goes
to that page's own preview, its latest draft ("View draft"), instead.
"""

from django import template
from django.urls import reverse
from wagtail.templatetags.wagtailcore_tags import pageurl

register = template.Library()


@register.simple_tag(takes_context=True)
def step_url(context, page):
    request = context.get("request")
    if getattr(request, "is_preview", False) and page.pk:
        return reverse("wagtailadmin_pages:view_draft", args=[page.pk])
    return pageurl(context, page)
