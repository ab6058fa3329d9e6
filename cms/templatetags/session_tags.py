"""A page where a person works without sending requests for a while (a
running quiz; a SCORM attempt) keeps their session alive:
`{% keep_alive %}` in its extra_js block."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def keep_alive():
    """The keep-alive script, with its address and interval as data
    attributes (no inline script: the Content-Security-Policy allows none)."""
    return format_html(
        '<script src="{}" defer data-keep-alive-url="{}" '
        'data-keep-alive-seconds="{}"></script>',
        static("js/keep-alive.js"),
        reverse("keep_alive"),
        settings.SESSION_KEEPALIVE_SECONDS,
    )
