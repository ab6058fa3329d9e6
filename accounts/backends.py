"""Sign-in with a password: Django's ModelBackend, and the person it loads on
every request of such a session carries whether they must give a second
factor (accounts.two_factor), read in the same query instead of one more on
every page. Read on every request, as the person is: a role or group granted
in the middle of a session asks for the factor on the very next page.

The query is written out (portable SQL, the tables' names from the models):
it runs on every request of such a session, and building it through the ORM
cost more than the query it saved."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group

from organisation.models import StaffProfile

from .two_factor import HAS_POWERFUL_ROLE, IN_POWERFUL_GROUP, POWERFUL_ROLES


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


def person_with_powers_sql():
    User = get_user_model()
    memberships = User.groups.through._meta.db_table
    groups = settings.TWO_FACTOR_GROUPS or ["\x00none"]
    return (
        f"SELECT u.*, "  # noqa: S608 - table names from the models, values bound
        f"EXISTS (SELECT 1 FROM {memberships} m"
        f" JOIN {Group._meta.db_table} g ON g.id = m.group_id"
        f" WHERE m.user_id = u.id AND g.name IN ({_placeholders(groups)}))"
        f" AS {IN_POWERFUL_GROUP}, "
        f"EXISTS (SELECT 1 FROM {StaffProfile._meta.db_table} p"
        f" WHERE p.user_id = u.id AND p.hr_role IN ({_placeholders(POWERFUL_ROLES)}))"
        f" AS {HAS_POWERFUL_ROLE} "
        f"FROM {User._meta.db_table} u WHERE u.id = %s",
        [*groups, *POWERFUL_ROLES],
    )


class PasswordBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        sql, params = person_with_powers_sql()
        try:
            user_id = User._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session's value that is no id
            return None
        found = list(User._default_manager.raw(sql, [*params, user_id]))
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
