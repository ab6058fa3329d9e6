"""Reads over the learning record, and the one place that decides a
person's scope: who they may see."""

from functools import reduce
from operator import or_

from django.db import connection, models
from django.utils import timezone
from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet


def _subtree_of(paths, field="path"):
    """A Q for the units (or their members) under any of the given MP paths."""
    if not paths:
        return models.Q(pk__in=[])
    return reduce(or_, (models.Q(**{f"{field}__startswith": path}) for path in paths))


def scope_unit_paths(user, day=None):
    """The tree paths of the units whose subtrees `user` sees, or None for
    the whole city. Central HR and superusers: the city. A coordinator: their
    administration. A manager: the units they head and units delegated to them
    on `day`."""
    from .models import OrgUnit, StaffProfile, UnitDelegation

    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    day = day or timezone.localdate()
    # Every request of a report, team or person page asks: one query, in SQL
    # (as ORM querysets, building them cost three times what they took to
    # run). Their role (if they have a profile; NULL marks the row), the
    # administration they coordinate, the active units they head, the units
    # delegated to them on `day`. Constant SQL; the values are parameters.
    units = OrgUnit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.hr_role, c.path FROM {StaffProfile._meta.db_table} p "  # noqa: S608
            f"LEFT JOIN {units} c ON c.id = p.coordinator_of_id "
            "WHERE p.user_id = %s "
            f"UNION ALL SELECT NULL, u.path FROM {units} u "
            "WHERE u.head_id = %s AND u.active = %s "
            f"UNION ALL SELECT NULL, u.path FROM {UnitDelegation._meta.db_table} d "
            f"JOIN {units} u ON u.id = d.unit_id "
            "WHERE d.delegate_id = %s AND d.valid_from <= %s AND d.valid_until >= %s",
            [user.pk, user.pk, True, user.pk, day, day],
        )
        rows = cursor.fetchall()
    profile = next(((role, path) for role, path in rows if role is not None), None)
    if profile and profile[0] == StaffProfile.HrRole.CENTRAL:
        return None
    # The units they head and those delegated to them on `day`.
    paths = {path for role, path in rows if role is None}
    if profile and profile[0] == StaffProfile.HrRole.COORDINATOR and profile[1]:
        paths.add(profile[1])
    # Drop paths inside other paths: the subtree already covers them.
    return sorted(
        p for p in paths if not any(p != q and p.startswith(q) for q in paths)
    )


class OrgUnitQuerySet(MP_NodeQuerySet):
    def in_scope_of(self, user, day=None):
        paths = scope_unit_paths(user, day)
        if paths is None:
            return self
        return self.filter(_subtree_of(paths))


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self):
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def in_scope_of(self, user, day=None):
        return self.get_queryset().in_scope_of(user, day)


class StaffProfileQuerySet(models.QuerySet):
    def active(self):
        return self.filter(user__is_active=True)

    def in_scope_of(self, user, day=None):
        """The people `user` may see: everyone under their units (headed,
        delegated today, coordinated) and their direct reports. Central HR:
        everyone. Every people list and report uses this."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        paths = scope_unit_paths(user, day)
        if paths is None:
            return self
        return self.filter(
            _subtree_of(paths, "unit__path") | models.Q(line_manager=user)
        )


class EnrolmentQuerySet(models.QuerySet):
    def for_learner(self, user):
        return self.filter(learner=user)

    def completed(self):
        return self.filter(completed_at__isnull=False)

    def in_progress(self):
        return self.filter(completed_at__isnull=True)

    def current(self):
        """The newest cycle of each (learner, course)."""
        newer = self.model.objects.filter(
            learner=models.OuterRef("learner"),
            course=models.OuterRef("course"),
            cycle__gt=models.OuterRef("cycle"),
        )
        return self.exclude(models.Exists(newer))


class LessonProgressQuerySet(models.QuerySet):
    def completed(self):
        return self.filter(completed_at__isnull=False)
