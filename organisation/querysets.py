"""Reads over units and staff profiles that do not depend on who asks.

Who may see whom is decided in `organisation.scope` alone.
"""

from functools import reduce
from operator import or_

from django.db import models
from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet


def subtree_of(paths, field="path"):
    """A Q for the units (or their members) under any of the given MP paths."""
    if not paths:
        return models.Q(pk__in=[])
    return reduce(or_, (models.Q(**{f"{field}__startswith": path}) for path in paths))


class OrgUnitQuerySet(MP_NodeQuerySet):
    def under(self, paths):
        """The units under any of `paths` (None: every unit)."""
        return self if paths is None else self.filter(subtree_of(paths))


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self):
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def under(self, paths):
        return self.get_queryset().under(paths)


class StaffProfileQuerySet(models.QuerySet):
    def active(self):
        return self.filter(user__is_active=True)
