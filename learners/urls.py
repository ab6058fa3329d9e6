from django.urls import path

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("courses/<int:course_id>/start/", views.start_course, name="start_course"),
    path(
        "lessons/<int:lesson_id>/progress/",
        views.lesson_progress,
        name="lesson_progress",
    ),
]
