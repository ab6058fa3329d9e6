"""The audit log in its reader's language (#15): an event keeps the key of
its summary and the values that fill it (organisation.audit), so a Swedish
administrator reads in Swedish what an English session wrote, and the other
way round. Events from before keys existed read as they were written.

The Swedish of "Report: all in scope" needs the lead's locale/ (a msgid of
#15); every other sentence already had its Swedish."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from assignments.actions.rules import activate_rule
from organisation import audit
from organisation.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, make_course, make_rule
from tests.helpers import admin_refused as refused
from tests.helpers import in_english, make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return make_two_administrations()


def in_swedish(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "sv"
    profile.save()
    return user


def listing(client, user, **query):
    client.force_login(user)
    return client.get(reverse("audit_log:index"), query).content.decode()


def inspected(client, user, event):
    client.force_login(user)
    url = reverse("audit_log:inspect", args=[event.pk])
    return client.get(url).content.decode()


def test_written_in_swedish_it_reads_in_english(client, org, catalogue):
    rule = make_rule(make_course(catalogue, title="Brandskydd"), units=[org["a"]])
    rule.name = "Brand för Alfa"
    rule.save(update_fields=["name"])
    with translation.override("sv"):
        activate_rule(org["central"], rule)
    event = AuditEvent.objects.get(action=AuditEvent.Action.RULE_CHANGE)
    # Kept in the site's language too, for search.
    assert event.summary == "Aktiverade regeln ”Brand för Alfa”"

    english = in_english(org["central"])
    for html in (listing(client, english), inspected(client, english, event)):
        assert "Activated the rule “Brand för Alfa”" in html
        assert "Aktiverade" not in html

    swedish = in_swedish(org["central"])
    for html in (listing(client, swedish), inspected(client, swedish, event)):
        assert "Aktiverade regeln ”Brand för Alfa”" in html
        assert "Activated" not in html


def test_written_in_english_it_reads_in_swedish(client, org):
    """A sign-in by a browser asking for English: the request is English
    when the event is written."""
    client.post(
        reverse("login"),
        {"username": "alma", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN)
    assert event.summary_key == "signed_in"
    assert event.summary_values == {"username": "alma"}

    swedish = in_swedish(org["central"])
    html = listing(client, swedish, action="sign_in")
    assert "alma loggade in" in html and "alma signed in" not in html
    assert "alma loggade in" in inspected(client, swedish, event)

    english = in_english(org["central"])
    assert "alma signed in" in listing(client, english, action="sign_in")
    with translation.override("en"):
        assert str(event).endswith("Signed in: alma signed in")


def test_an_event_from_before_keys_reads_as_it_was_written(client, org):
    event = AuditEvent.objects.create(
        action="import_staff", summary="12 rader: 3 nya", actor=org["alma"]
    )
    for user in (in_english(org["central"]), in_swedish(org["coord_a"])):
        assert "12 rader: 3 nya" in listing(client, user)
        assert "12 rader: 3 nya" in inspected(client, user, event)


def test_a_report_of_everyone_in_scope_is_said_in_each_language(org):
    AuditEvent.objects.record(
        AuditEvent.Action.VIEW_REPORT, "report_all", actor=org["central"]
    )
    event = AuditEvent.objects.get()
    with translation.override("en"):
        assert event.get_summary_display() == "Report: all in scope"
    with translation.override("sv"):
        assert event.get_summary_display() == "Rapport: allt inom ansvaret"


def test_every_summary_has_its_swedish_with_the_same_placeholders():
    placeholders = re.compile(r"%\((\w+)\)s")
    for key, sentence in audit.SUMMARIES.items():
        with translation.override("sv"):
            swedish = translation.gettext(sentence)
        assert swedish != sentence, key
        assert set(placeholders.findall(swedish)) == set(
            placeholders.findall(sentence)
        ), key


def test_a_summary_that_does_not_exist_or_does_not_fit_is_refused(org):
    with pytest.raises(KeyError):
        AuditEvent.objects.record(AuditEvent.Action.REMIND, "no_such_summary", {})
    with pytest.raises(ValueError, match="reminded"):
        AuditEvent.objects.record(AuditEvent.Action.REMIND, "reminded", {"n": 2})
    assert not AuditEvent.objects.exists()


def test_values_are_kept_as_plain_json(org, catalogue):
    course = make_course(catalogue, title="Dataskydd")
    event = AuditEvent.objects.record(
        AuditEvent.Action.RETAKE,
        "retake",
        {"count": 4, "course": course},
        actor=org["central"],
    )
    event.refresh_from_db()
    assert event.summary_values == {"count": 4, "course": "Dataskydd"}
    with translation.override("en"):
        assert event.get_summary_display() == (
            "Required 4 people to retake “Dataskydd”"
        )


def test_the_inspect_view_names_the_actor_and_hides_the_key(client, org):
    event = AuditEvent.objects.record(
        AuditEvent.Action.REMIND, "reminded", {"count": 3}, actor=org["alma"]
    )
    html = inspected(client, in_swedish(org["central"]), event)
    assert "Alma Ahlström" in html
    assert "Påminde 3 personer om deras obligatoriska utbildning" in html
    assert "reminded" not in html and "Typ av sammanfattning" not in html


def test_the_inspect_view_is_refused_from_the_wrong_side(client, org):
    event = AuditEvent.objects.record(
        AuditEvent.Action.REMIND, "reminded", {"count": 3}, actor=org["bertil"]
    )
    url = reverse("audit_log:inspect", args=[event.pk])
    client.force_login(org["coord_a"])  # Bertil is administration B's
    assert client.get(url).status_code == 404
    client.force_login(org["author"])
    assert refused(client.get(url))
    client.force_login(UserFactory(username="learner"))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_the_listing_reads_as_many_queries_for_many_events(client, org):
    def events(n):
        for number in range(n):
            AuditEvent.objects.record(
                AuditEvent.Action.REMIND,
                "reminded",
                {"count": number},
                actor=org["alma"],
            )

    reader = in_english(org["central"])
    client.force_login(reader)
    events(2)
    client.get(reverse("audit_log:index"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit_log:index"))
    events(20)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("audit_log:index")).content.decode()
    assert "Reminded 19 people of their required training" in html
    assert len(many.captured_queries) <= len(few.captured_queries)
