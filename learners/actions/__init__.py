"""Every write to the learning record, one verb per thing that happens.

Each action is atomic, checks permission, and enqueues side effects on commit.
"""

from .certificates import issue_certificate, revoke_certificate
from .history import record_completion_elsewhere
from .learning import (
    MAX_SECONDS_PER_UPDATE,
    complete_enrolment_if_done,
    enrol_learner,
    launch_course,
    record_lesson_progress,
    reevaluate_course_completions,
    required_lesson_ids,
    start_new_cycle,
)
from .quizzes import (
    AttemptNotAllowed,
    close_if_expired,
    save_quiz_answers,
    start_quiz_attempt,
    time_allowed,
)

__all__ = [
    "MAX_SECONDS_PER_UPDATE",
    "AttemptNotAllowed",
    "close_if_expired",
    "time_allowed",
    "complete_enrolment_if_done",
    "enrol_learner",
    "issue_certificate",
    "launch_course",
    "record_completion_elsewhere",
    "record_lesson_progress",
    "reevaluate_course_completions",
    "required_lesson_ids",
    "revoke_certificate",
    "save_quiz_answers",
    "start_new_cycle",
    "start_quiz_attempt",
]
