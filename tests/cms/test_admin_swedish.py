"""The admin's Swedish around our models: Wagtail's sentences with our
Swedish names (listings, searches, new items, deletes), and no Swedish
headings in English.

Wagtail's own msgids come from locale_overrides/ (compiled, committed); our
model names and "New goal"-style labels from locale/ (the lead's catalogue).
"""

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from courses.models import Category
from organisation.models import AuditEvent
from reports.models import ReportGoal
from tests.factories import UserFactory, make_course

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# What Wagtail says in English (or its Swedish says badly) around a model
# name; none of it may reach a Swedish page of ours.
ENGLISH_FRAGMENTS = [
    "There are no",
    "to display",
    "Why not",
    "add one",
    "match your query",
    "Add ",
    "New:",
    "Ny:",
    "matchade din sökning",
    "Are you sure",
    "is referenced",
]

# viewset index url name, model name plural as a Swedish sentence has it
LISTINGS = [
    ("report_goals:index", "mål"),
    ("delegations:index", "delegeringar"),
    ("quiz_accommodations:index", "anpassningar för kunskapstest"),
    ("lrs_destinations:index", "lärandedatalager"),
    ("certificates:index", "intyg"),
    ("wagtailsnippets_cms_accessibilityreport:list", "rapporter om tillgänglighet"),
    ("wagtailsnippets_courses_category:list", "kategorier"),
    # The three below need the lead's locale/ (new verbose names of #15).
    ("sent_messages:index", "skickade meddelanden"),
    ("reminders_sent:index", "skickade påminnelser"),
    ("audit_log:index", "loggade händelser"),
]

SEARCHABLE = {
    "delegations",
    "quiz_accommodations",
    "lrs_destinations",
    "certificates",
    "sent_messages",
    "reminders_sent",
    "audit_log",
}

# add url name, title (English, Swedish); the Swedish ones need the lead's
# locale/ ("New goal" and the like are msgids of #15).
NEW_ITEMS = [
    ("report_goals:add", "New goal", "Nytt mål"),
    ("delegations:add", "New delegation", "Ny delegering"),
    (
        "quiz_accommodations:add",
        "New quiz accommodation",
        "Ny anpassning för kunskapstest",
    ),
    ("lrs_destinations:add", "New learning record store", "Nytt lärandedatalager"),
    (
        "wagtailsnippets_cms_accessibilityreport:add",
        "New accessibility report",
        "Ny rapport om tillgänglighet",
    ),
]


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def speaking(user, language):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user


