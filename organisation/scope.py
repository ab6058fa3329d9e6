"""Who may see whom: the one place that decides it.

A person's scope on a day is
- the whole city for central HR (a staff profile's HR role) and superusers;
- for a local coordinator, their administration;
- for a manager, the units they head (with their subtrees) and the units
  delegated to them on the day (with theirs);
- and, for everyone but the city, their direct reports (the people whose line
  manager they are), wherever those sit in the organisation.

Every people list, report, export, team page, remind-now and download asks
`scope_of(user)`, and so does every admin tool (certificates, accommodations,
completions recorded elsewhere, delegations, goals, the audit log and the
delivery logs: through `core.admin`, which the apps below this one reach by
the `SCOPE_OF_USER` hook registered in `organisation.wagtail_hooks`). A unit
is in scope only through the units: a direct report in another unit is in
the manager's people lists and person pages, but that unit's own report page
is not (it holds other people too).
"""

from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .models import OrgUnit, StaffProfile, UnitDelegation
from .querysets import subtree_of


@dataclass(frozen=True)
class Scope:
    """What one person may see on one day.

    `unit_paths` are the tree paths of the units whose subtrees are in scope
    (none inside another), or None for the whole city. `reports_of` is the
    user whose direct reports are in scope too (None: nobody's, for the city
    and for nobody logged in)."""

    unit_paths: tuple[str, ...] | None
    reports_of: int | None = None
    has_reports: bool = False
    # The direct reports as read once (`fixed`); None: as they are when asked.
    report_user_ids: frozenset | None = None

    @property
    def is_city(self):
        return self.unit_paths is None

    @property
    def is_empty(self):
        """Nobody at all: no units and no direct reports."""
        return self.unit_paths == () and not self.has_reports

    # --- Units ----------------------------------------------------------------

    def units(self):
        """The units in scope, in tree order (direct reports' units are not)."""
        return OrgUnit.objects.under(self.unit_paths)

    def has_unit(self, unit):
        return self.is_city or any(unit.path.startswith(p) for p in self.unit_paths)

    def covers_paths(self, paths):
        """Whether every unit subtree of `paths` (None: the city) is in scope."""
        if self.is_city:
            return True
        if paths is None:
            return False
        return all(any(path.startswith(p) for p in self.unit_paths) for path in paths)

    # --- People ---------------------------------------------------------------

    def person_q(self, prefix=""):
        """A Q for rows whose person is in scope; `prefix` leads from the
        queried model to a staff profile ("" on StaffProfile itself,
        "person__staff_profile__" on an assignment)."""
        if self.is_city:
            return Q()
        in_units = subtree_of(self.unit_paths, f"{prefix}unit__path")
        if self.report_user_ids is not None:
            return in_units | Q(**{f"{prefix}user_id__in": self.report_user_ids})
        if self.has_reports:
            return in_units | Q(**{f"{prefix}line_manager_id": self.reports_of})
        return in_units

    def user_q(self, prefix=""):
        """A Q for rows whose user is in scope; `prefix` leads from the
        queried model to a user ("" on the user model itself, "recipient__"
        on a notification). A user without a staff profile is in the city's
        scope only."""
        return self.person_q(f"{prefix}staff_profile__")

    def users(self):
        """The users in scope (inactive ones included)."""
        if self.is_empty:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(self.user_q())

    def people(self):
        """The staff profiles in scope (leavers included: filter `.active()`)."""
        if self.is_empty:
            return StaffProfile.objects.none()
        return StaffProfile.objects.filter(self.person_q())

    def sees(self, profile):
        """Whether the person of `profile` (a StaffProfile, unit loaded) is in
        scope: the same answer as `people()`, without a query."""
        if self.is_city:
            return True
        if self.report_user_ids is not None:
            if profile.user_id in self.report_user_ids:
                return True
        elif self.has_reports and profile.line_manager_id == self.reports_of:
            return True
        return profile.unit_id is not None and self.has_unit(profile.unit)

    def report_ids(self):
        """The user ids of the direct reports (one query, unless fixed; none
        for the city)."""
        if self.report_user_ids is not None:
            return set(self.report_user_ids)
        if not self.has_reports:
            return set()
        return set(
            StaffProfile.objects.filter(line_manager_id=self.reports_of).values_list(
                "user_id", flat=True
            )
        )

    def fixed(self):
        """This scope with its direct reports read now, once: what is built
        from it (an export that takes minutes) and what is stored of it name
        the same people, whoever moves meanwhile."""
        if not self.has_reports or self.report_user_ids is not None:
            return self
        return replace(self, report_user_ids=frozenset(self.report_ids()))


NOBODY = Scope(unit_paths=())
CITY = Scope(unit_paths=None)


def scope_of(user, day=None, *, delegated=True) -> Scope:
    """The scope of `user` on `day` (today by default). `delegated=False`
    leaves out the units delegated to them: what is theirs to delegate on (a
    unit lent to a deputy is not the deputy's to lend further)."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    if user.is_superuser:
        return CITY
    day = day or timezone.localdate()
    # Every request of a report, team or person page asks: one query, in SQL
    # (as ORM querysets, building them cost three times what they took to
    # run). The person's role and the administration they coordinate (their
    # profile's row, marked "profile"), the active units they head, the units
    # delegated to them on `day`, and whether anyone has them as line manager.
    # Constant SQL; the values are parameters.
    units = OrgUnit._meta.db_table
    profiles = StaffProfile._meta.db_table
    delegations = UnitDelegation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 'profile', p.hr_role, c.path FROM {profiles} p "  # noqa: S608
            f"LEFT JOIN {units} c ON c.id = p.coordinator_of_id "
            "WHERE p.user_id = %s "
            f"UNION ALL SELECT 'unit', NULL, u.path FROM {units} u "
            "WHERE u.head_id = %s AND u.active = %s "
            f"UNION ALL SELECT 'unit', NULL, u.path FROM {delegations} d "
            f"JOIN {units} u ON u.id = d.unit_id "
            "WHERE d.delegate_id = %s AND d.valid_from <= %s AND d.valid_until >= %s "
            "AND %s "
            "UNION ALL SELECT 'reports', NULL, NULL WHERE EXISTS ("
            f"SELECT 1 FROM {profiles} r WHERE r.line_manager_id = %s)",
            [user.pk, user.pk, True, user.pk, day, day, bool(delegated), user.pk],
        )
        rows = cursor.fetchall()
    role, coordinated = next(
        ((role, path) for kind, role, path in rows if kind == "profile"), (None, None)
    )
    if role == StaffProfile.HrRole.CENTRAL:
        return CITY
    paths = {path for kind, _role, path in rows if kind == "unit"}
    if role == StaffProfile.HrRole.COORDINATOR and coordinated:
        paths.add(coordinated)
    # Drop paths inside other paths: the subtree already covers them.
    kept = tuple(
        sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    )
    has_reports = any(kind == "reports" for kind, _role, _path in rows)
    return Scope(unit_paths=kept, reports_of=user.pk, has_reports=has_reports)
