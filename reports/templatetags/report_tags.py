from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: a report cell by course id."""
    return mapping.get(key) if mapping else None


class _CellWriter:
    """The HTML of overview cells. The translated texts are escaped once
    (their placeholders hold only numbers), and the plural of "overdue"
    looked up once per count: the city's matrix has some 6,000 cells, and
    an include with two blocktranslates per cell was three quarters of its
    rendering. The msgids are the ones the template had. Numbers as `str`:
    the project has no thousand separator (USE_THOUSAND_SEPARATOR is off),
    so this is what the template printed."""

    def __init__(self):
        self.done_of = escape(gettext("%(done)s of %(required)s"))
        self.overdue = {}

    def overdue_text(self, count):
        if count not in self.overdue:
            self.overdue[count] = escape(
                ngettext("%(counter)s overdue", "%(counter)s overdue", count)
                % {"counter": count}
            )
        return self.overdue[count]

    def html(self, cell):
        if cell is None or not cell.total:
            return "–"
        percent = "–" if cell.percent is None else f"{cell.percent} %"
        detail = self.done_of % {"done": cell.completed, "required": cell.required}
        if cell.overdue:
            detail += (
                ', <span class="report-cell__overdue">'
                f"{self.overdue_text(cell.overdue)}</span>"
            )
        return (
            f'<span class="report-cell"><strong>{percent}</strong> '
            f'<span class="report-cell__detail">{detail}</span></span>'
        )


@register.simple_tag
def report_cell(cell):
    """One cell of the overview: completion %, "n of m", the overdue count."""
    return mark_safe(_CellWriter().html(cell))  # noqa: S308 - escaped above


@register.simple_tag
def report_cells(cells, courses):
    """A matrix row's cells, one `<td>` per course, in one tag. Each names
    its course in `data-label`: on a phone the row is a card, and the label
    stands in for the column heading (.table--stack in site.css)."""
    writer = _CellWriter()
    cells = cells or {}
    return mark_safe(  # noqa: S308 - numbers, escaped titles and translations
        "".join(
            f'<td data-label="{escape(c.title)}">{writer.html(cells.get(c.pk))}</td>'
            for c in courses
        )
    )


def _day(value):
    """`value|date:"Y-m-d"|default:""`, as the template wrote it."""
    if value is None or value == "":
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, "Y-m-d")
    return date_filter(value, "Y-m-d") or ""


_PLACEHOLDER_ID = 987654321
_TEXT_KEYS = (
    "employee_number",
    "last_name",
    "first_name",
    "unit",
    "job_title",
    "course",
    "status",
)
_ALL_KEYS = (*_TEXT_KEYS, "due_date", "completed_at", "valid_until")


@register.simple_tag
def people_rows(rows, columns=None):
    """The people list's `<tr>`s (rows from `display_row`), in one tag: the
    same markup as a template loop, without a variable lookup, a `{% url %}`
    and three filters per cell (50 rows: most of the page's rendering). Every
    text is escaped; the link is reversed once. With the table's `columns`
    ((key, heading) pairs), every `<td>` carries its heading in `data-label`,
    which a phone shows beside the value (.table--stack in site.css)."""
    link = reverse("reports:report_person", args=[_PLACEHOLDER_ID])
    label = {
        key: f' data-label="{conditional_escape(heading)}"'
        for key, heading in (columns or ())
    }
    a = {key: label.get(key, "") for key in _ALL_KEYS}
    parts = []
    for row in rows:
        # As `{{ row.x }}` renders: escaped, None as "None".
        cells = [conditional_escape(row[key]) for key in _TEXT_KEYS]
        number, last, first, unit, job, course, status = cells
        href = escape(link.replace(str(_PLACEHOLDER_ID), str(int(row["profile_id"]))))
        parts.append(
            "\n        <tr>"
            f"\n            <td{a['employee_number']}>{number}</td>"
            f'\n            <th scope="row"><a href="{href}">{last}</a></th>'
            f"\n            <td{a['first_name']}>{first}</td>"
            f"\n            <td{a['unit']}>{unit}</td>"
            f"\n            <td{a['job_title']}>{job}</td>"
            f"\n            <td{a['course']}>{course}</td>"
            f"\n            <td{a['status']}>{status}</td>"
            f"\n            <td{a['due_date']}>{_day(row['due_date'])}</td>"
            f"\n            <td{a['completed_at']}>{_day(row['completed_at'])}</td>"
            f"\n            <td{a['valid_until']}>{_day(row['valid_until'])}</td>"
            "\n        </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
