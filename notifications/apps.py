from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import alerts, kinds
        from .models import Notification

        kinds.register(Notification.Kind.DELIVERY_ALERT, alerts.compose_delivery_alert)
