"""The home page and the accessibility statement."""

from django.conf import settings
from django.db import models
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.CourseIndexPage", "cms.AccessibilityStatementPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from courses.models import CourseIndexPage

        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = CourseIndexPage.objects.live().child_of(self).first()
        return context


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

    def serve(self, request, *args, **kwargs):
        from .forms import AccessibilityReportForm

        if request.method == "POST":
            form = AccessibilityReportForm(request.POST)
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


class AccessibilityReport(models.Model):
    """A reported accessibility problem, kept for the people who fix them."""

    description = models.TextField(_("description of the problem"), max_length=4000)
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    email = models.EmailField(_("email for a reply"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        verbose_name = _("accessibility report")
        verbose_name_plural = _("accessibility reports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.page_url}"
