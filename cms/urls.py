from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, reverse_lazy
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.sign_in_views import SignInView, sign_out
from assignments.views import calendar_feed
from learners.certificate_views import verify_certificate

from .views import keep_alive, ping, signed_out

urlpatterns = [
    path("ping/", ping, name="ping"),
    # The admin's "Log out" (a POST to Wagtail's wagtailadmin_logout path)
    # ends the provider's session too, as ours does.
    path("admin/logout/", sign_out, {"home": "wagtailadmin_login"}),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("login/", SignInView.as_view(), name="login"),
    # Wagtail's own front-end password form (for pages and documents with a
    # view restriction) is ours too, so that LOCAL_LOGIN, the throttle and
    # the city-account button hold there as well.
    path("_util/login/", SignInView.as_view()),
    path("logout/", sign_out, name="logout"),
    path("utloggad/", signed_out, name="signed_out"),
    path("session/aktiv/", keep_alive, name="keep_alive"),
    path("konto/", include("accounts.urls")),
    path(
        "konto/losenord/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="cms/set_password.html",
            success_url=reverse_lazy("set_password_done"),
        ),
        name="set_password",
    ),
    path(
        "konto/losenord/klart/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="cms/set_password_done.html"
        ),
        name="set_password_done",
    ),
    # What a person does and follows up, under one address: each app's own.
    path("learning/", include("learners.urls")),
    path("learning/", include("assignments.urls")),
    path("learning/", include("reminders.urls")),
    path("learning/", include("reports.urls")),
    path("intyg/<str:code>/", verify_certificate, name="verify_certificate"),
    # The secret token is the credential: calendars fetch without logging in.
    # Only what secrets.token_urlsafe makes reaches the database (a NUL byte
    # would be a 500 on PostgreSQL): anything else is a 404 here.
    re_path(
        r"^kalender/(?P<token>[A-Za-z0-9_-]{1,100})\.ics$",
        calendar_feed,
        name="calendar_feed",
    ),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        # Documents only through Wagtail's view, which asks for a sign-in.
        re_path(
            r"^media/(?P<path>(?!documents/).*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

urlpatterns += [path("", include(wagtail_urls))]