def text_of(response):
    """The page's words: tags dropped, entities and whitespace resolved."""
    html = response.content.decode()
    html = re.sub(r"<(script|template|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def headings_of(response):
    """<title>, every <h1>/<h2> and the breadcrumbs' labels."""
    html = response.content.decode()
    found = re.findall(r"<title>(.*?)</title>", html, flags=re.S)
    found += re.findall(r"<h[12]\b[^>]*>(.*?)</h[12]>", html, flags=re.S)
    found += re.findall(
        r'<(?:a|span|div)[^>]*class="[^"]*w-breadcrumbs__link[^"]*"[^>]*>(.*?)</',
        html,
        flags=re.S,
    )
    words = (re.sub(r"<[^>]+>", " ", unescape(part)) for part in found)
    return [" ".join(part.split()) for part in words if part.strip()]


def english_left(text):
    return [fragment for fragment in ENGLISH_FRAGMENTS if fragment in text]


def test_override_catalogue_comes_first_and_is_in_order():
    assert settings.LOCALE_PATHS[0] == settings.BASE_DIR / "locale_overrides"
    with translation.override("sv"):
        assert (
            translation.gettext("There are no %(model_name)s to display.")
            == "Det finns inga %(model_name)s att visa."
        )
        assert (
            translation.gettext("No %(model_name)s match your query.")
            == "Inga %(model_name)s matchar din sökning."
        )
    checked = subprocess.run(
        [sys.executable, "scripts/check_translations.py", "--overrides"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize(("url_name", "plural"), LISTINGS)
def test_an_empty_listing_says_so_in_swedish(client, superuser, url_name, plural):
    client.force_login(speaking(superuser, "sv"))
    AuditEvent.objects.all().delete()  # the sign-in's own
    text = text_of(client.get(reverse(url_name)))
    assert f"Det finns inga {plural} att visa." in text
    assert english_left(text) == []


@pytest.mark.parametrize(
    ("url_name", "plural"),
    # Goals, accessibility reports and categories have no search.
    [row for row in LISTINGS if row[0].split(":")[0] in SEARCHABLE],
)
def test_a_search_without_hits_says_so_in_swedish(client, superuser, url_name, plural):
    client.force_login(speaking(superuser, "sv"))
    text = text_of(client.get(reverse(url_name), {"q": "zzzqqq"}))
    assert f"Inga {plural} matchar din sökning." in text
    assert english_left(text) == []


def test_a_listing_with_rows_counts_them_in_swedish(client, superuser):
    Category.objects.create(name="Arbetsmiljö", slug="arbetsmiljo")
    Category.objects.create(name="Dataskydd", slug="dataskydd")
    client.force_login(speaking(superuser, "sv"))
    text = text_of(client.get(reverse("wagtailsnippets_courses_category:list")))
    assert "2 kategorier" in text
    assert "Lägg till kategori" in text
    assert english_left(text.replace("Lägg till", "")) == []


@pytest.mark.parametrize(("url_name", "english", "swedish"), NEW_ITEMS)
def test_a_new_item_is_named_as_swedish_says_it(
    client, superuser, url_name, english, swedish
):
    """ "Nytt mål", never "Ny: Mål" (the Swedish needs the lead's locale/)."""
    client.force_login(speaking(superuser, "sv"))
    response = client.get(reverse(url_name))
    headings = headings_of(response)
    assert f"{swedish} - Wagtail" in headings
    assert swedish in headings[1:]
    assert not [h for h in headings if "Ny:" in h or "New" in h]
    assert english_left(text_of(response)) == []


@pytest.mark.parametrize(("url_name", "english", "swedish"), NEW_ITEMS)
def test_a_new_item_is_named_in_english_too(
    client, superuser, url_name, english, swedish
):
    client.force_login(speaking(superuser, "en"))
    headings = headings_of(client.get(reverse(url_name)))
    assert f"{english} - Wagtail" in headings
    assert not [h for h in headings if "New:" in h]


def test_deleting_asks_without_a_wrong_article(client, superuser, catalogue):
    course = make_course(catalogue)
    goal = ReportGoal.objects.create(
        course=course, target_percent=90, deadline="2026-06-30"
    )
    category = Category.objects.create(name="Arbetsmiljö", slug="arbetsmiljo")
    client.force_login(speaking(superuser, "sv"))
    goal_page = text_of(client.get(reverse("report_goals:delete", args=[goal.pk])))
    assert "Är du säker på att du vill radera den här posten (mål)?" in goal_page
    category_page = text_of(
        client.get(
            reverse("wagtailsnippets_courses_category:delete", args=[category.pk])
        )
    )
    assert (
        "Är du säker på att du vill radera den här posten (kategori)?" in category_page
    )
    assert "Den här posten (kategori) används på 0 ställen." in category_page
    for text in (goal_page, category_page):
        assert "Denna " not in text and english_left(text) == []


def test_creating_says_it_was_created_whatever_the_gender(client, superuser):
    client.force_login(speaking(superuser, "sv"))
    response = client.post(
        reverse("wagtailsnippets_courses_category:add"),
        {"name": "Arbetsmiljö", "slug": "arbetsmiljo"},
        follow=True,
    )
    assert "Kategori 'Arbetsmiljö' har skapats." in text_of(response)


@pytest.mark.parametrize(
    "url_name",
    [name for name, _plural in LISTINGS] + [name for name, *_ in NEW_ITEMS],
)
def test_english_pages_have_no_swedish_headings(client, superuser, url_name):
    client.force_login(speaking(superuser, "en"))
    response = client.get(reverse(url_name))
    headings = headings_of(response)
    assert headings
    assert [h for h in headings if re.search("[åäöÅÄÖ]", h)] == []
    text = text_of(response)
    for swedish in ("Det finns inga", "Lägg till", "Inga ", "Ny:", "Nytt "):
        assert swedish not in text
