"""The site header's links that depend on who is logged in."""

from django import template
from django.utils import timezone

from reports.team import has_team

register = template.Library()


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
