from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("Learners")

    def ready(self):
        from notifications import kinds
        from notifications.models import Notification

        from . import emails, receivers

        receivers.connect()
        kinds.register(
            Notification.Kind.COURSE_COMPLETED, emails.compose_course_completed
        )
        kinds.register(
            Notification.Kind.CERTIFICATE_REVOKED, emails.compose_certificate_revoked
        )
