"""Registration only: the page views of what HR authors (`admin_views`)."""

from wagtail import hooks

from .admin_views import AuthoredPageViewSet
from .models import CourseIndexPage, CoursePage, InformationPage, LessonPage, QuizPage


@hooks.register("register_admin_viewset")
def register_authored_page_viewsets():
    return [
        AuthoredPageViewSet(f"courses_{model._meta.model_name}", model=model)
        for model in (
            CourseIndexPage,
            CoursePage,
            LessonPage,
            QuizPage,
            InformationPage,
        )
    ]
