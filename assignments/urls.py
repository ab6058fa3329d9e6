from django.urls import path

from . import views

app_name = "assignments"

urlpatterns = [
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/create/", views.create_feed, name="create_calendar"),
    path("calendar/new-address/", views.renew_feed, name="renew_calendar"),
]
