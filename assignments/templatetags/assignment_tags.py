from django import template

from assignments import audiences

register = template.Library()


@register.filter
def audience_summary(item):
    """A reason item of an assignment as HR reads it in a preview (any kind
    of audience, the built-in ones and those other apps register)."""
    return audiences.summary(item) if isinstance(item, dict) else ""
