"""`<id:...>` in a URL: a database id, at most 18 digits.

Django's `<int:...>` takes any number of digits, and an id beyond 64 bits
reaches the database: SQLite (the demo) cannot bind it (OverflowError, a
500). Eighteen digits always fit a bigint, so a longer one is simply a page
that does not exist (404) before any query. Our admin viewsets use it too
(`pk_path_converter = "id"`).
Importing this module registers the converter; every urls module and
wagtail_hooks module that uses it imports it.
"""

from django.urls import register_converter


class DatabaseIdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(DatabaseIdConverter, "id")
