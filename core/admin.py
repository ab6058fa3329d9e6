"""What several apps' admin views share."""

from wagtail.permission_policies.base import ModelPermissionPolicy


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """A log: whoever may view it may only view it."""

    def user_has_permission(self, user, action):
        if action == "view":
            return user.has_perm(self._get_permission_name("view"))
        return False
