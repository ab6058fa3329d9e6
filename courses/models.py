"""What HR authors: the catalogue, courses, lessons and information material.

Pages hold content and small read helpers only. Learner state never lives on a
page: it is in `learners` (enrolments, lesson progress).
"""

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from .blocks import LessonStreamBlock
from .catalogue import catalogue_context
from .hooks import add_learner_context
from .languages import LANGUAGE_CHOICES
from .quiz_blocks import QuestionStreamBlock
from .quiz_fields import preview_questions
from .rendering import any_view_restrictions, rendered_body
from .validity import Validity


class Category(models.Model):
    """A subject of the catalogue; HR keeps the list in the admin's snippets
    (registered in wagtail_hooks, with its own viewset)."""

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

    def get_view_restrictions(self):
        # Wagtail asks on every request (two queries); none at all is usual.
        if not any_view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def english_title_field():
    """An optional English title beside the page's own (usually Swedish) one:
    the learning record store names every course, lesson and quiz in Swedish
    and English (xAPI activity definitions)."""
    return models.CharField(
        _("title in English"),
        max_length=255,
        blank=True,
        help_text=_(
            "Optional. Used in the learning record store; without it the "
            "title is used in both languages."
        ),
    )


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
        verbose_name_plural = _("catalogues")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(
            catalogue_context(
                self,
                request,
                # Retired courses take no new learners: not offered here.
                courses=CoursePage.objects.live().child_of(self).filter(retired=False),
                information=InformationPage.objects.live().child_of(self),
                categories=Category.objects.all(),
            )
        )
        return add_learner_context(self, request, context)


class CoursePage(LoginRequiredPageMixin, Page):
    title_en = english_title_field()
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
    retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_(
            "A retired course takes no new learners or assignments and sends no "
            "reminders; open assignments are withdrawn. Its history is kept."
        ),
    )
    validity_kind = models.CharField(
        _("validity"),
        max_length=10,
        choices=Validity.Kind.choices,
        default=Validity.Kind.NONE,
        help_text=_("How long a certificate for this course is valid."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("For “months from completion”: for example 12 or 24."),
    )
    validity_yearly_month = models.PositiveSmallIntegerField(
        _("expires every year in month"),
        null=True,
        blank=True,
        choices=[(month, str(month)) for month in range(1, 13)],
        help_text=_("For “fixed yearly date”: the month (1–12)."),
    )
    validity_yearly_day = models.PositiveSmallIntegerField(
        _("on day"),
        null=True,
        blank=True,
        help_text=_("For “fixed yearly date”: the day of the month."),
    )
    validity_minimum_days = models.PositiveSmallIntegerField(
        _("minimum active period (days)"),
        default=0,
        help_text=_(
            "For “fixed yearly date”: someone completing closer to the date than "
            "this is valid until the following year's date instead."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("title_en"),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("language"),
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                FieldPanel("cover_image"),
                FieldPanel("retired"),
            ],
            heading=_("Catalogue details"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("validity_kind"),
                FieldPanel("validity_months"),
                FieldPanel("validity_yearly_month"),
                FieldPanel("validity_yearly_day"),
                FieldPanel("validity_minimum_days"),
            ],
            heading=_("Certificate validity"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("objectives"),
        index.FilterField("language"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage", "courses.QuizPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def lessons(self):
        """The live lessons in the editor's order."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    def quizzes(self):
        """The live quizzes in the editor's order."""
        return QuizPage.objects.child_of(self).live().order_by("path")

    @property
    def validity(self):
        return Validity(
            kind=self.validity_kind,
            months=self.validity_months,
            yearly_month=self.validity_yearly_month,
            yearly_day=self.validity_yearly_day,
            minimum_days=self.validity_minimum_days,
        )

    def clean(self):
        super().clean()
        self.validity.check()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        return add_learner_context(self, request, context)


class LessonPage(LoginRequiredPageMixin, Page):
    title_en = english_title_field()
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
        FieldPanel("title_en"),
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
        verbose_name_plural = _("lessons")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The content, cached per published revision and language (never
        # for a preview); the learner's state is added around it.
        context["body_html"] = rendered_body(self, request)
        return add_learner_context(self, request, context)


class QuizPage(LoginRequiredPageMixin, Page):
    """A quiz inside a course. Attempts snapshot the revision they were drawn
    from, so editing a live quiz never changes an attempt's result."""

    title_en = english_title_field()

    class Reveal(models.TextChoices):
        NEVER = "never", _("Never: only the score")
        AFTER_SUBMIT = "after_submit", _("After each submitted attempt")
        AFTER_PASS = "after_pass", _("Once the learner has passed")

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link", "ul"]
    )
    questions = StreamField(QuestionStreamBlock(), verbose_name=_("questions"))
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for unlimited attempts."),
    )
    draw_count = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Draw this many questions at random from the pool. Empty: all questions."
        ),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_options = models.BooleanField(_("shuffle options"), default=False)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Empty: no time limit. HR can grant a person more time or no limit "
            "under Quiz accommodations."
        ),
    )
    reveal_answers = models.CharField(
        _("show correct answers"),
        max_length=20,
        choices=Reveal.choices,
        # After each attempt would let a learner fail once on purpose and
        # read the answers; after passing keeps the review without that.
        default=Reveal.AFTER_PASS,
    )
    required = models.BooleanField(
        _("required for completion"),
        default=True,
        help_text=_("A course is complete when its required quizzes are passed."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("title_en"),
        FieldPanel("intro"),
        FieldPanel("questions"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("draw_count"),
                FieldPanel("shuffle_questions"),
                FieldPanel("shuffle_options"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("reveal_answers"),
                FieldPanel("required"),
            ],
            heading=_("Settings"),
        ),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def clean(self):
        super().clean()
        pool = len(self.questions or [])
        if self.draw_count and pool and self.draw_count > pool:
            raise ValidationError(
                {
                    "draw_count": _("There are only %(pool)s questions to draw from.")
                    % {"pool": pool}
                }
            )

    # A learner's attempts are served by the learning record (its
    # `on_serve_page` hook answers for a quiz page, GET and POST).

    def serve_preview(self, request, mode_name):
        """What an editor's preview shows: the questions as a learner would
        get them in a new attempt. Nothing is saved."""
        context = self.get_context(request)
        context.update(
            {
                # The course as its latest draft: it may not be published.
                "course": self.get_parent().specific.get_latest_revision_as_object(),
                "is_preview": True,
                "open_attempt": None,
                "questions": preview_questions(self),
            }
        )
        return TemplateResponse(request, self.get_template(request), context)


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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["body_html"] = rendered_body(self, request)
        return context
