"""One vocabulary for states and due dates (`core.vocabulary`): the phrases
and urgency levels, that every page takes its words from it, that My team and
Reports count the same people the same way, and that remind-now never says
"on the way to 0 people"."""

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from assignments.actions.evaluation import evaluate_course
from assignments.models import Exemption
from core import vocabulary
from learners import actions
from notifications.models import Notification
from organisation.scope import scope_of
from reports.people import display_row, people_list
from reports.team import team_page, team_scope
from tests.factories import make_course, make_rule, make_staff, make_unit

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 8)
ROOT = Path(settings.BASE_DIR)


# --- The phrases ------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "level", "text"),
    [
        (-3, "overdue", "Overdue by 3 days"),
        (-1, "overdue", "Overdue by 1 day"),
        (0, "today", "Due today"),
        (1, "soon", "Due tomorrow"),
        (5, "soon", "Due in 5 days"),
        (14, "soon", "Due in 14 days"),
        (15, "later", "Due 23 March 2027"),
    ],
)
def test_a_due_date_is_said_with_its_urgency(days, level, text):
    with override("en"):
        said = vocabulary.due(TODAY + timedelta(days=days), TODAY)
    assert said.level == level
    assert said.text == text
    assert said.days_left == days
    assert said.urgent == (level in ("overdue", "today"))
    # Urgent ones carry a symbol beside the words: never colour alone.
    assert bool(said.icon) == (level in ("overdue", "today", "soon"))


def test_no_due_date_is_no_phrase():
    assert vocabulary.due(None, TODAY) is None


def test_due_today_does_not_look_like_due_next_month():
    """The issue: both used to be just a date. Now they differ in words,
    level and markup."""
    template = Template("{% load vocabulary %}{% due_text day today %}")
    with override("en"):
        today = template.render(Context({"day": TODAY, "today": TODAY}))
        later = template.render(
            Context({"day": TODAY + timedelta(days=31), "today": TODAY})
        )
    assert 'data-urgency="today"' in today and "Due today" in today
    assert 'aria-hidden="true">!</span>' in today
    assert 'datetime="2027-03-08"' in today and "8 March 2027" in today
    assert 'data-urgency="later"' in later and ">8 April 2027</time>" in later
    assert "!" not in later


def test_every_state_has_words_a_level_and_a_badge():
    template = Template("{% load vocabulary %}{% state_badge key %}")
    with override("en"):
        for key in vocabulary.STATES:
            html = template.render(Context({"key": key}))
            assert f'data-state="{key}"' in html
            assert f"badge--{key}" in html
            assert str(vocabulary.STATE_LABELS[key]) in html
    with override("en"):
        assert vocabulary.state_labels() == {
            "not_started": "Not started",
            "in_progress": "In progress",
            "completed": "Completed",
            "overdue": "Overdue",
            "exempt": "Exempt",
        }
        # An unknown key is shown as it is, never an error.
        assert vocabulary.state_label("withdrawn") == "withdrawn"


def test_the_calendar_and_the_pages_name_the_date_alike():
    with override("en"):
        assert vocabulary.calendar_summary("HLR") == "Due date: HLR"
        assert str(vocabulary.DUE_DATE) == "Due date"


# --- One place ---------------------------------------------------------------

# The words of a state, as a template or a module would spell them itself.
SPELLED = re.compile(
    r"""(translate|gettext_lazy|gettext|_)\(?\s*["'](Not started|To do|"""
    r"""Overdue|Exempt|In progress)["']"""
)
ALLOWED = {
    ROOT / "core" / "vocabulary.py",
    # Model choices (a migration's labels) and admin listings of rule plans.
    ROOT / "assignments" / "models.py",
    ROOT / "assignments" / "admin_views.py",
    ROOT / "reminders" / "models.py",
    # The section heading of My learning ("In progress" courses, not a state).
    ROOT / "templates" / "learners" / "my_learning.html",
}
WHERE = (
    "templates/learners",
    "templates/assignments",
    "templates/reports",
    "templates/reminders",
    "templates/includes",
    "templates/courses",
    "learners",
    "assignments",
    "reminders",
    "reports",
)


