"""Quizzes: server-side grading of every question type, the attempt limit, the
time limit, snapshots against live edits, and no answer leaking early."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.urls import reverse
from wagtail.models import PageViewRestriction

from courses.grading import AnswerError
from learners import actions
from learners.models import (
    Enrolment,
    QuizAccommodation,
    QuizAttempt,
    QuizResponse,
)
from tests.factories import QuizPageFactory, correct_answers, publish
from tests.helpers import querydict

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(course):
    return publish(QuizPageFactory(parent=course, max_attempts=3))


def submit(user, attempt, data):
    return actions.save_quiz_answers(user, attempt.pk, querydict(data), submit=True)


def test_all_correct_answers_pass_and_score_100(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    attempt = submit(learner, attempt, correct_answers(attempt))
    assert (attempt.score, attempt.passed) == (100, True)
    assert QuizResponse.objects.filter(attempt=attempt, correct=True).count() == 5


@pytest.mark.parametrize("wrong", ["q-single", "q-multi", "q-tf", "q-match", "q-order"])
def test_each_question_type_grades_a_wrong_answer_as_wrong(learner, quiz, wrong):
    attempt = actions.start_quiz_attempt(learner, quiz)
    attempt = submit(learner, attempt, correct_answers(attempt, wrong={wrong}))
    assert attempt.score == 80
    assert attempt.passed is True  # 80 % is the pass mark
    response = QuizResponse.objects.get(attempt=attempt, question_id=wrong)
    assert response.correct is False


def test_no_answer_at_all_scores_zero_and_fails(learner, quiz):
    attempt = submit(learner, actions.start_quiz_attempt(learner, quiz), {})
    assert (attempt.score, attempt.passed) == (0, False)
    assert QuizResponse.objects.filter(attempt=attempt, correct=False).count() == 5


def test_multiple_choice_needs_exactly_the_correct_set(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt)
    data["q-q-multi"] = ["m-a", "m-b", "m-c"]
    attempt = submit(learner, attempt, data)
    assert (
        QuizResponse.objects.get(attempt=attempt, question_id="q-multi").correct
        is False
    )


def test_partly_ordered_answer_is_kept_and_graded_wrong(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt)
    del data["q-q-order-o-3"]
    attempt = submit(learner, attempt, data)
    response = QuizResponse.objects.get(attempt=attempt, question_id="q-order")
    assert response.correct is False
    assert response.answer == {"partial": {"o-1": 1, "o-2": 2}}


@pytest.mark.parametrize(
    "tamper",
    [
        {"q-q-single": "not-an-option"},
        {"q-q-single": ["s-a", "s-b"]},
        {"q-q-multi": ["m-a", "m-a"]},
        {"q-q-multi": ["m-a", "x-1"]},
        {"q-q-tf": "maybe"},
        {"q-q-match-p-1": "forged-token"},
        {"q-q-order-o-1": "9"},
        {"q-q-order-o-1": "ett"},
        {"q-unknown-question": "s-a"},
        {"q-q-single-extra": "s-a"},
    ],
)
def test_tampered_answers_are_refused_and_nothing_is_saved(learner, quiz, tamper):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt) | tamper
    with pytest.raises(AnswerError):
        submit(learner, attempt, data)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not QuizResponse.objects.filter(attempt=attempt).exists()


def test_tampered_request_is_a_clear_400_not_a_500(learner_client, learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt) | {"q-q-single": "forged", "action": "submit"}
    data["attempt"] = attempt.pk
    response = learner_client.post(quiz.url, data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    for bad in ({"action": "submit", "attempt": "x"}, {"action": "explode"}):
        assert learner_client.post(quiz.url, bad).status_code == 400


def test_someone_elses_attempt_is_404(client, learner, other_learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    client.force_login(other_learner)
    data = correct_answers(attempt) | {"action": "submit", "attempt": attempt.pk}
    assert client.post(quiz.url, data).status_code == 404
    assert client.get(reverse("learners:attempt", args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_anonymous_visitor_is_sent_to_login(client, quiz):
    response = client.get(quiz.url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_double_submit_keeps_the_first_result(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    first = submit(
        learner, attempt, correct_answers(attempt, wrong={"q-single", "q-tf"})
    )
    again = submit(learner, attempt, correct_answers(attempt))
    assert again.score == first.score == 60
    assert QuizAttempt.objects.get(pk=attempt.pk).score == 60


def test_attempt_limit(learner, quiz):
    for _number in range(3):
        attempt = actions.start_quiz_attempt(learner, quiz)
        submit(learner, attempt, {})
    with pytest.raises(actions.AttemptNotAllowed):
        actions.start_quiz_attempt(learner, quiz)
    assert QuizAttempt.objects.count() == 3


def test_no_new_attempt_after_passing(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    submit(learner, attempt, correct_answers(attempt))
    with pytest.raises(actions.AttemptNotAllowed):
        actions.start_quiz_attempt(learner, quiz)


def test_an_open_attempt_is_resumed_not_duplicated(learner, quiz):
    first = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(first)
    actions.save_quiz_answers(learner, first.pk, querydict(data), submit=False)
    again = actions.start_quiz_attempt(learner, quiz)
    assert again.pk == first.pk
    assert QuizResponse.objects.filter(attempt=first).count() == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_attempt_limit_holds_under_concurrent_requests(learner, course):
    quiz = publish(QuizPageFactory(parent=course, max_attempts=1))
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = querydict(correct_answers(attempt, wrong={"q-single", "q-multi"}))
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(task):
        try:
            barrier.wait(timeout=10)
            outcomes.append(task())
        except Exception as error:  # noqa: BLE001 - recorded for the assertion
            outcomes.append(error)
        finally:
            connection.close()

    def submit_again():
        return actions.save_quiz_answers(learner, attempt.pk, data, submit=True).score

    def start_another():
        return actions.start_quiz_attempt(learner, quiz)

    threads = [
        threading.Thread(target=worker, args=(submit_again,)),
        threading.Thread(target=worker, args=(submit_again,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Both submissions see one graded attempt with one score.
    assert outcomes == [60, 60]
    assert QuizAttempt.objects.filter(submitted_at__isnull=False).count() == 1

    outcomes.clear()
    barrier.reset()
    threads = [threading.Thread(target=worker, args=(start_another,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(outcome, actions.AttemptNotAllowed) for outcome in outcomes)
    assert QuizAttempt.objects.count() == 1


def test_time_limit_is_enforced_on_the_server(learner, course):
    quiz = publish(QuizPageFactory(parent=course, time_limit_minutes=10))
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        attempt = actions.start_quiz_attempt(learner, quiz)
        assert attempt.deadline_at == start + timedelta(minutes=10)
        # Two answers saved in time.
        partial = {
            k: v
            for k, v in correct_answers(attempt).items()
            if "q-single" in k or "q-tf" in k
        }
        actions.save_quiz_answers(learner, attempt.pk, querydict(partial), submit=False)
    with time_machine.travel(start + timedelta(minutes=10, seconds=20), tick=False):
        # Within the grace period: still accepted.
        actions.save_quiz_answers(learner, attempt.pk, querydict(partial), submit=False)
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        # Too late: the full, correct answers are not taken; what was saved is graded.
        attempt = submit(learner, attempt, correct_answers(attempt))
    assert attempt.submitted_at is not None
    assert attempt.score == 40
    assert attempt.passed is False


def test_accommodation_gives_more_time_or_no_limit(
    learner, other_learner, course, admin_user
):
    quiz = publish(QuizPageFactory(parent=course, time_limit_minutes=20))
    QuizAccommodation.objects.create(
        learner=learner, quiz=quiz, extra_percent=50, granted_by=admin_user
    )
    QuizAccommodation.objects.create(learner=other_learner, no_time_limit=True)
    with time_machine.travel(datetime(2026, 5, 4, 8, 0, tzinfo=UTC), tick=False):
        extended = actions.start_quiz_attempt(learner, quiz)
        unlimited = actions.start_quiz_attempt(other_learner, quiz)
    assert extended.deadline_at - extended.started_at == timedelta(minutes=30)
    assert unlimited.deadline_at is None


def test_editing_the_live_quiz_does_not_change_an_attempt(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt)
    # The editor makes "Fel svar" the correct option and raises the pass mark.
    questions = quiz.questions.raw_data
    for option in questions[0]["value"]["options"]:
        option["value"]["correct"] = option["id"] == "s-b"
    quiz.questions = questions
    quiz.pass_mark = 100
    publish(quiz)

    attempt = submit(learner, attempt, data)
    assert (attempt.score, attempt.passed, attempt.pass_mark) == (100, True, 80)
    # A new attempt is graded against the new revision.
    Enrolment.objects.all().delete()
    fresh = actions.start_quiz_attempt(learner, quiz)
    fresh = submit(learner, fresh, correct_answers(fresh))
    assert fresh.score == 80 and fresh.passed is False


def test_open_attempt_html_and_json_carry_no_marker_of_correct_answers(
    learner_client, learner, quiz
):
    attempt = actions.start_quiz_attempt(learner, quiz)
    html = learner_client.get(quiz.url).content.decode()
    payload = learner_client.get(
        reverse("learners:attempt", args=[attempt.pk]),
        headers={"Accept": "application/json"},
    ).content.decode()
    assert '"open": true' in payload
    secrets_of_the_quiz = [
        "correct",  # no flag, key or class
        "Om Rätt svar",  # option feedback
        "Så här är det",  # explanation
        "Just det",  # true/false feedback
        "Nej, aldrig",
    ]
    for text in (html, payload):
        assert "Rätt svar" in text and "Lösenord får delas" in text  # questions shown
        for secret in secrets_of_the_quiz:
            assert secret not in text
    # Matching: each item's choices are per-attempt tokens, never the pair ids
    # that would link an item to its match.
    matching = next(e for e in attempt.presentation if e["type"] == "matching")
    for choice in matching["choices"]:
        assert f'value="{choice["token"]}"' in html
    for pair in ("p-1", "p-2", "p-3"):
        assert f'value="{pair}"' not in html
        assert f'"value": "{pair}"' not in payload
    # Ordering: never shown in the correct order.
    ordering = next(e for e in attempt.presentation if e["type"] == "ordering")
    assert ordering["options"] != ["o-1", "o-2", "o-3"]
    positions = [
        html.index(f'name="q-q-order-{item}"') for item in ("o-1", "o-2", "o-3")
    ]
    assert positions != sorted(positions)


def test_deleting_a_quiz_or_its_course_keeps_attempts_and_results(
    learner_client, learner, course, quiz
):
    attempt = actions.start_quiz_attempt(learner, quiz)
    attempt = submit(learner, attempt, correct_answers(attempt, wrong={"q-tf"}))
    quiz.delete()
    attempt.refresh_from_db()
    assert (attempt.quiz, attempt.quiz_revision, attempt.score) == (None, None, 80)
    response = learner_client.get(reverse("learners:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    assert "Rätt svar" in response.content.decode()  # the review, from the snapshot
    course.delete()
    attempt.refresh_from_db()
    assert attempt.enrolment.course is None
    assert (
        learner_client.get(reverse("learners:attempt", args=[attempt.pk])).status_code
        == 200
    )


def test_a_position_used_twice_is_kept_as_a_partial_answer_not_refused(learner, quiz):
    attempt = actions.start_quiz_attempt(learner, quiz)
    data = correct_answers(attempt) | {
        "q-q-order-o-1": "1",
        "q-q-order-o-2": "1",
        "q-q-order-o-3": "2",
    }
    attempt = submit(learner, attempt, data)
    response = QuizResponse.objects.get(attempt=attempt, question_id="q-order")
    assert response.answer == {"partial": {"o-1": 1, "o-2": 1, "o-3": 2}}
    assert response.correct is False
    assert attempt.score == 80


def test_passing_is_decided_on_the_exact_share_not_the_rounded_score(learner, course):
    from tests.factories import standard_questions

    quiz = publish(
        QuizPageFactory(parent=course, questions=standard_questions()[:3], pass_mark=67)
    )
    attempt = actions.start_quiz_attempt(learner, quiz)
    attempt = submit(learner, attempt, correct_answers(attempt, wrong={"q-tf"}))
    assert attempt.score == 67  # 2 of 3, shown rounded
    assert attempt.passed is False  # 66.7 % is below 67 %


def test_an_attempt_cannot_be_submitted_through_another_quizs_page(
    learner_client, learner, course, quiz
):
    other = publish(QuizPageFactory(parent=course))
    attempt = actions.start_quiz_attempt(learner, other)
    data = correct_answers(attempt) | {"action": "submit", "attempt": attempt.pk}
    assert learner_client.post(quiz.url, data).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not QuizResponse.objects.exists()


def test_never_reveal_shows_no_verdict_per_question(learner_client, learner, course):
    quiz = publish(QuizPageFactory(parent=course, reveal_answers="never"))
    attempt = actions.start_quiz_attempt(learner, quiz)
    submit(learner, attempt, correct_answers(attempt, wrong={"q-tf"}))
    response = learner_client.get(reverse("learners:attempt", args=[attempt.pk]))
    html = response.content.decode()
    assert response.context["show_verdicts"] is False
    review = html[html.index('<ol class="review">') :]
    assert "badge--failed" not in review and "badge--completed" not in review
    assert "Så här är det" not in html and "Just det" not in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_starting_while_an_expired_attempt_is_submitted_does_not_deadlock(
    learner, course
):
    quiz = publish(QuizPageFactory(parent=course, time_limit_minutes=1, max_attempts=5))
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        attempt = actions.start_quiz_attempt(learner, quiz)
    errors = []
    barrier = threading.Barrier(2)

    def run(task):
        try:
            barrier.wait(timeout=10)
            with time_machine.travel(start + timedelta(minutes=5), tick=False):
                task()
        except actions.AttemptNotAllowed:
            pass
        except Exception as error:  # noqa: BLE001 - recorded for the assertion
            errors.append(error)
        finally:
            connection.close()

    for _round in range(3):
        threads = [
            threading.Thread(target=run, args=(lambda: submit(learner, attempt, {}),)),
            threading.Thread(
                target=run, args=(lambda: actions.start_quiz_attempt(learner, quiz),)
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        barrier.reset()
    assert errors == []
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert QuizResponse.objects.filter(attempt=attempt).count() == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_starts_with_one_attempt_left_create_one(learner, course):
    quiz = publish(QuizPageFactory(parent=course, max_attempts=2))
    first = actions.start_quiz_attempt(learner, quiz)
    submit(learner, first, {})
    barrier = threading.Barrier(2)
    outcomes = []

    def start():
        try:
            barrier.wait(timeout=10)
            outcomes.append(actions.start_quiz_attempt(learner, quiz).pk)
        except Exception as error:  # noqa: BLE001 - recorded for the assertion
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Both get the one new (open) attempt: resumed, not duplicated.
    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int)
    assert QuizAttempt.objects.count() == 2


def test_only_one_general_accommodation_per_person(learner):
    QuizAccommodation.objects.create(learner=learner, extra_percent=25)
    with pytest.raises(IntegrityError):
        QuizAccommodation.objects.create(learner=learner, extra_percent=50)


def test_a_quiz_behind_a_view_restriction_asks_for_the_password_first(
    learner_client, quiz
):
    """The quiz is served through Wagtail's `on_serve_page` chain, inside its
    view restrictions."""
    PageViewRestriction.objects.create(
        page=quiz, restriction_type=PageViewRestriction.PASSWORD, password="hemligt"
    )
    response = learner_client.get(quiz.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html
    assert "q-single" not in html  # no question, no attempt
    assert not QuizAttempt.objects.exists()
    response = learner_client.post(quiz.url, {"action": "start"})
    assert not QuizAttempt.objects.exists()
