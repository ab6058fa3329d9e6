from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "xapi"
    verbose_name = _("xAPI")

    def ready(self):
        from notifications import kinds
        from notifications.models import Notification

        from . import alerts

        kinds.register(Notification.Kind.LRS_ALERT, alerts.compose_pause_alert)
