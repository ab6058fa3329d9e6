"""Run by tests/courses/test_catalogue_search.py in a process of its own, on
SQLite (the demo's database, where Wagtail's database search backend uses
FTS5): migrates the empty database it is given, builds a small catalogue,
requests the catalogue's search with each query given as JSON on stdin and
prints one JSON object: query -> [status code, titles found].

Not a test module (pytest collects only test_*.py); it needs
DJANGO_SETTINGS_MODULE=cms.settings.dev and DATABASE_URL=sqlite:///<file>.
"""

import json
import logging
import sys

import django


def main():
    queries = json.loads(sys.stdin.read())
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from wagtail.models import Page, Site

    from tests.factories import (
        CourseIndexPageFactory,
        HomePageFactory,
        InformationPageFactory,
        UserFactory,
        make_course,
        publish,
    )

    assert connection.vendor == "sqlite", connection.vendor
    setup_test_environment()  # the client records each response's context
    call_command("migrate", verbosity=0)
    logging.disable(logging.CRITICAL)  # a 500 is reported below, not logged

    site = Site.objects.get(is_default_site=True)
    home = publish(HomePageFactory(parent=Page.get_first_root_node()))
    old_root, site.root_page = site.root_page, home
    site.save()
    old_root.delete()
    catalogue = publish(CourseIndexPageFactory(parent=home))
    make_course(catalogue, lessons=1, title="Nätfiske och bedrägerier")
    make_course(catalogue, lessons=0, title="GDPR in practice", language="en")
    publish(InformationPageFactory(parent=catalogue, title="Rapportera incidenter"))

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="anna"))
    results = {}
    for query in queries:
        response = client.get(catalogue.url, {"q": query})
        found = []
        if response.status_code == 200:
            context = response.context
            found = sorted(
                page.title
                for page in [*context["courses"], *context["information_pages"]]
            )
        results[query] = [response.status_code, found]
    sys.stdout.write("\nRESULTS " + json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
