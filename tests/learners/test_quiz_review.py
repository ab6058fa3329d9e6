"""The review of a submitted quiz attempt: the learner sees their own answers,
each part marked right or wrong and with its option's feedback beside it only
as the quiz's reveal policy allows; no "attempts left" after a pass."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from learners import actions
from tests.factories import QuizPageFactory, correct_answers, publish
from tests.helpers import querydict

pytestmark = pytest.mark.django_db


def submit(user, quiz, data_for):
    attempt = actions.start_quiz_attempt(user, quiz)
    data = data_for(attempt)
    return actions.save_quiz_answers(user, attempt.pk, querydict(data), submit=True)


def review_of(client, attempt):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("learners:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    return response, html[html.index('<ol class="review">') :]


def items_of(review):
    """The review's questions, as their HTML."""
    return re.findall(r'<li class="review__item">(.*?)\n    </li>', review, re.S)


def answers_of(item):
    """(classes, text) of each line of the learner's answer to one question."""
    return [
        (classes.strip(), re.sub(r"<[^>]+>|\s+", " ", body).split())
        for classes, body in re.findall(
            r'<li class="review__answer([^"]*)">(.*?)</li>', item, re.S
        )
    ]


def one_right_one_wrong(attempt):
    data = correct_answers(attempt, wrong={"q-single"})
    data["q-q-multi"] = ["m-a", "m-c"]  # "Ett" is right, "Tre" is wrong
    return data


def test_own_answers_with_right_and_wrong_and_the_feedback_beside_each(
    learner_client, learner, course
):
    quiz = publish(QuizPageFactory(parent=course, reveal_answers="after_submit"))
    attempt = submit(learner, quiz, one_right_one_wrong)
    response, review = review_of(learner_client, attempt)

    assert len(items_of(review)) == 5
    # The multiple choice is wrong as a whole...
    multi = next(i for i in items_of(review) if "Ett" in i and "Tre" in i)
    assert "badge--failed" in multi and "badge--completed" not in multi
    # ...but its right option is marked right, with its feedback in its line,
    # and the wrong one wrong: feedback beginning "Right." is never left
    # floating under a wrong verdict.
    lines = answers_of(multi)
    assert [(classes, words[1]) for classes, words in lines] == [
        ("review__answer--right", "Ett"),
        ("review__answer--wrong", "Tre"),
    ]
    assert "(correct)" in " ".join(lines[0][1]) and "Om Ett" in " ".join(lines[0][1])
    assert "(not correct)" in " ".join(lines[1][1])
    assert "Om Tre" in " ".join(lines[1][1])
    # The option not chosen gives no feedback.
    assert "Om Två" not in multi
    # The single choice answered wrong shows what they chose.
    single = next(i for i in items_of(review) if "Fel svar" in i)
    assert answers_of(single)[0][0] == "review__answer--wrong"
    # The right ones elsewhere are marked right: matching and ordering too.
    match = next(i for i in items_of(review) if "Para ihop" in i)
    assert [c for c, _w in answers_of(match)] == ["review__answer--right"] * 3
    assert "Öppen – Får spridas" in match
    order = next(i for i in items_of(review) if "Ordna stegen" in i)
    assert "1. Upptäck" in order and "3. Åtgärda" in order
    # And the correct answer, as the policy allows.
    assert review.count("Correct answer:") == 5


def test_after_pass_before_passing_shows_own_answers_but_nothing_of_the_key(
    learner_client, learner, course
):
    quiz = publish(
        QuizPageFactory(parent=course, reveal_answers="after_pass", max_attempts=3)
    )
    attempt = submit(
        learner, quiz, lambda a: correct_answers(a, wrong={"q-single", "q-multi"})
    )
    assert attempt.passed is False
    response, review = review_of(learner_client, attempt)

    assert response.context["show_answers"] is False
    single = next(i for i in items_of(review) if "Fel svar" in i)
    # Their own answer, unmarked, without the option's feedback.
    assert answers_of(single) == [("", ["Fel", "svar"])]
    assert "review__answer--" not in review
    assert "Om " not in review and "Correct answer:" not in review
    assert "Rätt svar" not in review  # the right option, not chosen


def test_never_reveal_shows_own_answers_only(learner_client, learner, course):
    quiz = publish(QuizPageFactory(parent=course, reveal_answers="never"))
    attempt = submit(learner, quiz, lambda a: correct_answers(a, wrong={"q-tf"}))
    _response, review = review_of(learner_client, attempt)

    tf = next(i for i in items_of(review) if "Lösenord" in i)
    assert answers_of(tf) == [("", ["True"])]
    assert "badge--" not in review and "review__answer--" not in review
    assert "Nej, aldrig" not in review


def test_an_unanswered_question_says_so(learner_client, learner, course):
    quiz = publish(QuizPageFactory(parent=course, reveal_answers="after_submit"))
    attempt = submit(learner, quiz, lambda a: {})
    _response, review = review_of(learner_client, attempt)

    assert review.count("You did not answer this question.") == 5
    assert "review__answers" not in review


def test_no_attempts_left_after_a_pass(learner_client, learner, course):
    quiz = publish(QuizPageFactory(parent=course, max_attempts=3))
    learner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    before = learner_client.get(quiz.url).content.decode()
    assert "Attempts left" in before

    submit(learner, quiz, correct_answers)
    after = learner_client.get(quiz.url).content.decode()

    assert "You have passed this quiz." in after
    assert "Attempts left" not in after
    # The pass mark and the attempts made are still there.
    assert "Pass mark" in after and "Attempt 1" in after
