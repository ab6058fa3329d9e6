"""The IRIs we use: ADL's verbs and activity types, cmi5's extensions where
they exist, and the display names in Swedish and English."""

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"

# verb key: (IRI, Swedish display, English display)
VERBS = {
    "registered": (ADL_VERB + "registered", "registrerade sig på", "registered"),
    "launched": (ADL_VERB + "launched", "startade", "launched"),
    "experienced": (ADL_VERB + "experienced", "tog del av", "experienced"),
    "completed": (ADL_VERB + "completed", "slutförde", "completed"),
    "answered": (ADL_VERB + "answered", "besvarade", "answered"),
    "passed": (ADL_VERB + "passed", "klarade", "passed"),
    "failed": (ADL_VERB + "failed", "klarade inte", "failed"),
    # ADL has no verb for receiving a credential; the Tin Can registry's
    # "earned" is the one LRS dashboards know.
    "earned": ("http://id.tincanapi.com/verb/earned", "erhöll", "earned"),
}

ACTIVITY_TYPES = {
    "course": ADL_ACTIVITY + "course",
    "lesson": ADL_ACTIVITY + "lesson",
    "quiz": ADL_ACTIVITY + "assessment",
    "question": ADL_ACTIVITY + "cmi.interaction",
    "certificate": "https://w3id.org/xapi/tla/activity-types/credential",
}

# cmi5's result extension for how far through an activity the learner is (0-100).
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
# Our own extensions, under the site's address (see statements.extension).
CERTIFICATE_VALID_UNTIL = "certificate-valid-until"
COMPLETION_SOURCE = "completion-source"
ATTEMPT = "attempt"

# The languages of every name and display: Swedish first, English second.
SWEDISH = "sv-SE"
ENGLISH = "en-US"
LANGUAGE_TAGS = {"sv": SWEDISH, "en": ENGLISH}

# xAPI interaction types for our question types.
INTERACTION_TYPES = {
    "single_choice": "choice",
    "multiple_choice": "choice",
    "true_false": "true-false",
    "matching": "matching",
    "ordering": "sequencing",
}
