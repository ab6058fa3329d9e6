from django.urls import path

import core.converters  # noqa: F401  (registers <id:...>)

from . import team_views, views

app_name = "reports"

urlpatterns = [
    path("team/", team_views.team_list, name="team"),
    path("team/<id:profile_id>/", team_views.team_person, name="team_person"),
    path("reports/", views.overview, name="reports"),
    path("reports/units/<id:unit_id>/", views.overview, name="report_unit"),
    path("reports/units/<id:unit_id>/people/", views.people, name="report_people"),
    path("reports/people/", views.people, name="report_people_all"),
    path("reports/exports/", views.exports, name="report_exports"),
    path(
        "reports/exports/<uuid:export_id>/",
        views.export_download,
        name="report_export_download",
    ),
    path("reports/people/<id:profile_id>/", views.person, name="report_person"),
]
