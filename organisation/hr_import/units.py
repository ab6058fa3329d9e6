"""Importing units: create, rename, move, set the head, (de)activate.
Units are few (~2,000); creating or moving one goes through treebeard, one
node at a time."""

from django.utils.translation import gettext as _

from ..models import OrgUnit, StaffProfile
from .files import ImportFileError, file_sha256, read_table
from .plans import (
    BULK_BATCH,
    FULL,
    PARTIAL,
    UNITS,
    Entry,
    Plan,
    as_text,
    bad_row,
    check_common,
    display,
    employee_number_of,
    note_ignored,
    parse_active,
    warn_row,
)

UNIT_COLUMNS = {
    "hr_code": ["hr_code", "hrcode", "hr_kod", "enhetskod", "enhet_kod", "kod"],
    "name": ["name", "namn", "enhetsnamn", "enhet_namn"],
    "parent_hr_code": [
        "parent_hr_code",
        "parent",
        "overordnad_hr_kod",
        "overordnad_enhetskod",
        "overordnad_enhet",
        "overordnad",
    ],
    "head_employee_number": [
        "head_employee_number",
        "head",
        "chef_anstallningsnummer",
        "chefens_anstallningsnummer",
        "chef",
    ],
    "active": ["active", "aktiv"],
}
UNIT_REQUIRED = ("hr_code", "name")


def plan_units(content, filename, mode, today=None):
    """The dry run of a units file: what would change, and every bad row."""
    plan = Plan(UNITS, mode, filename=filename, sha256=file_sha256(content))
    try:
        table = read_table(content, filename, UNIT_COLUMNS, UNIT_REQUIRED)
    except ImportFileError as error:
        bad_row(plan, 1, "", str(error))
        return plan
    note_ignored(plan, table)
    plan.rows = len(table.rows)
    if mode == FULL and not table.rows:
        bad_row(plan, 1, "", _("A full import needs at least one row."))
        return plan

    units = list(OrgUnit.objects.select_related("head__staff_profile"))
    by_code = {unit.hr_code: unit for unit in units}
    code_by_path = {unit.path: unit.hr_code for unit in units}
    steplen = OrgUnit.steplen
    db_parent = {unit.hr_code: code_by_path.get(unit.path[:-steplen]) for unit in units}

    rows = {}  # hr_code -> (row number, values)
    for number, values in table.rows:
        code = as_text(values.get("hr_code")).strip()
        ok = check_common(plan, number, values, UNIT_REQUIRED, code)
        active = parse_active(plan, number, code, values.get("active", ""))
        if code and code in rows:
            bad_row(
                plan,
                number,
                code,
                _("The HR code %(code)s is also on row %(row)s.")
                % {"code": code, "row": rows[code][0]},
            )
            continue
        if code:
            rows[code] = (number, values, ok and active is not None, active)

    # Parents, then cycles, in the tree as it would be after the import.
    parent_of = dict(db_parent)
    for code, (number, values, _ok, _active) in rows.items():
        parent = as_text(values.get("parent_hr_code")).strip() or None
        if parent is not None and parent not in rows:
            if mode == FULL or parent not in by_code:
                bad_row(
                    plan,
                    number,
                    code,
                    _("The parent unit %(parent)s is neither in the file nor known.")
                    % {"parent": parent}
                    if mode == PARTIAL
                    else _("The parent unit %(parent)s is not in the file.")
                    % {"parent": parent},
                )
                parent = None
        parent_of[code] = parent
    depth = {}
    in_cycle = set()
    for code in rows:
        chain, seen, node = [], set(), code
        while node is not None and node not in depth:
            if node in seen:
                cycle = chain[chain.index(node) :]
                for member in cycle:
                    in_cycle.add(member)
                    depth[member] = 0
                break
            seen.add(node)
            chain.append(node)
            node = parent_of.get(node)
        base = depth.get(node, 0) if node is not None else 0
        for member in reversed(chain):
            if member in depth:
                base = depth[member]
                continue
            base += 1
            depth[member] = base
    for code in sorted(in_cycle & set(rows)):
        number = rows[code][0]
        path, node = [code], parent_of.get(code)
        while node is not None and node != code and len(path) < 50:
            path.append(node)
            node = parent_of.get(node)
        bad_row(
            plan,
            number,
            code,
            _("The unit is part of a cycle in the unit tree: %(cycle)s.")
            % {"cycle": " → ".join([*path, code])},
        )

    # Heads: existing staff, by employee number.
    head_numbers = {
        as_text(values.get("head_employee_number")).strip()
        for (_n, values, _o, _a) in rows.values()
    } - {""}
    head_by_number = dict(
        StaffProfile.objects.filter(employee_number__in=head_numbers).values_list(
            "employee_number", "user_id"
        )
    )

    bad_codes = {problem.key for problem in plan.errors}
    work = {"create": [], "move": [], "update": [], "deactivate": []}
    for code, (number, values, _ok, active) in rows.items():
        if code in bad_codes:
            continue
        name = as_text(values.get("name")).strip()
        parent = parent_of.get(code)
        unit = by_code.get(code)
        head_present = "head_employee_number" in values
        head_number = as_text(values.get("head_employee_number")).strip()
        head_id = unit.head_id if unit else None
        if head_present:
            if not head_number:
                head_id = None
            elif head_number in head_by_number:
                head_id = head_by_number[head_number]
            else:
                warn_row(
                    plan,
                    number,
                    code,
                    _(
                        "The head %(number)s is not a known member of staff; "
                        "the unit's head is left as it was. Import staff, then "
                        "this file again."
                    )
                    % {"number": head_number},
                )
        active = True if active is None else active
        if unit is None:
            plan.created.append(
                Entry(number, code, name, [(_("parent"), "", display(parent))])
            )
            work["create"].append(
                {
                    "code": code,
                    "name": name,
                    "parent": parent,
                    "head_id": head_id,
                    "active": active,
                    "depth": depth.get(code, 1),
                }
            )
            continue
        changes, fields = [], {}
        if name != unit.name:
            changes.append((_("name"), unit.name, name))
            fields["name"] = name
        if head_id != unit.head_id:
            changes.append(
                (
                    _("head"),
                    display(employee_number_of(unit.head)),
                    display(head_number if head_id else None),
                )
            )
            fields["head_id"] = head_id
        if active != unit.active:
            fields["active"] = active
            target = plan.reactivated if active else plan.deactivated
            target.append(Entry(number, code, name))
        if changes:
            plan.changed.append(Entry(number, code, name, changes))
        if fields:
            work["update"].append((unit.pk, fields))
        if parent != db_parent.get(code):
            plan.moved.append(
                Entry(
                    number,
                    code,
                    name,
                    [(_("parent"), display(db_parent.get(code)), display(parent))],
                )
            )
            work["move"].append(
                {"code": code, "parent": parent, "depth": depth.get(code, 1)}
            )

    if mode == FULL:
        missing_ids = []
        for unit in units:
            if unit.hr_code not in rows and unit.active:
                plan.deactivated.append(Entry(None, unit.hr_code, unit.name))
                missing_ids.append(unit.pk)
        work["deactivate"] = missing_ids
    deactivated_ids = set(work["deactivate"]) | {
        pk for pk, fields in work["update"] if fields.get("active") is False
    }
    if deactivated_ids:
        staffed = (
            StaffProfile.objects.filter(
                unit_id__in=deactivated_ids, user__is_active=True
            )
            .values_list("unit__hr_code", flat=True)
            .distinct()
        )
        for code in sorted(staffed):
            warn_row(
                plan,
                rows.get(code, (None,))[0],
                code,
                _("The unit is deactivated but active staff are still in it."),
            )
    plan.work = work
    return plan


