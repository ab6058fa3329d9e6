from django.urls import path

from . import (
    calendar_views,
    certificate_views,
    quiz_views,
    reminder_views,
    report_views,
    team_views,
    views,
)

app_name = "learners"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("courses/<int:course_id>/start/", views.start_course, name="start_course"),
    path("courses/<int:course_id>/new-cycle/", views.new_cycle, name="new_cycle"),
    path(
        "lessons/<int:lesson_id>/progress/",
        views.lesson_progress,
        name="lesson_progress",
    ),
    path("attempts/<int:attempt_id>/", quiz_views.attempt_detail, name="attempt"),
    path(
        "certificates/<int:certificate_id>/pdf/",
        certificate_views.certificate_pdf,
        name="certificate_pdf",
    ),
    path("calendar/", calendar_views.calendar_settings, name="calendar"),
    path("calendar/create/", calendar_views.create_feed, name="create_calendar"),
    path("calendar/new-address/", calendar_views.renew_feed, name="renew_calendar"),
    path("team/", team_views.team_list, name="team"),
    path("team/<int:profile_id>/", team_views.team_person, name="team_person"),
    path(
        "team/<int:profile_id>/remind/",
        reminder_views.remind_person,
        name="remind_person",
    ),
    path("team/remind-overdue/", reminder_views.remind_overdue, name="remind_overdue"),
    path("notifications/", reminder_views.my_notifications, name="notifications"),
    path("reports/", report_views.overview, name="reports"),
    path("reports/units/<int:unit_id>/", report_views.overview, name="report_unit"),
    path(
        "reports/units/<int:unit_id>/people/",
        report_views.people,
        name="report_people",
    ),
    path("reports/people/", report_views.people, name="report_people_all"),
    path("reports/exports/", report_views.exports, name="report_exports"),
    path(
        "reports/exports/<uuid:export_id>/",
        report_views.export_download,
        name="report_export_download",
    ),
    path(
        "reports/people/<int:profile_id>/",
        report_views.person,
        name="report_person",
    ),
]
