"""`{% csp_nonce_attribute %}`: ` nonce="…"` on a `<script>` tag of ours or of
Wagtail's admin templates that we override (templates/wagtailadmin/), so that
no policy needs 'unsafe-inline' for scripts. Works where the template has no
request in its context (form widgets) too."""

from django import template

from cms.security_headers import nonce_attribute

register = template.Library()


@register.simple_tag
def csp_nonce_attribute():
    return nonce_attribute()
