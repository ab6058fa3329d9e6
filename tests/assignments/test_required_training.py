"""My learning's "Required training": the person's current assignments, soonest
due first, overdue said in words, progress, the certificate's validity for
recurring training, and why they are assigned."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from assignments.actions.evaluation import evaluate_course
from assignments.models import Assignment, Exemption
from assignments.required import describe_reasons
from learners import actions
from tests.factories import make_course, make_rule, make_staff, make_unit

pytestmark = pytest.mark.django_db

MY_LEARNING = reverse("learners:my_learning")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def org(db):
    care = make_unit("VO", "Vård och omsorg")
    home_care = make_unit("HT", "Hemtjänst", parent=care)
    return {"care": care, "home_care": home_care}


@pytest.fixture
def nurse(org):
    return make_staff(
        "anna",
        unit=org["home_care"],
        job_title="Sjuksköterska",
        start_date=date(2026, 3, 2),
    )


@pytest.fixture
def nurse_client(client, nurse):
    client.force_login(nurse)
    return english(client)


def days_ago(days):
    """Noon, local time, that many local days ago: a plain `now - days` can
    land on another local date across a change of summer time late at night."""
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(12)))


def required_titles(response):
    return [item.assignment.course_title for item in response.context["required"]]


def test_required_training_comes_first_soonest_due_first_with_overdue_in_words(
    nurse_client, nurse, catalogue
):
    later = make_course(catalogue, lessons=1, title="Brandskydd")
    sooner = make_course(catalogue, lessons=1, title="Hygien")
    overdue = make_course(catalogue, lessons=1, title="Läkemedel")
    make_rule(later, people=[nurse], active=True, due_days=90)
    make_rule(sooner, people=[nurse], active=True, due_days=30)
    with time_machine.travel(days_ago(60), tick=False):
        make_rule(overdue, people=[nurse], active=True, due_days=20)

    response = nurse_client.get(MY_LEARNING)

    assert required_titles(response) == ["Läkemedel", "Hygien", "Brandskydd"]
    items = response.context["required"]
    assert [item.overdue for item in items] == [True, False, False]
    html = response.content.decode()
    # The section is the first one, before "In progress".
    assert html.index('id="required-heading"') < html.index('id="in-progress-heading"')
    today = timezone.localdate()
    first, second = items[0].assignment, items[1].assignment
    assert first.due_date == today - timedelta(days=40)
    assert second.due_date == today + timedelta(days=30)
    # Overdue in words (the vocabulary's phrase), once, on the overdue item only.
    assert html.count("Overdue by 40 days") == 1
    assert html.count('data-urgency="overdue"') == 1
    start = html.rindex("<li", 0, html.index("Läkemedel"))
    card = html[start : html.index("Hygien")]
    assert "Overdue by 40 days" in card and "card--overdue" in card
    # The later one is not urgent: its phrase is its date.
    assert html.count('data-urgency="later"') == 2
    assert f'datetime="{first.due_date.isoformat()}"' in card
    assert f'href="{overdue.url}"' in html


def test_overdue_marker_is_swedish_by_default(client, nurse, catalogue):
    course = make_course(catalogue, lessons=1, title="Läkemedel")
    with time_machine.travel(days_ago(60), tick=False):
        make_rule(course, people=[nurse], active=True, due_days=20)
    client.force_login(nurse)
    html = client.get(MY_LEARNING).content.decode()
    assert "Obligatorisk utbildning" in html
    # Needs the Swedish translation of the vocabulary (core/vocabulary.py).
    assert "Försenad 40 dagar" in html
    assert "Varför har jag fått utbildningen?" in html


def test_why_am_i_assigned_says_every_criterion_in_plain_words(
    nurse_client, nurse, org, catalogue
):
    course = make_course(catalogue, lessons=1, title="Hot och våld")
    make_rule(
        course,
        name="Vårdpersonal",
        units=[org["care"]],
        job_titles=["sjuksköterska"],
        new_starters_from=date(2026, 1, 1),
        people=[nurse],
        active=True,
    )

    response = nurse_client.get(MY_LEARNING)

    (item,) = response.context["required"]
    assert item.reasons == [
        "Rule “Vårdpersonal”: your unit Hemtjänst is within Vård och omsorg; "
        "your job title is Sjuksköterska; you started on 2 March 2026 (new "
        "starters from 1 January 2026); you are named in the rule"
    ]
    html = response.content.decode()
    details = html[html.index("<details") : html.index("</details>")]
    assert "Why am I assigned?" in details
    assert "(Hot och våld)" in details  # each summary names its course
    assert "your unit Hemtjänst is within Vård och omsorg" in details


def test_reasons_of_several_rules_and_of_a_retake():
    reasons = [
        {"rule": 1, "name": "Alla", "matched": [{"kind": "everyone"}]},
        {"rule": 2, "name": "Enheten", "matched": [{"kind": "unit", "unit": "HT"}]},
        {
            "rule": 3,
            "name": "Direkt",
            "matched": [{"kind": "subtree", "unit": "VO", "within": "VO"}],
        },
        {"rule": 4, "name": "Okänd", "matched": [{"kind": "a later kind"}]},
    ]
    retake = [{"kind": "retake", "reason": "Ny lag", "on": "2026-05-04"}]
    with translation.override("en"):
        assert describe_reasons(reasons) == [
            "Rule “Alla”: the rule is for all staff",
            "Rule “Enheten”: your unit is HT",
            "Rule “Direkt”: your unit is VO",
            "Rule “Okänd”",
        ]
        assert describe_reasons(retake) == [
            "HR required a retake on 4 May 2026: Ny lag"
        ]
        # Whatever is stored, the page never breaks.
        assert describe_reasons(None) == []
        assert describe_reasons([{"kind": "retake", "on": "not a date"}]) == [
            "HR required a retake on not a date: "
        ]


def test_exempt_training_says_exempt_and_is_never_overdue(
    nurse_client, nurse, catalogue
):
    course = make_course(catalogue, lessons=1, title="Truckkort")
    with time_machine.travel(days_ago(60), tick=False):
        make_rule(course, people=[nurse], active=True, due_days=20)
    Exemption.objects.create(person=nurse, course=course, reason="Har intyg")
    evaluate_course(course.pk)

    response = nurse_client.get(MY_LEARNING)

    (item,) = response.context["required"]
    assert item.assignment.state == Assignment.State.EXEMPT
    assert item.status == "exempt" and not item.overdue
    html = response.content.decode()
    assert 'data-state="exempt"' in html and "Exempt</span>" in html
    assert 'data-urgency="overdue"' not in html


def test_completed_withdrawn_and_earlier_cycles_are_not_required(
    nurse_client, nurse, catalogue
):
    done = make_course(catalogue, lessons=1, title="Klar")
    gone = make_course(catalogue, lessons=1, title="Borttagen")
    again = make_course(catalogue, lessons=1, title="Igen")
    make_rule(done, people=[nurse], active=True)
    for lesson in done.lessons():
        actions.record_lesson_progress(nurse, lesson, completed=True)
    rule = make_rule(gone, people=[nurse], active=True)
    rule.people.clear()
    evaluate_course(gone.pk)
    assert Assignment.objects.get(course=gone).state == Assignment.State.WITHDRAWN
    today = timezone.localdate()
    for cycle in (1, 2):
        Assignment.objects.create(
            person=nurse,
            course=again,
            course_title=again.title,
            cycle=cycle,
            assigned_on=today,
            due_date=today + timedelta(days=cycle),
        )

    response = nurse_client.get(MY_LEARNING)

    (item,) = response.context["required"]
    assert item.assignment.course_title == "Igen" and item.assignment.cycle == 2


def test_started_training_shows_its_progress(nurse_client, nurse, catalogue):
    course = make_course(catalogue, lessons=3, title="Dataskydd")
    make_rule(course, people=[nurse], active=True)
    response = nurse_client.get(MY_LEARNING)
    (item,) = response.context["required"]
    assert item.status == "not_started"
    assert "required-progress-" not in response.content.decode()

    actions.record_lesson_progress(nurse, course.lessons().first(), completed=True)
    response = nurse_client.get(MY_LEARNING)

    (item,) = response.context["required"]
    assert item.status == "in_progress"
    html = response.content.decode()
    progressbar = f'id="required-progress-{item.assignment.pk}-label"'
    assert progressbar in html
    assert 'aria-valuenow="33"' in html


def test_recurring_training_shows_until_when_the_certificate_is_valid(
    nurse_client, nurse, catalogue
):
    course = make_course(catalogue, lessons=1, title="HLR")
    course.validity_kind = "months"
    course.validity_months = 12
    course.save_revision().publish()
    with time_machine.travel(days_ago(350), tick=False):
        for lesson in course.lessons():
            actions.record_lesson_progress(nurse, lesson, completed=True)
    make_rule(
        course,
        people=[nurse],
        recurrence="keep_valid",
        renew_days_before=30,
        active=True,
    )

    response = nurse_client.get(MY_LEARNING)

    (item,) = response.context["required"]
    assert item.assignment.cycle == 2
    valid_until = item.certificate.valid_until
    assert valid_until > timezone.localdate()
    html = response.content.decode()
    assert "Certificate valid until" in html
    assert f'datetime="{valid_until.isoformat()}"' in html


def test_no_required_training_says_so_and_links_the_calendar(nurse_client):
    html = nurse_client.get(MY_LEARNING).content.decode()
    assert "You have no required training right now." in html
    assert f'href="{reverse("assignments:calendar")}"' in html


def test_a_person_sees_only_their_own_assignments(client, nurse, org, catalogue):
    colleague = make_staff("bertil", unit=org["home_care"])
    course = make_course(catalogue, lessons=1, title="Bara Anna")
    make_rule(course, people=[nurse], active=True)
    client.force_login(colleague)
    response = client.get(MY_LEARNING)
    assert response.context["required"] == []
    assert "Bara Anna" not in response.content.decode()
