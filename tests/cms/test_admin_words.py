"""The admin's last words of #15, in Swedish and English: a new category or
page is named as the language says it ("Ny kategori", "Nytt kunskapstest",
never "Ny: Kategori"); a snippet's breadcrumbs are in the reader's language;
the delivery log's views name people, never by username or an internal key;
column headers are capitalised; the reminders' filter of the message's status
reads naturally; an inspected time is the reader's local time.

The Swedish of the new msgids (the labels, "Message status") needs the lead's
locale/.
"""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from organisation.models import AuditEvent, UnitDelegation
from reminders.models import NotificationItem
from reports.models import ReportGoal
from tests.cms.test_admin_swedish import headings_of, speaking, text_of
from tests.factories import UserFactory, make_course, make_unit

pytestmark = pytest.mark.django_db

# A username and keys no page may show.
USERNAME = "user-7731"
MESSAGE_KEY = f"reminders:{USERNAME}:2026-w3"
ITEM_KEY = f"item:{USERNAME}:before:14"


@pytest.fixture
def superuser(db):
    return UserFactory(
        username="root",
        first_name="Rut",
        last_name="Rot",
        is_superuser=True,
        is_staff=True,
    )


@pytest.fixture
def alma(db):
    return UserFactory(username=USERNAME, first_name="Alma", last_name="Ahlström")


@pytest.fixture
def message(alma):
    return Notification.objects.create(
        key=MESSAGE_KEY, kind=Notification.Kind.REMINDERS, recipient=alma
    )


@pytest.fixture
def reminder(message, alma):
    return NotificationItem.objects.create(
        notification=message,
        key=ITEM_KEY,
        trigger=NotificationItem.Trigger.BEFORE,
        person=alma,
        course_title="Brandskydd",
    )


def page_of(client, user, language, url, **query):
    client.force_login(speaking(user, language))
    response = client.get(url, query)
    assert response.status_code == 200, url
    return response


def column_headers(response):
    html = response.content.decode()
    table = html[html.index('<table class="listing') :]
    cells = re.findall(r"<th\b[^>]*>(.*?)</th>", table, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]


