"""Quiz definitions at the moment of an attempt, and server-side grading.

An attempt records a *presentation*: the question ids drawn, in the order
shown, with the option order (and, for matching, per-attempt tokens for the
choices, so that nothing in the page links an item to its match). Grading reads
the questions from the page revision the attempt was drawn from.
"""

import secrets
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .quiz_blocks import QuestionStreamBlock


class AnswerError(ValueError):
    """A submitted answer that cannot belong to the question: a tampered or
    broken request. The view answers 400 and saves nothing."""


@dataclass
class Question:
    id: str
    type: str
    value: object  # the block's StructValue

    def option_ids(self):
        if self.type in ("single_choice", "multiple_choice"):
            return [child.id for child in self.value["options"].bound_blocks]
        if self.type == "true_false":
            return ["true", "false"]
        if self.type == "matching":
            return [child.id for child in self.value["pairs"].bound_blocks]
        if self.type == "ordering":
            return [child.id for child in self.value["items"].bound_blocks]
        return []

    def option(self, option_id):
        for child in self._children():
            if child.id == option_id:
                return child.value
        return None

    def _children(self):
        if self.type in ("single_choice", "multiple_choice"):
            return self.value["options"].bound_blocks
        if self.type == "matching":
            return self.value["pairs"].bound_blocks
        if self.type == "ordering":
            return self.value["items"].bound_blocks
        return []

    def correct_answer(self):
        """The answer that scores, in the same shape as a parsed answer."""
        if self.type == "single_choice":
            return next(c.id for c in self._children() if c.value["correct"])
        if self.type == "multiple_choice":
            return sorted(c.id for c in self._children() if c.value["correct"])
        if self.type == "true_false":
            return self.value["correct_answer"]
        if self.type == "matching":
            return {child.id: child.id for child in self._children()}
        if self.type == "ordering":
            return [child.id for child in self._children()]
        return None


def questions_of(quiz) -> dict[str, Question]:
    return _questions_from_stream(quiz.questions)


def _questions_from_stream(stream):
    return {
        block.id: Question(block.id, block.block_type, block.value) for block in stream
    }


def snapshot(quiz, presentation):
    """The raw content of the drawn questions, to store on the attempt."""
    drawn = {entry["id"] for entry in presentation}
    return [item for item in quiz.questions.raw_data if item["id"] in drawn]


def questions_from_snapshot(raw) -> dict[str, Question]:
    return _questions_from_stream(QuestionStreamBlock().to_python(raw))


def build_presentation(quiz, rng=None):
    """Draw and order the questions for a new attempt (never shown to the
    browser as such: only ids and tokens are rendered)."""
    rng = rng or secrets.SystemRandom()
    questions = list(questions_of(quiz).values())
    if quiz.draw_count and quiz.draw_count < len(questions):
        drawn = rng.sample(questions, quiz.draw_count)
        if not quiz.shuffle_questions:
            order = {question.id: index for index, question in enumerate(questions)}
            drawn.sort(key=lambda question: order[question.id])
        questions = drawn
    elif quiz.shuffle_questions:
        rng.shuffle(questions)
    presentation = []
    for question in questions:
        options = question.option_ids()
        if question.type == "true_false":
            entry = {"id": question.id, "type": question.type, "options": options}
        elif question.type == "matching":
            choices = [
                {"token": secrets.token_hex(8), "pair": pair} for pair in options
            ]
            rng.shuffle(choices)
            items = list(options)
            if quiz.shuffle_options:
                rng.shuffle(items)
            entry = {
                "id": question.id,
                "type": question.type,
                "items": items,
                "choices": choices,
            }
        elif question.type == "ordering":
            items = list(options)
            # Ordering questions are always shown out of order: in order they would
            # give the answer away.
            while len(items) > 1 and items == options:
                rng.shuffle(items)
            entry = {"id": question.id, "type": question.type, "options": items}
        else:
            if quiz.shuffle_options:
                rng.shuffle(options)
            entry = {"id": question.id, "type": question.type, "options": options}
        presentation.append(entry)
    return presentation


def field_name(question_id, item_id=None):
    return f"q-{question_id}" if item_id is None else f"q-{question_id}-{item_id}"


def parse_answer(entry, data):
    """Read one question's answer from submitted form data (a QueryDict).

    Returns the answer in a normal form, or None when the question was left
    unanswered. Raises AnswerError for values that cannot belong to it.
    """
    kind = entry["type"]
    name = field_name(entry["id"])
    if kind in ("single_choice", "true_false"):
        values = data.getlist(name)
        if not values or values == [""]:
            return None
        if len(values) > 1 or values[0] not in entry["options"]:
            raise AnswerError(_("An answer does not belong to its question."))
        return values[0]
    if kind == "multiple_choice":
        values = [value for value in data.getlist(name) if value]
        if not values:
            return None
        if len(set(values)) != len(values) or not set(values) <= set(entry["options"]):
            raise AnswerError(_("An answer does not belong to its question."))
        return sorted(values)
    if kind == "matching":
        tokens = {choice["token"]: choice["pair"] for choice in entry["choices"]}
        answer = {}
        for item in entry["items"]:
            token = data.get(field_name(entry["id"], item), "")
            if not token:
                continue
            if token not in tokens:
                raise AnswerError(_("An answer does not belong to its question."))
            answer[item] = tokens[token]
        return answer or None
    if kind == "ordering":
        positions = {}
        for item in entry["options"]:
            raw = data.get(field_name(entry["id"], item), "")
            if not raw:
                continue
            try:
                position = int(raw)
            except ValueError:
                raise AnswerError(_("A position must be a number.")) from None
            if not 1 <= position <= len(entry["options"]):
                raise AnswerError(_("A position is out of range."))
            positions[item] = position
        if not positions:
            return None
        if len(positions) < len(entry["options"]):
            # Partly ordered: kept for resume, graded as wrong.
            return {"partial": positions}
        if sorted(positions.values()) != list(range(1, len(entry["options"]) + 1)):
            # A position used twice is an easy slip with select menus: kept
            # (and shown again) as a partial answer, graded as wrong.
            return {"partial": positions}
        return sorted(positions, key=positions.get)
    raise AnswerError(_("Unknown question type."))


def is_correct(question: Question, answer) -> bool:
    if answer is None:
        return False
    return answer == question.correct_answer()


def unknown_fields(presentation, data):
    """Answer fields in the request that name no question of this attempt."""
    known = set()
    for entry in presentation:
        known.add(field_name(entry["id"]))
        for item in entry.get("items", entry.get("options", [])):
            known.add(field_name(entry["id"], item))
    return sorted(key for key in data if key.startswith("q-") and key not in known)
