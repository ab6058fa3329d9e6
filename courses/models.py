"""What HR authors: the catalogue, courses, lessons and information material.

Pages hold content and small read helpers only. Learner state never lives on a
page: it is in `learners` (enrolments, lesson progress).
"""

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from .blocks import LessonStreamBlock

LANGUAGE_CHOICES = [("sv", _("Swedish")), ("en", _("English"))]


@register_snippet
class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class LoginRequiredPageMixin:
    """The platform is for the city's staff: its learning pages need a login.

    Wagtail's preview is left alone so that editors can preview as usual.
    """

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return super().serve(request, *args, **kwargs)


class CourseIndexPage(LoginRequiredPageMixin, Page):
    """The catalogue: courses and information material, with search and filters."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.CoursePage", "courses.InformationPage"]
    parent_page_types = ["cms.HomePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("catalogue")

    def get_context(self, request, *args, **kwargs):
        from .catalogue import catalogue_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_context(self, request))
        return context


class CoursePage(LoginRequiredPageMixin, Page):
    summary = models.TextField(
        _("summary"),
        max_length=600,
        help_text=_("Shown in the catalogue. One or two sentences."),
    )
    objectives = RichTextField(
        _("learning objectives"),
        features=["ul", "ol", "bold", "italic"],
        help_text=_("What a learner can do after the course, as a bulleted list."),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated time (minutes)"), default=30
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Decorative; it is shown without alternative text."),
    )
    categories = ParentalManyToManyField(
        Category, verbose_name=_("categories"), blank=True, related_name="courses"
    )
    language = models.CharField(
        _("language"), max_length=5, choices=LANGUAGE_CHOICES, default="sv"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("language"),
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                FieldPanel("cover_image"),
            ],
            heading=_("Catalogue details"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("objectives"),
        index.FilterField("language"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    def lessons(self):
        """The live lessons in the editor's order."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        from learners.views import course_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_context(self, request))
        return context


class LessonPage(LoginRequiredPageMixin, Page):
    body = StreamField(LessonStreamBlock(), verbose_name=_("content"))
    required = models.BooleanField(
        _("required for completion"),
        default=True,
        help_text=_(
            "A course is complete when all its required lessons are done. "
            "Untick for optional extra material."
        ),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated time (minutes)"), default=5
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("required"), FieldPanel("estimated_minutes")],
            heading=_("Completion"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")

    def get_context(self, request, *args, **kwargs):
        from learners.views import lesson_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context(self, request))
        return context


class InformationPage(LoginRequiredPageMixin, Page):
    """Stand-alone information material: guides and documents, no enrolment."""

    summary = models.TextField(_("summary"), max_length=600)
    body = StreamField(LessonStreamBlock(), verbose_name=_("content"))
    categories = ParentalManyToManyField(
        Category,
        verbose_name=_("categories"),
        blank=True,
        related_name="information_pages",
    )
    language = models.CharField(
        _("language"), max_length=5, choices=LANGUAGE_CHOICES, default="sv"
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated reading time (minutes)"), default=5
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("language"),
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Catalogue details"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("language"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("information material")
        verbose_name_plural = _("information material")
