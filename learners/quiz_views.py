"""Quiz pages for learners: thin views over `learners.actions.quizzes`. The
quiz page itself is served through the `on_serve_page` hook
(`learners.wagtail_hooks`), GET and POST; an attempt's results here.

What reaches the browser before submission is only ids, tokens and texts —
never which option is correct.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import quiz_fields
from courses.grading import AnswerError, questions_from_snapshot

from . import actions
from .models import Enrolment, QuizAttempt


def _questions_for(attempt):
    """The questions as they were when the attempt was drawn, in its order."""
    questions = questions_from_snapshot(attempt.questions)
    saved = {r.question_id: r for r in attempt.responses.all()}
    return quiz_fields.questions(attempt.presentation, questions, saved)


def serve_quiz(quiz, request):
    """The quiz page: intro and past attempts, or the open attempt's form."""
    course = quiz.get_parent().specific
    if not course.live:
        raise Http404
    if request.method == "POST":
        return _post(quiz, request)
    # The current cycle's attempts: a new cycle starts afresh.
    enrolment = (
        Enrolment.objects.filter(learner=request.user, course=course)
        .order_by("-cycle")
        .first()
    )
    attempts = (
        list(
            QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz).order_by(
                "number"
            )
        )
        if enrolment
        else []
    )
    open_attempt = next((a for a in attempts if a.is_open), None)
    if open_attempt and actions.close_if_expired(request.user, open_attempt):
        messages.info(
            request, _("The time ran out. Your saved answers were submitted.")
        )
        return redirect("learners:attempt", attempt_id=open_attempt.pk)
    submitted = [a for a in attempts if not a.is_open]
    passed = any(a.passed for a in submitted)
    used = len(attempts)
    context = {
        "page": quiz,
        "self": quiz,
        "course": course,
        "open_attempt": open_attempt,
        "submitted_attempts": submitted,
        "passed": passed,
        "attempts_left": None
        if not quiz.max_attempts
        else max(quiz.max_attempts - used, 0),
    }
    allowed = actions.time_allowed(request.user, quiz)
    context["time_limit_minutes"] = (
        round(allowed.total_seconds() / 60) if allowed else None
    )
    if open_attempt:
        context["questions"] = _questions_for(open_attempt)
        if open_attempt.deadline_at:
            context["seconds_left"] = max(
                0, int((open_attempt.deadline_at - timezone.now()).total_seconds())
            )
    return render(request, "courses/quiz_page.html", context)


def _post(quiz, request):
    action = request.POST.get("action")
    if action == "start":
        try:
            actions.start_quiz_attempt(request.user, quiz)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(quiz.url)
    if action not in ("save", "submit"):
        return _error(request, quiz, _("Unknown action."))
    try:
        attempt_id = int(request.POST.get("attempt", ""))
    except ValueError:
        return _error(request, quiz, _("Unknown attempt."))
    try:
        attempt = actions.save_quiz_answers(
            request.user, attempt_id, request.POST, submit=action == "submit", quiz=quiz
        )
    except PermissionDenied:
        raise Http404 from None
    except (AnswerError, ValidationError) as error:
        text = error.messages if isinstance(error, ValidationError) else [str(error)]
        return _error(request, quiz, " ".join(text))
    if attempt.submitted_at:
        return redirect("learners:attempt", attempt_id=attempt.pk)
    messages.success(request, _("Your answers are saved. You can continue later."))
    return redirect(quiz.url)


def _error(request, quiz, message):
    return render(
        request,
        "learners/quiz_error.html",
        {"quiz": quiz, "message": message},
        status=400,
    )


def _review(attempt):
    reveal = attempt.reveal_answers
    show_answers = reveal == "after_submit" or (
        reveal == "after_pass"
        and QuizAttempt.objects.filter(
            enrolment=attempt.enrolment, quiz_id=attempt.quiz_id, passed=True
        ).exists()
    )
    items = []
    for item in _questions_for(attempt):
        question = item["question"]
        answer = item["response"].answer if item["response"] else None
        items.append(
            {
                **item,
                # "Never: only the score" shows no per-question verdict either:
                # on a true/false question that would be the answer.
                "correct": bool(item["response"] and item["response"].correct)
                if reveal != "never"
                else None,
                # The learner's own answer is always theirs to see; whether
                # each part of it was right, and the option's feedback, only
                # when the correct answers are shown.
                "your_answer": _your_answer(question, answer, show_answers),
                "correct_texts": _correct_texts(question) if show_answers else None,
            }
        )
    return {
        "items": items,
        "show_answers": show_answers,
        "show_verdicts": reveal != "never",
    }


