"""The languages content is written in: Swedish first, English second."""

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("sv", _("Swedish")), ("en", _("English"))]
