"""xAPI 1.0.3 statements, one builder per learning event, as plain dicts.

Every statement:
- has an id derived from the event (`statement_id`): the same event built
  again — a retried request, a back-fill — gives the same id, and the outbox
  stores it once;
- names the person only by an account: the site's address as homePage and an
  opaque random id as name (`actor`) — never an email address or a name;
- carries the enrolment's registration UUID, the platform and the content's
  language in its context, and the course as parent of a lesson or quiz;
- names every activity in Swedish and English.

The builders read only what the event's rows hold (titles are the ones stored
on the record), so a statement built later says what happened then.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags
from django.utils.text import Truncator

from .models import LearnerPseudonym, new_opaque_id
from .vocab import (
    ACTIVITY_TYPES,
    ATTEMPT,
    CERTIFICATE_VALID_UNTIL,
    COMPLETION_SOURCE,
    ENGLISH,
    INTERACTION_TYPES,
    LANGUAGE_TAGS,
    PROGRESS,
    SWEDISH,
    VERBS,
)

# The namespace of our statement ids (uuid5). Fixed for all time: changing it
# would give every event a new id, and a back-fill would duplicate them all.
NAMESPACE = uuid.UUID("0b6c3f5e-8a51-5f0e-9d3c-7b1d2a4e6f90")
PLATFORM = "Kompetens"


def statement_id(kind, *keys):
    return uuid.uuid5(NAMESPACE, ":".join([kind, *(str(key) for key in keys)]))


def site_url():
    return settings.SITE_URL.rstrip("/")


def extension(name):
    return f"{site_url()}/xapi/extensions/{name}"


def timestamp(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds: the same text for the same moment."""
    return (
        moment.astimezone(datetime.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def duration(seconds) -> str:
    """ISO 8601 duration, for example PT1H5M30S."""
    seconds = max(0, int(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds or text == "PT":
        text += f"{seconds}S"
    return text


# --- The actor -------------------------------------------------------------------


def opaque_name(user) -> str:
    """The person's xAPI account name: their staff profile's opaque id, or for
    an account outside the HR system a pseudonym made the first time."""
    try:
        return user.staff_profile.opaque_id
    except ObjectDoesNotExist:
        pass
    try:
        return user.xapi_pseudonym.opaque_id
    except ObjectDoesNotExist:
        pass
    try:
        with transaction.atomic():
            pseudonym = LearnerPseudonym.objects.create(
                user=user, opaque_id=new_opaque_id()
            )
    except IntegrityError:  # made by a concurrent request
        pseudonym = LearnerPseudonym.objects.get(user=user)
    return pseudonym.opaque_id


def actor(user) -> dict:
    return {
        "objectType": "Agent",
        "account": {"homePage": site_url(), "name": opaque_name(user)},
    }


# --- Activities ------------------------------------------------------------------


def names(title, title_en="") -> dict:
    title = title or "-"
    return {SWEDISH: title, ENGLISH: title_en or title}


def activity(kind, key, title, title_en="", **definition) -> dict:
    return {
        "objectType": "Activity",
        "id": f"{site_url()}/xapi/{kind}/{key}",
        "definition": {
            "type": ACTIVITY_TYPES[kind],
            "name": names(title, title_en),
            **definition,
        },
    }


def _english_title(page):
    return getattr(page, "title_en", "") if page is not None else ""


def course_activity(enrolment) -> dict:
    # The title as the record stores it: the course page may be gone.
    return activity(
        "course",
        enrolment.course_id or f"deleted-{enrolment.pk}",
        enrolment.course_title,
        _english_title(enrolment.course) if enrolment.course_id else "",
    )


def lesson_activity(lesson_id, title, title_en="") -> dict:
    return activity("lesson", lesson_id, title, title_en)


def quiz_activity(attempt) -> dict:
    quiz = attempt.quiz if attempt.quiz_id else None
    return activity(
        "quiz",
        attempt.quiz_id or f"deleted-{attempt.pk}",
        attempt.quiz_title,
        _english_title(quiz),
    )


def verb(key) -> dict:
    iri, swedish, english = VERBS[key]
    return {"id": iri, "display": {SWEDISH: swedish, ENGLISH: english}}


def context(enrolment, *, parents=(), grouping=(), extensions=None) -> dict:
    language = enrolment.course.language if enrolment.course_id else "sv"
    result = {
        "registration": str(enrolment.registration),
        "platform": PLATFORM,
        "language": LANGUAGE_TAGS.get(language, SWEDISH),
    }
    activities = {}
    if parents:
        activities["parent"] = list(parents)
    if grouping:
        activities["grouping"] = list(grouping)
    if activities:
        result["contextActivities"] = activities
    if extensions:
        result["extensions"] = extensions
    return result


def _statement(sid, user, verb_key, obj, moment, ctx, result=None) -> dict:
    statement = {
        "id": str(sid),
        "actor": actor(user),
        "verb": verb(verb_key),
        "object": obj,
        "context": ctx,
        "timestamp": timestamp(moment),
    }
    if result is not None:
        statement["result"] = result
    return statement


# --- The events ------------------------------------------------------------------


def registered(enrolment) -> dict:
    """A learner enrolled on a course (one statement per cycle)."""
    return _statement(
        statement_id("registered", enrolment.registration),
        enrolment.learner,
        "registered",
        course_activity(enrolment),
        enrolment.enrolled_at,
        context(enrolment),
    )


def launched(enrolment, moment, day) -> dict:
    """The learner started or resumed the course from its page: at most one
    statement per enrolment and day, however often they press the button."""
    return _statement(
        statement_id("launched", enrolment.registration, day.isoformat()),
        enrolment.learner,
        "launched",
        course_activity(enrolment),
        moment,
        context(enrolment),
    )


def lesson_experienced(row, lesson_title_en="") -> dict:
    """The learner opened a lesson for the first time in this cycle."""
    enrolment = row.enrolment
    return _statement(
        statement_id("experienced", enrolment.registration, row.lesson_id),
        enrolment.learner,
        "experienced",
        lesson_activity(row.lesson_id, row.lesson_title, lesson_title_en),
        row.started_at,
        context(enrolment, parents=[course_activity(enrolment)]),
        {"extensions": {PROGRESS: row.progress}},
    )


def lesson_completed(row, lesson_title_en="") -> dict:
    enrolment = row.enrolment
    return _statement(
        statement_id("completed-lesson", enrolment.registration, row.lesson_id),
        enrolment.learner,
        "completed",
        lesson_activity(row.lesson_id, row.lesson_title, lesson_title_en),
        row.completed_at,
        context(enrolment, parents=[course_activity(enrolment)]),
        {
            "completion": True,
            "duration": duration(row.time_spent_seconds),
            "extensions": {PROGRESS: 100},
        },
    )


def course_completed(enrolment, seconds_spent=0) -> dict:
    """The cycle is complete: here, or recorded by HR from elsewhere (the
    completion source says which)."""
    return _statement(
        statement_id("completed-course", enrolment.registration),
        enrolment.learner,
        "completed",
        course_activity(enrolment),
        enrolment.completed_at,
        context(enrolment, extensions={extension(COMPLETION_SOURCE): enrolment.source}),
        {
            "completion": True,
            "duration": duration(seconds_spent),
            "extensions": {PROGRESS: 100},
        },
    )


def _prompt(question_raw) -> str:
    text = strip_tags((question_raw or {}).get("value", {}).get("prompt", ""))
    return Truncator(" ".join(text.split())).chars(250) or "-"


def question_answered(attempt, response, question_raw) -> dict:
    """One answer in a graded attempt: right or wrong."""
    enrolment = attempt.enrolment
    quiz = quiz_activity(attempt)
    prompt = _prompt(question_raw)
    obj = activity(
        "question",
        f"{attempt.quiz_id or 'deleted'}/{response.question_id}",
        prompt,
        prompt,
        interactionType=INTERACTION_TYPES.get(response.question_type, "other"),
    )
    return _statement(
        statement_id(
            "answered",
            enrolment.registration,
            attempt.quiz_id,
            attempt.number,
            response.question_id,
        ),
        enrolment.learner,
        "answered",
        obj,
        attempt.submitted_at,
        context(
            enrolment,
            parents=[quiz],
            grouping=[course_activity(enrolment)],
            extensions={extension(ATTEMPT): attempt.number},
        ),
        {"success": bool(response.correct), "completion": True},
    )


def quiz_graded(attempt) -> dict:
    """Passed or failed, with the score."""
    enrolment = attempt.enrolment
    verb_key = "passed" if attempt.passed else "failed"
    score = attempt.score or 0
    seconds = (attempt.submitted_at - attempt.started_at).total_seconds()
    return _statement(
        statement_id("graded", enrolment.registration, attempt.quiz_id, attempt.number),
        enrolment.learner,
        verb_key,
        quiz_activity(attempt),
        attempt.submitted_at,
        context(
            enrolment,
            parents=[course_activity(enrolment)],
            extensions={extension(ATTEMPT): attempt.number},
        ),
        {
            "score": {"scaled": score / 100, "raw": score, "min": 0, "max": 100},
            "success": bool(attempt.passed),
            "completion": True,
            "duration": duration(seconds),
        },
    )


def certificate_earned(certificate) -> dict:
    enrolment = certificate.enrolment
    course = course_activity(enrolment)
    extensions = {}
    if certificate.valid_until:
        extensions[extension(CERTIFICATE_VALID_UNTIL)] = (
            certificate.valid_until.isoformat()
        )
    obj = activity(
        "certificate",
        certificate.course_id or f"deleted-{certificate.pk}",
        f"Intyg: {certificate.course_title}",
        f"Certificate: {_english_title(enrolment.course) or certificate.course_title}"
        if enrolment.course_id
        else f"Certificate: {certificate.course_title}",
    )
    return _statement(
        statement_id("earned", enrolment.registration),
        enrolment.learner,
        "earned",
        obj,
        certificate.issued_at or certificate.completed_at,
        context(enrolment, parents=[course]),
        {"extensions": extensions} if extensions else None,
    )


def graded_attempt(attempt) -> list[dict]:
    """Everything a graded attempt says: each answer, then passed or failed."""
    raw = {item["id"]: item for item in attempt.questions or []}
    responses = {response.question_id: response for response in attempt.responses.all()}
    answered = [
        question_answered(attempt, responses[entry["id"]], raw.get(entry["id"]))
        for entry in attempt.presentation
        if entry["id"] in responses
    ]
    return [*answered, quiz_graded(attempt)]