def apply_units(plan):
    work = plan.work
    # Parents before children: create and move in order of depth after import.
    steps = [("create", item) for item in work["create"]] + [
        ("move", item) for item in work["move"]
    ]
    steps.sort(key=lambda step: step[1]["depth"])
    for action, item in steps:
        parent = OrgUnit.objects.get(hr_code=item["parent"]) if item["parent"] else None
        if action == "create":
            fields = {
                "hr_code": item["code"],
                "name": item["name"],
                "head_id": item["head_id"],
                "active": item["active"],
            }
            if parent is None:
                OrgUnit.add_root(**fields)
            else:
                parent.add_child(**fields)
        else:
            # Re-fetch: treebeard instances go stale after every tree change.
            node = OrgUnit.objects.get(hr_code=item["code"])
            if parent is None:
                node.move(OrgUnit.get_first_root_node(), pos="sorted-sibling")
            else:
                node.move(parent, pos="sorted-child")
    if work["update"]:
        changes = dict(work["update"])
        units = list(OrgUnit.objects.filter(pk__in=changes))
        names = set()
        for unit in units:
            for name, value in changes[unit.pk].items():
                setattr(unit, name, value)
                names.add(name)
        OrgUnit.objects.bulk_update(units, sorted(names), batch_size=BULK_BATCH)
    if work["deactivate"]:
        OrgUnit.objects.filter(pk__in=work["deactivate"]).update(active=False)
