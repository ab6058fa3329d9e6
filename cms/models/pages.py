"""The home page and the accessibility statement."""

from django.conf import settings
from django.db import models
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from core import ratelimit
from core.addresses import client_address
from courses.models import CourseIndexPage

from .. import lookups
from ..forms import AccessibilityReportForm


class HomePage(Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.CourseIndexPage", "cms.AccessibilityStatementPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = CourseIndexPage.objects.live().child_of(self).first()
        return context

    def route(self, request, path_components):
        """Every page of the site is routed from here: by its URL path in two
        queries (cms.lookups) instead of two per level of the URL."""
        if path_components:
            found = lookups.route(self, request, path_components)
            if found is not None:
                return found
        return super().route(request, path_components)


class AccessibilityStatementPage(Page):
    """The accessibility statement Swedish law requires (tillgänglighetsredogörelse),
    with a form to report a problem."""

    body = RichTextField(
        _("statement"), features=["h2", "h3", "bold", "italic", "ol", "ul", "link"]
    )
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("Where people can also write about accessibility problems."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        FieldPanel("contact_email"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("accessibility statement")
        verbose_name_plural = _("accessibility statements")

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            form = AccessibilityReportForm(request.POST)
            if form.is_valid() and not _may_report(request):
                # What they typed stays in the form; nothing is saved.
                form.add_error(
                    None,
                    _(
                        "Many reports have come from your address in the last "
                        "minute. Please wait a minute and send it again."
                    ),
                )
            if form.is_valid():
                report = form.save(commit=False)
                report.page_url = form.cleaned_data["page_url"]
                if request.user.is_authenticated:
                    report.reporter = request.user
                report.save()
                return redirect(self.url + "?tack=1#report-form")
        else:
            form = AccessibilityReportForm(
                initial={"page_url": request.GET.get("sida", "")}
            )
        context = self.get_context(request, *args, **kwargs)
        context["form"] = form
        context["thanks"] = request.GET.get("tack") == "1"
        return render(
            request,
            self.get_template(request),
            context,
            status=400 if form.errors else 200,
        )


def _may_report(request):
    """The public form is open to anyone: a few reports a minute from one
    address, so a script cannot fill the table HR reads."""
    address = client_address(request) or "unknown"
    return ratelimit.take(
        f"accessibility-report:{address}", settings.ACCESSIBILITY_REPORTS_PER_MINUTE
    )