def breadcrumbs(response):
    html = response.content.decode()
    trail = html[html.index("data-w-breadcrumbs") :]
    ol = re.search(r"<ol\b.*?</ol>", trail, flags=re.S).group(0)
    items = re.findall(r"<li\b.*?</li>", ol, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def filter_labels(response):
    found = re.findall(
        r'data-action="click->w-drilldown#open">\s*(.*?)\s*<', response.content.decode()
    )
    return [unescape(label) for label in found]


def accessible_labels(response):
    return [
        unescape(label)
        for label in re.findall(r'aria-label="([^"]*)"', response.content.decode())
    ]


# --- 2. A new item is named as the language says it ---------------------------------


@pytest.mark.parametrize(
    ("language", "label", "wrong"),
    [("sv", "Ny kategori", "Ny:"), ("en", "New category", "New:")],
)
def test_a_new_category_is_named_as_the_language_says_it(
    client, superuser, language, label, wrong
):
    response = page_of(
        client, superuser, language, reverse("wagtailsnippets_courses_category:add")
    )
    headings = headings_of(response)
    assert f"{label} - Wagtail" in headings
    assert label in headings[1:]
    assert breadcrumbs(response)[-1] == label
    assert not [h for h in headings + breadcrumbs(response) if wrong in h]


NEW_PAGES = [
    # page type, where it is created, its label in Swedish and in English
    ("courseindexpage", "home", "Ny katalog", "New catalogue"),
    ("coursepage", "catalogue", "Ny kurs", "New course"),
    ("lessonpage", "course", "Ny lektion", "New lesson"),
    ("quizpage", "course", "Nytt kunskapstest", "New quiz"),
    (
        "informationpage",
        "catalogue",
        "Nytt informationsmaterial",
        "New information material",
    ),
]


@pytest.mark.parametrize(("page_type", "parent", "swedish", "english"), NEW_PAGES)
def test_a_new_page_is_named_as_the_language_says_it(
    request, client, superuser, page_type, parent, swedish, english
):
    if parent == "course":
        where = make_course(request.getfixturevalue("catalogue"), lessons=0)
    else:  # a catalogue is one per home page: no catalogue yet for a new one
        where = request.getfixturevalue(parent)
    url = f"/admin/pages/add/courses/{page_type}/{where.pk}/"
    for language, label in (("sv", swedish), ("en", english)):
        response = page_of(client, superuser, language, url)
        headings = headings_of(response)
        assert f"{label} - Wagtail" in headings, language
        assert label in headings[1:], language
        assert breadcrumbs(response)[-1] == label, language
        wrong = [h for h in headings + breadcrumbs(response) if ":" in h]
        assert not [h for h in wrong if "Ny:" in h or "New:" in h], language


def test_a_snippets_breadcrumbs_are_in_the_readers_language(client, superuser):
    """Wagtail fixes them when the URLs are built, in whichever language is
    active then: one of the two languages read the other's words."""
    urls = [
        reverse("wagtailsnippets_courses_category:list"),
        reverse("wagtailsnippets_courses_category:add"),
        reverse("wagtailsnippets_cms_accessibilityreport:add"),
    ]
    for language, words, others in (
        ("sv", {"Hem"}, {"Home", "Snippets"}),
        ("en", {"Home"}, {"Hem", "Snuttar"}),
        ("sv", {"Hem"}, {"Home", "Snippets"}),
    ):
        for url in urls:
            trail = set(breadcrumbs(page_of(client, superuser, language, url)))
            assert words <= trail, (language, url, trail)
            assert not trail & others, (language, url, trail)
    # The category is not in the menu: it is reached through "Snippets".
    category = reverse("wagtailsnippets_courses_category:list")
    assert "Snuttar" in breadcrumbs(page_of(client, superuser, "sv", category))
    assert "Snippets" in breadcrumbs(page_of(client, superuser, "en", category))


# --- 4. People by name, never by username or key -------------------------------------


@pytest.mark.parametrize(
    ("language", "recipient", "kind"),
    [("sv", "Mottagare", "Påminnelser"), ("en", "Recipient", "Reminders")],
)
def test_the_sent_messages_inspect_view_names_the_person(
    client, superuser, message, language, recipient, kind
):
    url = reverse("sent_messages:inspect", args=[message.pk])
    response = page_of(client, superuser, language, url)
    html, text = response.content.decode(), text_of(response)
    assert f"{recipient} Alma Ahlström" in text
    assert USERNAME not in html and "reminders:" not in html
    assert f": {kind} " in headings_of(response)[0]
    # Not yet sent: a dash, not Python's "None".
    assert "None" not in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_sent_messages_listing_names_rows_without_the_key(
    client, superuser, message, language
):
    response = page_of(client, superuser, language, reverse("sent_messages:index"))
    assert "Alma Ahlström" in text_of(response)
    assert USERNAME not in response.content.decode()
    more = [label for label in accessible_labels(response) if "'" in label]
    assert more and all(MESSAGE_KEY not in label for label in more)


@pytest.mark.parametrize(
    ("language", "label", "pending"),
    [("sv", "Meddelandets status", "Väntar"), ("en", "Message status", "Pending")],
)
def test_the_reminders_sent_show_the_message_status_not_its_key(
    client, superuser, reminder, alma, language, label, pending
):
    sent = Notification.objects.create(
        key="reminders:other:1",
        kind=Notification.Kind.REMINDERS,
        recipient=alma,
        status=Notification.Status.SENT,
    )
    NotificationItem.objects.create(
        notification=sent,
        key="item:other:1",
        trigger=NotificationItem.Trigger.DUE,
        person=alma,
        course_title="Dataskydd",
    )
    url = reverse("reminders_sent:index")
    response = page_of(client, superuser, language, url)
    html, text = response.content.decode(), text_of(response)
    assert label in column_headers(response)
    assert label in filter_labels(response)
    assert "Meddelande status" not in text and "Message Status" not in text
    assert MESSAGE_KEY not in html and ITEM_KEY not in html
    assert pending in text

    # The filter filters.
    only_sent = page_of(client, superuser, language, url, notification__status="sent")
    assert "Dataskydd" in text_of(only_sent)
    assert "Brandskydd" not in text_of(only_sent)


@pytest.mark.parametrize(
    ("language", "person"), [("sv", "Vems utbildning"), ("en", "Whose training")]
)
def test_the_reminders_inspect_view_names_the_person_without_keys(
    client, superuser, reminder, language, person
):
    url = reverse("reminders_sent:inspect", args=[reminder.pk])
    response = page_of(client, superuser, language, url)
    html = response.content.decode()
    assert f"{person} Alma Ahlström" in text_of(response)
    assert USERNAME not in html and "item:" not in html and "reminders:" not in html
    assert ": Brandskydd – " in headings_of(response)[0]


def test_the_audit_log_inspect_view_names_the_actor(client, superuser, alma):
    event = AuditEvent.objects.record(
        AuditEvent.Action.REMIND, "reminded", {"count": 2}, actor=alma
    )
    url = reverse("audit_log:inspect", args=[event.pk])
    for language, who in (("sv", "Vem"), ("en", "Who")):
        response = page_of(client, superuser, language, url)
        assert f"{who} Alma Ahlström" in text_of(response)
        assert USERNAME not in response.content.decode()


# --- 5. Column headers as Wagtail capitalises its own -----------------------------


def test_person_columns_are_capitalised_like_the_others(
    client, superuser, alma, message, catalogue
):
    unit = make_unit("SOD", name="Södermalm")
    UnitDelegation.objects.create(
        unit=unit,
        delegate=alma,
        created_by=superuser,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    ReportGoal.objects.create(
        course=make_course(catalogue, lessons=0),
        target_percent=90,
        deadline="2026-06-30",
        created_by=superuser,
    )
    AuditEvent.objects.record(
        AuditEvent.Action.REMIND, "reminded", {"count": 2}, actor=alma
    )
    expected = {
        "audit_log:index": (["Vem"], ["Who"]),
        "delegations:index": (["Ersättare", "Skapad av"], ["Delegate", "Created by"]),
        "report_goals:index": (["Skapad av"], ["Created by"]),
        "sent_messages:index": (["Mottagare"], ["Recipient"]),
    }
    for url_name, (swedish, english) in expected.items():
        for language, labels in (("sv", swedish), ("en", english)):
            response = page_of(client, superuser, language, reverse(url_name))
            headers = column_headers(response)
            assert set(labels) <= set(headers), (url_name, language, headers)
            assert all(h[:1] == h[:1].upper() for h in headers if h), headers


# --- An inspected time is the reader's ---------------------------------------------


def test_an_inspected_time_is_the_readers_local_time(client, superuser, message):
    # 12:05 UTC in January is 13:05 in Stockholm.
    winter_noon = datetime.datetime(2026, 1, 15, 12, 5, tzinfo=datetime.UTC)
    Notification.objects.filter(pk=message.pk).update(
        created_at=winter_noon, sent_at=winter_noon
    )
    url = reverse("sent_messages:inspect", args=[message.pk])
    text = text_of(page_of(client, superuser, "sv", url))
    assert "Skapad 15 januari 2026 13:05" in text
    assert "Skickad 15 januari 2026 13:05" in text
    assert "12:05" not in text
    listing = text_of(page_of(client, superuser, "sv", reverse("sent_messages:index")))
    assert "15 januari 2026 13:05" in listing
    assert timezone.localtime(winter_noon).hour == 13


def test_the_views_touched_here_are_refused_from_the_wrong_side(
    client, message, reminder, alma
):
    learner = UserFactory(username="learner")
    client.force_login(learner)
    for url in (
        reverse("wagtailsnippets_courses_category:add"),
        reverse("wagtailsnippets_courses_category:list"),
        reverse("sent_messages:inspect", args=[message.pk]),
        reverse("reminders_sent:index"),
        reverse("reminders_sent:inspect", args=[reminder.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login")), url
