"""The site header's links that depend on who is logged in."""

from django import template
from django.core.cache import cache
from django.utils import timezone

from reports.team import has_team

register = template.Library()

# Whether someone may open the Wagtail admin, for its user bar on pages
# ("Edit this page"): two permission queries, kept a few minutes per person.
# It decides only whether the bar is drawn; the admin checks for itself.
USER_BAR_SECONDS = 300


@register.simple_tag(takes_context=True)
def sees_a_team(context):
    """Whether the logged-in person has anyone in scope: the header then
    links to "My team" and "Reports" (cached briefly; the pages themselves
    check the scope)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return has_team(user, timezone.localdate())


@register.simple_tag(takes_context=True)
def sees_the_user_bar(context):
    """Whether to draw Wagtail's user bar for the logged-in person (cached
    per person for a few minutes: a learner is never shown it, and pays no
    permission queries for it on every page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    key = f"kompetens:user-bar:{user.pk}"
    answer = cache.get(key)
    if answer is None:
        answer = user.has_perm("wagtailadmin.access_admin")
        cache.set(key, answer, USER_BAR_SECONDS)
    return answer
