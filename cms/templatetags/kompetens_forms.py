from django import template

register = template.Library()


@register.filter
def described_widget(field):
    """The field's widget with aria-describedby pointing at its help text and
    its error messages, so a screen reader reads them with the field."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    ids += [f"{field.auto_id}_error{index}" for index, _e in enumerate(field.errors)]
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
