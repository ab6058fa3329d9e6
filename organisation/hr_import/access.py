"""Which rows of an HR file the importing person may import. Reads only.

Central HR (and superusers, and the command line) own the HR system's feed:
every row, full or partial. Anyone else with the import permission (a local
coordinator) imports only inside their scope (`organisation.scope`, without
units merely delegated to them): partial files only (a full import
deactivates whoever is missing from it, in the whole city), and only rows
whose unit, before and after, is theirs: for a person, the unit they are in
and the unit the file puts them in, and their line manager; for a unit, the
unit itself, its parent (a new top-level unit is the city's) and its head.

A file with any row outside is refused as a whole, and the plan then lists
only those rows, with what the file itself says: nothing about the people
and units outside (not even whether a row would change them) is shown.
"""

from django.utils.translation import gettext as _

from ..models import OrgUnit, StaffProfile
from ..scope import CITY, scope_of
from .files import ImportFileError, file_sha256, read_table
from .plans import FULL, STAFF, Plan, Problem, as_text


def import_scope(actor):
    """The scope an import by `actor` may touch (the city for the command
    line, `actor` None)."""
    if actor is None:
        return CITY
    return scope_of(actor, delegated=False)


def refusal_outside_scope(scope, kind, content, filename, mode, columns, required):
    """A plan of bad rows only if the file reaches outside `scope`, else
    None (also for a file that cannot be read: the planner reports that)."""
    if scope.is_city:
        return None
    plan = Plan(kind, mode, filename=filename, sha256=file_sha256(content))
    if mode == FULL:
        plan.errors.append(
            Problem(
                1,
                "",
                _(
                    "A full import deactivates whoever is missing from the file, "
                    "in the whole city: only central HR may make one. Choose a "
                    "partial import of your administration's rows."
                ),
            )
        )
        return plan
    try:
        table = read_table(content, filename, columns, required)
    except ImportFileError:
        return None
    plan.rows = len(table.rows)
    check = _staff_outside if kind == STAFF else _units_outside
    plan.errors = check(scope, table)
    return plan if plan.errors else None


def _outside(row, key, what):
    return Problem(
        row,
        key,
        _(
            "%(what)s is outside your administration. Only central HR may "
            "import this row; remove it from the file."
        )
        % {"what": what},
    )


def _text(values, column):
    return as_text(values.get(column)).strip()


def _staff_outside(scope, table):
    numbers, codes = set(), set()
    for _number, values in table.rows:
        numbers |= {
            _text(values, "employee_number"),
            _text(values, "line_manager_employee_number"),
        }
        codes.add(_text(values, "unit_hr_code"))
    profiles = {
        profile.employee_number: profile
        for profile in StaffProfile.objects.select_related("unit").filter(
            employee_number__in=numbers - {""}
        )
    }
    units = {unit.hr_code: unit for unit in OrgUnit.objects.filter(hr_code__in=codes)}

    def theirs(profile):
        return profile.unit is not None and scope.has_unit(profile.unit)

    problems = []
    for number, values in table.rows:
        key = _text(values, "employee_number")
        profile = profiles.get(key)
        unit = units.get(_text(values, "unit_hr_code"))
        manager_number = _text(values, "line_manager_employee_number")
        manager = profiles.get(manager_number)
        if profile is not None and not theirs(profile):
            problems.append(
                _outside(number, key, _("The person %(key)s") % {"key": key})
            )
        elif unit is not None and not scope.has_unit(unit):
            problems.append(
                _outside(number, key, _("The unit %(code)s") % {"code": unit.hr_code})
            )
        elif (
            manager is not None
            and not theirs(manager)
            and not (profile is not None and profile.line_manager_id == manager.user_id)
        ):
            problems.append(
                _outside(
                    number,
                    key,
                    _("The line manager %(number)s") % {"number": manager_number},
                )
            )
    return problems


def _units_outside(scope, table):
    codes, heads = set(), set()
    for _number, values in table.rows:
        codes |= {_text(values, "hr_code"), _text(values, "parent_hr_code")}
        heads.add(_text(values, "head_employee_number"))
    units = {unit.hr_code: unit for unit in OrgUnit.objects.filter(hr_code__in=codes)}
    head_profiles = {
        profile.employee_number: profile
        for profile in StaffProfile.objects.select_related("unit").filter(
            employee_number__in=heads - {""}
        )
    }
    steplen = OrgUnit.steplen
    problems = []
    for number, values in table.rows:
        code = _text(values, "hr_code")
        unit = units.get(code)
        parent_code = _text(values, "parent_hr_code")
        parent = units.get(parent_code)
        head = head_profiles.get(_text(values, "head_employee_number"))
        if unit is not None and not scope.has_unit(unit):
            problems.append(
                _outside(number, code, _("The unit %(code)s") % {"code": code})
            )
        elif not parent_code:
            # A top-level unit (an administration) is the city's to create,
            # and a unit is the city's to move to the top.
            if unit is None or unit.depth > 1:
                problems.append(
                    _outside(number, code, _("A unit without a parent (top level)"))
                )
        elif (
            parent is not None
            and not scope.has_unit(parent)
            and not (unit is not None and unit.path[:-steplen] == parent.path)
        ):
            problems.append(
                _outside(
                    number, code, _("The parent unit %(code)s") % {"code": parent_code}
                )
            )
        if problems and problems[-1].row == number:
            continue
        if (
            head is not None
            and not (head.unit is not None and scope.has_unit(head.unit))
            and not (unit is not None and unit.head_id == head.user_id)
        ):
            problems.append(
                _outside(
                    number,
                    code,
                    _("The head %(number)s") % {"number": head.employee_number},
                )
            )
    return problems
