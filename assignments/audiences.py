"""Who an assignment rule is for: the kinds of criteria an audience is made
of, in a registry that apps above assignments can add to.

A rule's audience is every active member of staff who meets *all* the
criteria it has (units, job titles, new starters, and any kind another app
registers), or all staff when it has none and says so, plus the people it
names. Each kind knows four things about its part of a rule:
- which staff profiles meet it, as a `Q` (the planner asks the database);
- whether one person meets it, and what of theirs did (the reasons stored on
  the assignment, for "Why am I assigned?");
- how a reason reads to the person (`describe`) and to HR in a preview
  (`summary`).

An app above assignments (competences, for example) registers a kind with
`register(MyKind())` in its `AppConfig.ready()`. Its part of a rule is its
own data about the rule: `load(rule)` reads it, and the rule's `RuleSpec`
carries it in `extra`. Every function here reads only.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Person:
    """What the planner reads of each member of staff a rule may match."""

    user_id: int
    unit_id: int | None
    unit_path: str | None
    job_title: str
    start_date: date | None
    on_leave_until: date | None


PERSON_FIELDS = (
    "user_id",
    "unit_id",
    "unit__path",
    "job_title",
    "start_date",
    "on_leave_until",
)


class AudienceKind:
    """One kind of criterion. `value` is the kind's part of a rule (from
    `value_of`), never empty when used; `units` maps the unit ids the rules
    of a course name to their units."""

    key = ""
    # The reason items it writes ({"kind": ...}).
    reason_kinds = ()
    # Whether it names who is meant, so that "all staff" is not said beside it.
    names_the_audience = True

    def value_of(self, spec):
        """The kind's part of the rule, or None when the rule has none."""
        return dict(spec.extra).get(self.key)

    def load(self, rule):
        """For a kind from another app: its part of a saved rule, or None."""
        return None

    def q(self, value, units):
        """The staff profiles that meet it."""
        raise NotImplementedError

    def meets(self, value, person, units):
        raise NotImplementedError

    def reasons(self, value, person, units):
        """What of the person met it (reason items), when they meet it."""
        return []

    def describe(self, item):
        """A reason item as the person reads it ("your unit is …")."""
        return None

    def summary(self, item):
        """A reason item as HR reads it in a preview ("Hemtjänst")."""
        return None


_KINDS = {}


def register(kind):
    """Add a kind of criterion (once per key; a second is refused)."""
    if kind.key in _KINDS and type(_KINDS[kind.key]) is not type(kind):
        raise ValueError(f"An audience kind {kind.key!r} is registered already.")
    _KINDS[kind.key] = kind
    return kind


def kinds():
    """Every kind, built-in first, in the order they were registered."""
    return list(_KINDS.values())


def used_by(spec):
    """(kind, value) for each criterion the rule has."""
    used = []
    for kind in kinds():
        value = kind.value_of(spec)
        if value:
            used.append((kind, value))
    return used


def day_text(value):
    """An ISO date from a reason, as people read it; as stored if it is not one."""
    try:
        return date_format(date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return str(value or "")


class Units(AudienceKind):
    """Units, with or without their sub-units."""

    key = "units"
    reason_kinds = ("unit", "subtree")

    def value_of(self, spec):
        if spec.subtree_unit_ids or spec.only_unit_ids:
            return (spec.subtree_unit_ids, spec.only_unit_ids)
        return None

    def q(self, value, units):
        subtree_ids, only_ids = value
        in_units = Q(unit_id__in=only_ids)
        for unit_id in subtree_ids:
            in_units |= Q(unit__path__startswith=units[unit_id].path)
        return in_units

    def meets(self, value, person, units):
        subtree_ids, only_ids = value
        return person.unit_id in only_ids or any(
            person.unit_path and person.unit_path.startswith(units[i].path)
            for i in subtree_ids
        )

    def reasons(self, value, person, units):
        subtree_ids, only_ids = value
        if person.unit_id in only_ids:
            return [{"kind": "unit", "unit": units[person.unit_id].name}]
        for unit_id in subtree_ids:
            top = units[unit_id]
            if person.unit_path and person.unit_path.startswith(top.path):
                own = units[person.unit_id].name if person.unit_id in units else ""
                return [{"kind": "subtree", "unit": own, "within": top.name}]
        return []

    def describe(self, item):
        if item.get("kind") == "unit":
            return _("your unit is %(unit)s") % {"unit": item.get("unit", "")}
        unit, within = item.get("unit") or "", item.get("within") or ""
        if not unit:
            return _("your unit is within %(within)s") % {"within": within}
        if unit == within:
            return _("your unit is %(unit)s") % {"unit": unit}
        return _("your unit %(unit)s is within %(within)s") % {
            "unit": unit,
            "within": within,
        }

    def summary(self, item):
        if item.get("kind") == "unit":
            return item.get("unit", "")
        return _("%(unit)s (within %(within)s)") % {
            "unit": item.get("unit", ""),
            "within": item.get("within", ""),
        }


class JobTitles(AudienceKind):
    key = "job_titles"
    reason_kinds = ("job_title",)

    def value_of(self, spec):
        return spec.job_titles or None

    def q(self, value, units):
        titles = Q()
        for title in value:
            titles |= Q(job_title__iexact=title)
        return titles

    def meets(self, value, person, units):
        return (person.job_title or "").casefold() in {t.casefold() for t in value}

    def reasons(self, value, person, units):
        return [{"kind": "job_title", "title": person.job_title}]

    def describe(self, item):
        return _("your job title is %(title)s") % {"title": item.get("title", "")}

    def summary(self, item):
        return item.get("title", "")


class NewStarters(AudienceKind):
    key = "new_starters"
    reason_kinds = ("new_starter",)
    names_the_audience = False

    def value_of(self, spec):
        return spec.new_starters_from

    def q(self, value, units):
        return Q(start_date__gte=value)

    def meets(self, value, person, units):
        return bool(person.start_date) and person.start_date >= value

    def reasons(self, value, person, units):
        return [
            {
                "kind": "new_starter",
                "start": person.start_date.isoformat(),
                "from": value.isoformat(),
            }
        ]

    def describe(self, item):
        return _("you started on %(start)s (new starters from %(from)s)") % {
            "start": day_text(item.get("start")),
            "from": day_text(item.get("from")),
        }

    def summary(self, item):
        return _("started %(start)s") % {"start": item.get("start", "")}


register(Units())
register(JobTitles())
register(NewStarters())


# The two reasons that are not criteria: a rule for all staff, and a person
# the rule names (named people are added to whoever meets the criteria).
def _structural_describe(item):
    if item.get("kind") == "everyone":
        return _("the rule is for all staff")
    if item.get("kind") == "named":
        return _("you are named in the rule")
    return None


def _structural_summary(item):
    if item.get("kind") == "everyone":
        return _("all staff")
    if item.get("kind") == "named":
        return _("named")
    return None


def _kind_of(item):
    for kind in kinds():
        if item.get("kind") in kind.reason_kinds:
            return kind
    return None


def describe(item):
    """A stored reason item as the person reads it; None for a kind this
    version does not know (said nothing rather than something wrong)."""
    kind = _kind_of(item)
    return kind.describe(item) if kind else _structural_describe(item)


def summary(item):
    """A stored reason item as HR reads it in a preview ("" if unknown)."""
    kind = _kind_of(item)
    text = kind.summary(item) if kind else _structural_summary(item)
    return text or ""