def test_no_page_email_or_export_spells_a_state_itself():
    found = []
    for where in WHERE:
        for path in (ROOT / where).rglob("*"):
            if path.suffix not in (".py", ".html", ".txt") or path in ALLOWED:
                continue
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SPELLED.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


# --- My team and Reports count the same people ----------------------------------


@pytest.fixture
def manager_world(db, catalogue):
    """A head of unit A (x1, x2, x3), a direct report d1 in another unit B,
    a person in B who is not theirs, and a person of A without a unit's
    training; states of every kind."""
    head = make_staff("head")
    unit_a = make_unit("A", "Enhet A", head=head)
    unit_b = make_unit("B", "Enhet B")
    x1 = make_staff("x1", unit=unit_a)
    x2 = make_staff("x2", unit=unit_a)
    x3 = make_staff("x3", unit=unit_a)
    d1 = make_staff("d1", unit=unit_b, line_manager=head)
    make_staff("other", unit=unit_b)
    first = make_course(catalogue, lessons=2, title="Brandskydd")
    second = make_course(catalogue, lessons=1, title="Hot och våld")
    with time_machine.travel(timezone.now() - timedelta(days=60), tick=False):
        make_rule(first, units=[unit_a], people=[d1], active=True, due_days=20)
    make_rule(second, units=[unit_a, unit_b], active=True, due_days=30)
    # x1 completes the second; x2 starts it; x3 is exempt from it.
    for lesson in second.lessons():
        actions.record_lesson_progress(x1, lesson, completed=True)
    actions.record_lesson_progress(x2, second.lessons()[0], progress=30)
    Exemption.objects.create(person=x3, course=second, reason="Intyg")
    evaluate_course(second.pk)
    return {"head": head, "people": {"x1": x1, "x2": x2, "x3": x3, "d1": d1}}


def test_my_team_and_reports_count_the_same_people_the_same_way(manager_world):
    head = manager_world["head"]
    today = timezone.localdate()

    team = team_page(team_scope(head, today), today)
    on_team = {
        row.profile.user.username: {
            key: getattr(row, key) for key in vocabulary.STATES if getattr(row, key)
        }
        for row in team.object_list
    }
    listed = people_list(scope_of(head, today), None, {}, today)
    names = {user.pk: name for name, user in manager_world["people"].items()}
    in_reports = {}
    for row in listed.rows:
        status = display_row(row)["status_key"]
        in_reports.setdefault(names[row["person_id"]], Counter())[status] += 1

    # Everyone with training, the direct report in another unit included.
    people_with_training = {name for name, counts in on_team.items() if counts}
    assert people_with_training == set(in_reports) == {"x1", "x2", "x3", "d1"}
    assert {name: dict(counts) for name, counts in in_reports.items()} == {
        name: counts for name, counts in on_team.items() if counts
    }
    # And the states are what happened.
    assert on_team["x1"] == {"overdue": 1, "completed": 1}
    assert on_team["x2"] == {"overdue": 1, "in_progress": 1}
    assert on_team["x3"] == {"overdue": 1, "exempt": 1}
    assert on_team["d1"] == {"overdue": 1, "not_started": 1}
    assert "other" not in on_team


# --- Remind now ------------------------------------------------------------------


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_remind_now_never_says_on_the_way_to_0_people(
    client, manager_world, django_capture_on_commit_callbacks
):
    client.force_login(manager_world["head"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("reminders:remind_overdue")

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, follow=True)
    assert _messages(first) == [
        "Reminders are on their way to 4 people with overdue training."
    ]
    manual = Notification.objects.filter(kind=Notification.Kind.MANUAL)
    assert manual.count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, follow=True)
    (said,) = _messages(second)
    assert " 0 " not in said
    assert said == (
        "Nobody needed a reminder: everyone with overdue training has already "
        "been reminded today."
    )
    assert manual.count() == 4  # nobody twice


def test_remind_now_with_nobody_overdue_says_so(client, db, catalogue):
    head = make_staff("head")
    unit = make_unit("A", "Enhet A", head=head)
    make_staff("x1", unit=unit)
    make_rule(make_course(catalogue, lessons=1), units=[unit], active=True)
    client.force_login(head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("reminders:remind_overdue"), follow=True)

    assert _messages(response) == [
        "Nobody needed a reminder: nobody has overdue training."
    ]
    assert not Notification.objects.exists()
