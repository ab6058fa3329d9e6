"""The form a quiz shows: for each question of an attempt (or of a preview),
its number, its question and the fields to answer it with — names, values,
texts and what is already chosen. Never which option is correct."""

from django.utils.translation import gettext as _

from .grading import build_presentation, field_name, questions_of


def preview_questions(quiz):
    """The questions as a learner would get them in a new attempt."""
    return questions(build_presentation(quiz), questions_of(quiz), {})


def questions(presentation, drawn, saved):
    """`drawn`: the questions by id; `saved`: the responses by question id."""
    result = []
    for number, entry in enumerate(presentation, start=1):
        question = drawn.get(entry["id"])
        if question is None:
            continue
        response = saved.get(entry["id"])
        result.append(
            {
                "number": number,
                "entry": entry,
                "question": question,
                "response": response,
                "fields": fields(
                    entry, question, response.answer if response else None
                ),
            }
        )
    return result


def fields(entry, question, answer):
    """What the form shows for one question: names, values, texts, checked."""
    kind = entry["type"]
    name = field_name(entry["id"])
    if kind in ("single_choice", "multiple_choice"):
        chosen = set(answer or []) if kind == "multiple_choice" else {answer}
        return [
            {
                "name": name,
                "value": option_id,
                "text": question.option(option_id)["text"],
                "checked": option_id in chosen,
            }
            for option_id in entry["options"]
        ]
    if kind == "true_false":
        texts = {"true": _("True"), "false": _("False")}
        return [
            {
                "name": name,
                "value": value,
                "text": texts[value],
                "checked": answer == value,
            }
            for value in entry["options"]
        ]
    if kind == "matching":
        token_of = {choice["pair"]: choice["token"] for choice in entry["choices"]}
        choices = [
            {"value": choice["token"], "text": question.option(choice["pair"])["match"]}
            for choice in entry["choices"]
        ]
        answer = answer or {}
        return [
            {
                "name": field_name(entry["id"], item),
                "text": question.option(item)["item"],
                "choices": choices,
                "selected": token_of.get(answer.get(item)),
            }
            for item in entry["items"]
        ]
    if kind == "ordering":
        if isinstance(answer, list):
            position = {item: index for index, item in enumerate(answer, start=1)}
        elif isinstance(answer, dict):
            position = answer.get("partial", {})
        else:
            position = {}
        count = len(entry["options"])
        return [
            {
                "name": field_name(entry["id"], item),
                "text": question.option(item),
                "positions": range(1, count + 1),
                "selected": position.get(item),
            }
            for item in entry["options"]
        ]
    return []
