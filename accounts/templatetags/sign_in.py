"""{% city_sign_in_url next_url as sso_url %}: the address that starts a
sign-in with the city's account (and comes back to `next_url`), or "" when
single sign-on is off. For login pages that are not ours to render (the
Wagtail admin's)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from accounts.oidc import sso_enabled

register = template.Library()


@register.simple_tag
def city_sign_in_url(next_url=""):
    if not sso_enabled():
        return ""
    url = reverse("accounts:oidc_start")
    return url + "?" + urlencode({"next": next_url}) if next_url else url
