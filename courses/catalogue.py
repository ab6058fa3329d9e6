"""The catalogue's read: courses and information material under a catalogue
page, searched and filtered, with the learner's own status on each course.
A fixed number of queries whatever the number of courses."""

from django.utils.translation import gettext_lazy as _

from .models import LANGUAGE_CHOICES, Category, CoursePage, InformationPage

MAX_QUERY_LENGTH = 200


def catalogue_context(catalogue, request):
    from learners.progress import current_enrolments

    def param(name, limit=100):
        # NUL cannot be stored or searched in PostgreSQL: drop it, never a 500.
        return request.GET.get(name, "").replace("\x00", "").strip()[:limit]

    query = param("q", MAX_QUERY_LENGTH)
    category_slug = param("kategori")
    language = param("sprak")
    kind = param("typ")

    # Retired courses take no new learners: not offered in the catalogue.
    courses = CoursePage.objects.live().child_of(catalogue).filter(retired=False)
    information = InformationPage.objects.live().child_of(catalogue)
    if category_slug:
        courses = courses.filter(categories__slug=category_slug)
        information = information.filter(categories__slug=category_slug)
    if language in dict(LANGUAGE_CHOICES):
        courses = courses.filter(language=language)
        information = information.filter(language=language)
    if query:
        # Search the whole catalogue once; filter the typed querysets by the hits.
        hits = catalogue.get_descendants().live().search(query, operator="and")
        hit_ids = [page.pk for page in hits[:500]]
        courses = courses.filter(pk__in=hit_ids)
        information = information.filter(pk__in=hit_ids)

    courses = (
        list(
            courses.select_related("cover_image")
            .prefetch_related("categories")
            .order_by("title")
        )
        if kind in ("", "kurs")
        else []
    )
    information = (
        list(information.prefetch_related("categories").order_by("title"))
        if kind in ("", "information")
        else []
    )

    enrolments = current_enrolments(request.user, courses)
    for course in courses:
        enrolment = enrolments.get(course.pk)
        if enrolment is None:
            course.learner_status = "not_started"
        elif enrolment.completed_at:
            course.learner_status = "completed"
        else:
            course.learner_status = "in_progress"

    return {
        "courses": courses,
        "information_pages": information,
        "categories": Category.objects.all(),
        "language_choices": LANGUAGE_CHOICES,
        "kind_choices": [
            ("kurs", _("Courses")),
            ("information", _("Information material")),
        ],
        "filters": {
            "q": query,
            "kategori": category_slug,
            "sprak": language,
            "typ": kind,
        },
        "filtered": bool(query or category_slug or language or kind),
    }
