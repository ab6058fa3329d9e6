from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("Organisation")

    def ready(self):
        from notifications import kinds
        from notifications.models import Notification

        from . import invitations, receivers

        receivers.connect()
        kinds.register(Notification.Kind.INVITATION, invitations.compose_invitation)
