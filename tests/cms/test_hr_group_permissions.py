"""The HR groups hold exactly the permissions the README's table says.

The table (README, "Roles") is read here and compared with what
`ensure_roles` gives the groups: model permissions by app label, page
permissions on the catalogue, collection permissions by collection.
A permission added or lost in the code, or a table that was not updated, fails.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import translation

from cms.roles import HR_ADMINISTRATORS, HR_AUTHORS

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "### The HR groups' permissions"


def readme_table():
    """{(group, where): {permission codenames}} from the README's table."""
    text = README.read_text()
    assert HEADING in text, f"README.md has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n#", 1)[0]
    table = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("group", "---") or not cells[2]:
            continue
        group, where, permissions = cells
        codenames = set(re.findall(r"`([a-z_.]+)`", permissions))
        assert codenames, line
        table.setdefault((group, where), set()).update(codenames)
    return table


def granted(group):
    """{(group name, where): {codenames}} that the group really holds."""
    held = {}
    for permission in group.permissions.select_related("content_type"):
        app = permission.content_type.app_label
        held.setdefault((group.name, app), set()).add(permission.codename)
    for grant in group.page_permissions.select_related("page", "permission"):
        with translation.override("en"):
            where = f"pages under {grant.page.specific_class._meta.verbose_name}"
        held.setdefault((group.name, where), set()).add(grant.permission.codename)
    for grant in group.collection_permissions.select_related(
        "collection", "permission__content_type"
    ):
        app = grant.permission.content_type.app_label
        where = f"{app}, collection {grant.collection.name}"
        held.setdefault((group.name, where), set()).add(grant.permission.codename)
    return held


def test_the_hr_groups_hold_exactly_the_permissions_in_the_readme(catalogue):
    call_command("ensure_roles", verbosity=0)
    held = {}
    for name in (HR_AUTHORS, HR_ADMINISTRATORS):
        held.update(granted(Group.objects.get(name=name)))
    assert held == readme_table()


def test_the_readme_table_names_only_permissions_that_exist():
    existing = set(Permission.objects.values_list("codename", flat=True))
    named = set().union(*readme_table().values())
    assert named <= existing, named - existing
