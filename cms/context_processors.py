from django.utils.functional import SimpleLazyObject


def _page_url(model_name):
    def lookup():
        from courses.models import CourseIndexPage

        from .models import AccessibilityStatementPage

        model = {
            "accessibility": AccessibilityStatementPage,
            "catalogue": CourseIndexPage,
        }[model_name]
        page = model.objects.live().only("url_path", "path").first()
        return page.url if page else ""

    return lookup


def site_links(request):
    """Links every page shows. Lazy: a page that does not render them pays nothing."""
    return {
        "accessibility_statement_url": SimpleLazyObject(_page_url("accessibility")),
        "catalogue_url": SimpleLazyObject(_page_url("catalogue")),
    }
