from django import forms
from django.utils.translation import gettext_lazy as _

from .models.reports import AccessibilityReport


class AccessibilityReportForm(forms.ModelForm):
    page_url = forms.CharField(
        label=_("Which page is it about? (optional)"), max_length=500, required=False
    )

    class Meta:
        model = AccessibilityReport
        fields = ["description", "page_url", "email"]
        labels = {
            "description": _("Describe the problem"),
            "email": _("Your email, if you want a reply (optional)"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
