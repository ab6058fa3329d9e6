from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from notifications import kinds
        from notifications.models import Notification

        from . import exports, receivers

        receivers.connect()
        kinds.register(Notification.Kind.REPORT_EXPORT, exports.compose_export_ready)
