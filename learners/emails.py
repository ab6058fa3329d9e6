"""The email the learning record sends: the confirmation of a completed
course, once per enrolment (the Notification key), and the sweep that catches
up on confirmations whose enqueue was lost. Both are safe to run twice."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.tasks import enqueue
from notifications.models import Notification
from notifications.sender import MAX_ATTEMPTS, deliver

from .models import Enrolment

SWEEP_WINDOW = timedelta(days=7)
SWEEP_CHUNK = 500


def completion_key(learner_id, enrolment_id):
    return f"course_completed:{learner_id}:{enrolment_id}"


def send_course_completed_email(enrolment_id):
    """The confirmation of a completed course, once per enrolment."""
    enrolment = (
        Enrolment.objects.select_related("learner", "course")
        .filter(pk=enrolment_id, completed_at__isnull=False)
        .first()
    )
    if enrolment is None or not enrolment.learner.email:
        return "nothing to send"
    course_url = settings.SITE_URL + (enrolment.course.url if enrolment.course else "/")
    return deliver(
        key=completion_key(enrolment.learner_id, enrolment.pk),
        kind=Notification.Kind.COURSE_COMPLETED,
        recipient=enrolment.learner,
        template="learners/emails/course_completed",
        subject=format_lazy(
            _("You have completed {course}"), course=enrolment.course_title
        ),
        context={
            "learner": enrolment.learner,
            "enrolment": enrolment,
            "course_url": course_url,
            "my_learning_url": settings.SITE_URL + reverse("learners:my_learning"),
        },
    )


def sweep_completion_emails():
    """Enqueue the completion emails of the last week that were never sent
    (an on-commit enqueue lost while the broker was down). Safe to run twice."""
    since = timezone.now() - SWEEP_WINDOW
    enqueued = 0
    recent = Enrolment.objects.filter(completed_at__gte=since).exclude(
        learner__email=""
    )
    for chunk_start in range(0, recent.count(), SWEEP_CHUNK):
        rows = list(
            recent.order_by("pk").values_list("pk", "learner_id")[
                chunk_start : chunk_start + SWEEP_CHUNK
            ]
        )
        keys = {completion_key(learner_id, pk): pk for pk, learner_id in rows}
        # Sent, or given up after MAX_ATTEMPTS (kept as proof of the failure).
        done = set(
            Notification.objects.filter(key__in=keys)
            .filter(
                Q(status=Notification.Status.SENT)
                | Q(status=Notification.Status.FAILED, attempts__gte=MAX_ATTEMPTS)
            )
            .values_list("key", flat=True)
        )
        for key, pk in keys.items():
            if key not in done:
                enqueue("learners.send_course_completed_email", pk)
                enqueued += 1
    return enqueued
