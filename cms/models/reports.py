"""Reported accessibility problems."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessibilityReport(models.Model):
    """A reported accessibility problem, kept for the people who fix them."""

    description = models.TextField(_("description of the problem"), max_length=4000)
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    email = models.EmailField(_("email for a reply"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        verbose_name = _("accessibility report")
        verbose_name_plural = _("accessibility reports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.page_url}"
