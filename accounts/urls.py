"""Signing in and out (mounted under /konto/ by cms.urls)."""

from django.urls import path  # noqa: F401

app_name = "accounts"

urlpatterns = []
