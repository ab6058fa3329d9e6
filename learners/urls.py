from django.urls import path

import core.converters  # noqa: F401  (registers <id:...>)

from . import certificate_views, quiz_views, views

app_name = "learners"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("courses/<id:course_id>/start/", views.start_course, name="start_course"),
    path("courses/<id:course_id>/new-cycle/", views.new_cycle, name="new_cycle"),
    path(
        "lessons/<id:lesson_id>/progress/",
        views.lesson_progress,
        name="lesson_progress",
    ),
    path("attempts/<id:attempt_id>/", quiz_views.attempt_detail, name="attempt"),
    path(
        "certificates/<id:certificate_id>/pdf/",
        certificate_views.certificate_pdf,
        name="certificate_pdf",
    ),
]