def _answer_line(text, right=None, feedback=""):
    """One part of a learner's answer: its words, whether it was right (None:
    not shown), and the feedback the author wrote for it."""
    return {"text": text, "right": right, "feedback": feedback or ""}


def _your_answer(question, answer, reveal):
    """The learner's answer as lines, in the question's own words. With
    `reveal`, each line says whether it was right and carries its option's
    feedback next to it — so feedback an author began with "Right." sits
    beside the option it is about, marked right, even when the question as a
    whole (a multiple choice with one wrong option too) is not."""
    if answer is None:
        return []
    kind = question.type
    if kind in ("single_choice", "multiple_choice"):
        lines = []
        for option_id in answer if isinstance(answer, list) else [answer]:
            option = question.option(option_id)
            if option is None:
                continue
            lines.append(
                _answer_line(
                    option["text"],
                    bool(option["correct"]) if reveal else None,
                    option["feedback"] if reveal else "",
                )
            )
        return lines
    if kind == "true_false":
        return [
            _answer_line(
                _("True") if answer == "true" else _("False"),
                answer == question.value["correct_answer"] if reveal else None,
                question.value.get(f"feedback_{answer}", "") if reveal else "",
            )
        ]
    if kind == "matching" and isinstance(answer, dict):
        lines = []
        for item_id, pair_id in answer.items():
            item, pair = question.option(item_id), question.option(pair_id)
            if item is None or pair is None:
                continue
            lines.append(
                _answer_line(
                    f"{item['item']} – {pair['match']}",
                    item_id == pair_id if reveal else None,
                )
            )
        return lines
    if kind == "ordering":
        if isinstance(answer, dict):  # partly ordered: {"partial": {id: position}}
            positions = answer.get("partial", {})
            order = sorted(positions, key=positions.get)
        else:
            positions, order = None, answer
        correct = question.correct_answer()
        lines = []
        for index, item_id in enumerate(order):
            text = question.option(item_id)
            if text is None:
                continue
            position = positions[item_id] if positions else index + 1
            right = (
                len(correct) >= position and correct[position - 1] == item_id
                if reveal
                else None
            )
            lines.append(_answer_line(f"{position}. {text}", right))
        return lines
    return []


def _correct_texts(question):
    correct = question.correct_answer()
    if question.type == "single_choice":
        return [question.option(correct)["text"]]
    if question.type == "multiple_choice":
        return [question.option(option_id)["text"] for option_id in correct]
    if question.type == "true_false":
        return [_("True") if correct == "true" else _("False")]
    if question.type == "matching":
        return [
            f"{question.option(item)['item']} – {question.option(item)['match']}"
            for item in correct
        ]
    if question.type == "ordering":
        return [question.option(item) for item in correct]
    return []


@login_required
def attempt_detail(request, attempt_id):
    """Results of a submitted attempt (HTML or JSON); an open attempt's
    questions as JSON, without any marker of the correct answers."""
    attempt = (
        QuizAttempt.objects.select_related("enrolment", "quiz")
        .filter(pk=attempt_id, enrolment__learner=request.user)
        .first()
    )
    if attempt is None:
        raise Http404
    wants_json = "application/json" in request.headers.get("Accept", "")
    if attempt.is_open:
        if not wants_json:
            return redirect(
                attempt.quiz.url if attempt.quiz else "learners:my_learning"
            )
        return JsonResponse(
            {
                "attempt": attempt.pk,
                "open": True,
                "deadline": attempt.deadline_at.isoformat()
                if attempt.deadline_at
                else None,
                "questions": [_question_json(item) for item in _questions_for(attempt)],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    review = _review(attempt)
    if wants_json:
        return JsonResponse(
            {
                "attempt": attempt.pk,
                "open": False,
                "score": attempt.score,
                "passed": attempt.passed,
                "pass_mark": attempt.pass_mark,
            }
        )
    return render(
        request,
        "learners/attempt_result.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "course": attempt.enrolment.course,
            "certificate": getattr(attempt.enrolment, "certificate", None)
            if attempt.enrolment.completed_at
            else None,
            **review,
        },
    )


def _question_json(item):
    question = item["question"]
    return {
        "id": question.id,
        "type": question.type,
        "number": item["number"],
        "prompt": str(question.value["prompt"]),
        "fields": [
            {key: value for key, value in field.items() if key != "positions"}
            | ({"positions": list(field["positions"])} if "positions" in field else {})
            for field in item["fields"]
        ],
    }
