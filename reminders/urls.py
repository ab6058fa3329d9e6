from django.urls import path

import core.converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "reminders"

urlpatterns = [
    path("team/<id:profile_id>/remind/", views.remind_person, name="remind_person"),
    path("team/remind-overdue/", views.remind_overdue, name="remind_overdue"),
    path("notifications/", views.my_notifications, name="notifications"),
]
