"""In Chromium: the quiz review shows the learner's own answers, marked right
or wrong with each option's feedback beside it; a long question stays inside
its fieldset's border (bounding boxes, phone and desktop); My learning says
"due today" unlike "due next month"; My team counts by the same states as
Reports. Screenshots under /tmp/out/shots/words/."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from learners import actions
from learners.models import QuizAttempt
from organisation.models import OrgUnit
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    assert_no_axe_violations,
    log_in,
    shot,
)
from tests.factories import (
    PASSWORD,
    QuizPageFactory,
    correct_answers,
    make_course,
    make_rule,
    make_staff,
    make_unit,
    publish,
    standard_questions,
)
from tests.helpers import querydict

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = "/tmp/out/shots/words"
LONG_PROMPT = (
    "Du får ett mejl som ser ut att komma från stadens IT-support och som ber "
    "dig att logga in via en länk för att behålla ditt konto. Vad gör du, och "
    "vilket av svaren stämmer bäst med stadens riktlinjer för informationssäkerhet?"
)


@pytest.fixture
def quiz(catalogue):
    course = make_course(catalogue, lessons=1, title="Informationssäkerhet")
    questions = standard_questions()
    questions[0]["value"]["prompt"] = f"<p>{LONG_PROMPT}</p>"
    return publish(
        QuizPageFactory(
            parent=course,
            questions=questions,
            reveal_answers="after_submit",
            max_attempts=5,
        )
    )


@pytest.fixture
def learner(db):
    return make_staff("anna")


def _submitted_with_one_right_one_wrong(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt, wrong={"q-single"})
    data["q-q-multi"] = ["m-a", "m-c"]
    return actions.save_quiz_answers(learner, attempt.pk, querydict(data), submit=True)


@pytest.mark.parametrize(("device", "name"), [(PHONE, "375"), (DESKTOP, "1280")])
def test_the_review_shows_own_answers_marked_with_feedback_beside_them(
    new_page, learner, quiz, device, name
):
    attempt = _submitted_with_one_right_one_wrong(learner, quiz)
    page = new_page(device=device)
    log_in(page, "anna", PASSWORD, next_path=f"/learning/attempts/{attempt.pk}/")
    page.goto(f"/learning/attempts/{attempt.pk}/")

    items = page.locator(".review__item")
    expect(items).to_have_count(5)
    multi = items.filter(has_text="Tre")
    right = multi.locator(".review__answer--right")
    wrong = multi.locator(".review__answer--wrong")
    expect(right).to_have_count(1)
    expect(wrong).to_have_count(1)
    # The right option's feedback sits inside its own line, beside "rätt".
    expect(right).to_contain_text("Ett")
    expect(right.locator(".review__feedback")).to_have_text("Om Ett")
    expect(wrong.locator(".review__feedback")).to_have_text("Om Tre")
    # The feedback is inside the line's box, not floating below another.
    line, feedback = right.bounding_box(), right.locator(".review__feedback")
    box = feedback.bounding_box()
    assert (
        line["y"] <= box["y"]
        and box["y"] + box["height"] <= line["y"] + line["height"] + 0.5
    )
    # The verdict of the question as a whole is still "not correct".
    expect(multi.locator(".badge--failed")).to_have_count(1)
    # Nothing sideways on a phone.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    )
    assert_no_axe_violations(page, f"the quiz review ({name})")
    shot(page, SHOTS, f"quiz-review-{name}")


@pytest.mark.parametrize(("device", "name"), [(PHONE, "375"), (DESKTOP, "1280")])
def test_a_long_question_stays_inside_its_fieldset_border(
    new_page, learner, quiz, device, name
):
    actions.start_quiz_attempt(learner, quiz)
    page = new_page(device=device)
    log_in(page, "anna", PASSWORD, next_path=quiz.url)
    page.goto(quiz.url)

    fieldsets = page.locator("fieldset.question")
    expect(fieldsets).to_have_count(5)
    for index in range(5):
        fieldset = fieldsets.nth(index)
        outer = fieldset.bounding_box()
        border_top = float(
            fieldset.evaluate("el => parseFloat(getComputedStyle(el).borderTopWidth)")
        )
        for part in (".question__number", ".question__prompt"):
            box = fieldset.locator(part).bounding_box()
            # Entirely below the top border and inside the sides.
            assert box["y"] >= outer["y"] + border_top, (index, part, box, outer)
            assert box["x"] >= outer["x"] and (
                box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
            )
    long_prompt = fieldsets.nth(0).locator(".question__prompt").bounding_box()
    # The long question really is several lines (what used to cross the border).
    assert long_prompt["height"] > 30
    # The first option comes after the question, not beside or over it.
    first_option = fieldsets.nth(0).locator(".choice").first.bounding_box()
    assert first_option["y"] >= long_prompt["y"] + long_prompt["height"]
    assert_no_axe_violations(page, f"the quiz's questions ({name})")
    shot(page, SHOTS, f"quiz-questions-{name}")


def test_no_attempts_left_after_passing(new_page, learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    actions.save_quiz_answers(
        learner, attempt.pk, querydict(correct_answers(attempt)), submit=True
    )
    assert QuizAttempt.objects.get(pk=attempt.pk).passed
    page = new_page()
    log_in(page, "anna", PASSWORD, next_path=quiz.url)
    page.goto(quiz.url)
    expect(page.locator(".message--success")).to_be_visible()
    expect(page.get_by_text("Försök kvar")).to_have_count(0)


@pytest.fixture
def due_world(catalogue):
    """Anna in a unit headed by Chef: one course overdue, one due today, one
    due in a month (Anna has started it)."""
    chef = make_staff("chef")
    chef.first_name, chef.last_name = "Chefa", "Chefsson"
    chef.save()
    unit = make_unit("H", "Hemtjänst", head=chef)
    anna = make_staff("anna", unit=unit)
    anna.first_name, anna.last_name = "Anna", "Andersson"
    anna.save()
    bertil = make_staff("bertil", unit=unit)
    now = timezone.now()
    overdue = make_course(catalogue, lessons=1, title="Basala hygienrutiner")
    today = make_course(catalogue, lessons=1, title="Brandskydd")
    later = make_course(catalogue, lessons=2, title="Hot och våld")
    with time_machine.travel(now - timedelta(days=40), tick=False):
        make_rule(overdue, units=[unit], active=True, due_days=30)
    with time_machine.travel(now - timedelta(days=30), tick=False):
        make_rule(today, units=[unit], active=True, due_days=30)
    make_rule(later, units=[unit], active=True, due_days=31)
    actions.record_lesson_progress(anna, later.lessons()[0], completed=True)
    assert OrgUnit.objects.get(pk=unit.pk).head == chef
    return {"anna": anna, "bertil": bertil}


def test_my_learning_says_due_today_and_my_team_counts_by_state(new_page, due_world):
    page = new_page(device=PHONE)
    log_in(page, "anna", PASSWORD, next_path="/learning/")
    page.goto("/learning/")
    cards = page.locator("[data-testid=required-training] > li")
    expect(cards).to_have_count(3)
    expect(cards.nth(0).locator(".due")).to_have_attribute("data-urgency", "overdue")
    expect(cards.nth(0).locator(".due__icon")).to_have_text("!")
    today = cards.nth(1).locator(".due")
    expect(today).to_have_attribute("data-urgency", "today")
    # A symbol beside the words, not colour alone.
    expect(today.locator(".due__icon")).to_have_text("!")
    expect(cards.nth(2).locator(".due")).to_have_attribute("data-urgency", "later")
    expect(cards.nth(2).locator(".badge--in_progress")).to_have_count(1)
    assert_no_axe_violations(page, "My learning with due today (phone)")
    shot(page, SHOTS, "my-learning-due-today-375")
    desktop = new_page()
    log_in(desktop, "anna", PASSWORD, next_path="/learning/")
    desktop.goto("/learning/")
    shot(desktop, SHOTS, "my-learning-due-today-1280")

    chef = new_page()
    log_in(chef, "chef", PASSWORD, next_path="/learning/team/")
    chef.goto("/learning/team/")
    anna = chef.locator("table tbody tr").filter(has_text="Anna Andersson")
    # Not started, in progress, overdue, completed, exempt.
    expect(anna.locator("td.num")).to_have_text(["1", "1", "1", "0", "0"])
    assert_no_axe_violations(chef, "My team")
    shot(chef, SHOTS, "my-team-1280")
    anna.get_by_role("link").click()
    expect(chef.locator("table tbody tr")).to_have_count(3)
    expect(chef.locator("[data-urgency=today]")).to_have_count(1)
    assert_no_axe_violations(chef, "a person in My team")
    shot(chef, SHOTS, "my-team-person-1280")

    # Remind everyone with overdue training, twice: never "0 people".
    chef.goto("/learning/team/")
    chef.locator("form[action$='/remind-overdue/'] button").click()
    expect(chef.locator(".messages, [role=status], .message").first).to_be_visible()
    chef.locator("form[action$='/remind-overdue/'] button").click()
    body = chef.locator("main").inner_text()
    assert " 0 " not in body
    shot(chef, SHOTS, "my-team-reminded-again-1280")
