"""The site's URLs and one more, of ours, that has no row in the matrix: the
walk must find it (test_authorization_matrix.py)."""

from django.urls import path

from cms.urls import urlpatterns as site_urlpatterns
from cms.views import ping

urlpatterns = [path("en-ny-vy/", ping, name="a_new_view"), *site_urlpatterns]
