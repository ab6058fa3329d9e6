"""The demo loader's page tree and content, kept as an expected file.

`tests/cms/expected_demo_content.json` was written by the loader before its
content moved into data files (#12): the page tree (every page's type, slug,
title and fields, StreamField content included) must stay exactly that. Ids
that change from database to database are replaced by what they name (an
image, document or video by its title, a page by its URL path); the random ids
Wagtail gives content blocks are left out, the fixed ids of quiz questions and
options are kept (attempts record them).

To write the file anew after an intended change to the demo content:
    KOMPETENS_WRITE_EXPECTED=1 .venv/bin/python -m pytest tests/cms/test_demo_content.py
"""

import json
import os
import re
import uuid
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtailmedia import get_media_model

from courses.models import Category

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).parent / "expected_demo_content.json"
WRITE = os.environ.get("KOMPETENS_WRITE_EXPECTED") == "1"

# Fields that differ between databases or runs, not content.
LEFT_OUT = {
    "pk",
    "id",
    "path",
    "depth",
    "numchild",
    "content_type",
    "owner",
    "locked_by",
    "locked_at",
    "latest_revision",
    "live_revision",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "go_live_at",
    "expire_at",
    "locale",
    "translation_key",
    "alias_of",
    "draft_title",
    "url_path",
    "has_unpublished_changes",
    "comments",
}
# Values that are ids of images, documents and videos.
ASSET_KEYS = {"image": "image", "cover_image": "image", "video": "media"}
DOCUMENT_KEYS = {"captions", "document"}


class Names:
    def __init__(self):
        self.images = dict(get_image_model().objects.values_list("pk", "title"))
        self.documents = dict(get_document_model().objects.values_list("pk", "title"))
        self.media = dict(get_media_model().objects.values_list("pk", "title"))

    def asset(self, key, value):
        if not isinstance(value, int):
            return value
        if key in DOCUMENT_KEYS:
            return f"document: {self.documents[value]}"
        kind = ASSET_KEYS[key]
        table = self.images if kind == "image" else self.media
        return f"{kind}: {table[value]}"

    def rich_text(self, html):
        return re.sub(
            r'linktype="document" id="(\d+)"',
            lambda m: (
                f'linktype="document" document="{self.documents[int(m.group(1))]}"'
            ),
            html,
        )

    def content(self, value):
        if isinstance(value, list):
            return [self.content(item) for item in value]
        if isinstance(value, dict):
            result = {}
            for key, item in value.items():
                if key == "id" and _random_block_id(item):
                    continue
                if key in ASSET_KEYS or key in DOCUMENT_KEYS:
                    result[key] = self.asset(key, item)
                else:
                    result[key] = self.content(item)
            return result
        if isinstance(value, str):
            return self.rich_text(value)
        return value


def _random_block_id(value):
    try:
        return uuid.UUID(str(value)).version == 4
    except ValueError:
        return False


def page_tree():
    names = Names()
    pages = []
    for page in Page.objects.filter(depth__gt=1).order_by("path").specific():
        data = page.serializable_data()
        fields = {}
        for key, value in sorted(data.items()):
            if key in LEFT_OUT:
                continue
            if isinstance(value, str) and value.startswith("[{"):
                value = json.loads(value)  # a StreamField, stored as JSON
            if key in ASSET_KEYS or key in DOCUMENT_KEYS:
                fields[key] = names.asset(key, value)
            elif key == "categories":
                fields[key] = sorted(
                    Category.objects.filter(pk__in=value).values_list("slug", flat=True)
                )
            else:
                fields[key] = names.content(value)
        pages.append(
            {
                "url": page.url_path,
                "type": page.specific_class._meta.label,
                "depth": page.depth,
                "fields": fields,
            }
        )
    return pages


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Site.clear_site_root_paths_cache()
    # The accessibility statement names the day it was loaded.
    with time_machine.travel(datetime(2026, 11, 16, 9, 30, tzinfo=UTC), tick=False):
        call_command("load_demo", stdout=StringIO())
    yield
    Site.clear_site_root_paths_cache()


def test_the_demo_has_exactly_the_expected_page_tree_and_content(demo):
    tree = page_tree()
    text = json.dumps(tree, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if WRITE:
        EXPECTED.write_text(text)
    expected = json.loads(EXPECTED.read_text())
    assert [page["url"] for page in tree] == [page["url"] for page in expected]
    for seen, wanted in zip(tree, expected, strict=True):
        assert seen == wanted, seen["url"]
