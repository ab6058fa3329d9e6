"""Background work for the learning record.

Every task takes ids, reloads, returns early if the work is already done and
is safe to run twice: the Notification key is unique, and a message is sent by
claim → send → mark sent, so a crash can at worst repeat the one message in
flight, with the same Message-ID.
"""

import logging
import os
import signal
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Certificate, Enrolment, Notification

logger = logging.getLogger(__name__)

# A claim older than this is taken to be from a worker that died mid-send.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SWEEP_WINDOW = timedelta(days=7)
SWEEP_CHUNK = 500


def completion_key(learner_id, enrolment_id):
    return f"course_completed:{learner_id}:{enrolment_id}"


def _claim(notification_id):
    """Atomically take the notification for sending; False if someone else has
    it, or it is already sent or given up."""
    now = timezone.now()
    return bool(
        Notification.objects.filter(pk=notification_id, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status__in=[Notification.Status.PENDING, Notification.Status.FAILED])
            | Q(status=Notification.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .update(
            status=Notification.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )


def language_of(user):
    """The recipient's preferred language, else the site's default."""
    profile = getattr(user, "staff_profile", None)
    return getattr(profile, "preferred_language", "") or settings.LANGUAGE_CODE


def deliver(*, key, kind, recipient, template, context, subject):
    """Send one message once: get or create its Notification by key, claim it,
    send it with a Message-ID derived from the key, mark it sent.

    `subject` is a lazy or plain string rendered in the recipient's language;
    `template` names emails/<template>.txt and .html. Returns what happened.
    """
    notification, _created = Notification.objects.get_or_create(
        key=key, defaults={"kind": kind, "recipient": recipient}
    )
    if notification.status == Notification.Status.SENT:
        return "already sent"
    if not _claim(notification.pk):
        return "claimed elsewhere"
    return send_claimed(notification, recipient, template, context, subject)


def crash_point(name):
    """Fault injection for the integration tests, and nothing else: when
    KOMPETENS_CRASH_AT names this point, the worker process is killed here
    (SIGKILL, once: a marker file records it), as a power cut would."""
    wanted = os.environ.get("KOMPETENS_CRASH_AT")
    if wanted != name:
        return
    marker = os.environ.get("KOMPETENS_CRASH_MARKER", "")
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return  # killed once already
        os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


def send_claimed(notification, recipient, template, context, subject):
    """Render in the recipient's language, send, mark sent. The caller holds
    the claim. A failure is recorded on the notification and raised."""
    with translation.override(language_of(recipient)):
        subject = str(subject)
        context = {**context, "subject": subject}
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={"Message-ID": notification.message_id},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED, last_error=repr(exc)[:2000]
        )
        logger.warning("Email %s failed: %r", notification.key, exc)
        raise
    crash_point("after_accept")
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        subject=subject[:255],
        last_error="",
    )
    crash_point("after_mark")
    return "sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_course_completed_email(enrolment_id):
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
        template="course_completed",
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


@shared_task(ignore_result=True)
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
                send_course_completed_email.delay(pk)
                enqueued += 1
    return enqueued


@shared_task(acks_late=True, ignore_result=True)
def reevaluate_course_completions(course_id):
    from .actions import reevaluate_course_completions as reevaluate

    return reevaluate(course_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def render_certificate_pdf(certificate_id):
    """Render the certificate's PDF once. Safe to run twice: a certificate
    that has its PDF is left alone (the record itself never changes)."""
    from .certificates import render_pdf

    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        return "no such certificate"
    if certificate.pdf:
        return "already rendered"
    content = render_pdf(certificate)
    # Only the file field is written; the record's dates and code never are.
    name = certificate.pdf.storage.save(
        certificate.pdf.field.generate_filename(
            certificate, f"intyg-{certificate.code}.pdf"
        ),
        ContentFile(content),
    )
    if not Certificate.objects.filter(pk=certificate.pk, pdf="").update(pdf=name):
        certificate.pdf.storage.delete(name)  # another worker was first
        return "already rendered"
    return "rendered"


@shared_task(ignore_result=True)
def sweep_certificate_pdfs():
    """Catch-up: render certificates whose PDF is still missing a few minutes
    after issue (an enqueue lost, a render failed). Safe to run twice."""
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(
        Certificate.objects.filter(pdf="", issued_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:SWEEP_CHUNK]
    )
    for certificate_id in ids:
        render_certificate_pdf.delay(certificate_id)
    return len(ids)


INVITATION_CHUNK = 200


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitations(user_ids):
    """Fan out: small tasks of a few hundred invitations each."""
    for start in range(0, len(user_ids), INVITATION_CHUNK):
        send_invitation_chunk.delay(user_ids[start : start + INVITATION_CHUNK])
    return len(user_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitation_chunk(user_ids):
    for user_id in user_ids:
        send_invitation(user_id)


@shared_task(ignore_result=True)
def sweep_invitations():
    """Invitations for people imported in the last week that never went out
    (an enqueue lost, a worker killed): safe to run twice, the key decides."""
    from django.contrib.auth import get_user_model

    since = timezone.now() - SWEEP_WINDOW
    sent = Notification.objects.filter(
        kind=Notification.Kind.INVITATION, status=Notification.Status.SENT
    ).values("recipient_id")
    ids = list(
        get_user_model()
        .objects.filter(
            is_active=True,
            last_login__isnull=True,
            staff_profile__created_at__gte=since,
        )
        .exclude(email="")
        .exclude(pk__in=sent)
        .values_list("pk", flat=True)
    )
    if ids:
        send_invitations.delay(ids)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_invitation(user_id):
    """The invitation with a set-password link, once per person."""
    from django.contrib.auth import get_user_model

    from .invitations import set_password_url

    user = (
        get_user_model()
        .objects.select_related("staff_profile")
        .filter(pk=user_id, is_active=True)
        .exclude(email="")
        .first()
    )
    if user is None:
        return "nothing to send"
    return deliver(
        key=f"invitation:{user.pk}",
        kind=Notification.Kind.INVITATION,
        recipient=user,
        template="invitation",
        subject=_("Welcome to Kompetens: set your password"),
        context={
            "user": user,
            "set_password_url": set_password_url(user),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "site_url": settings.SITE_URL,
        },
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def evaluate_course_assignments(course_id):
    """One course's assignments brought in step with its rules (idempotent)."""
    from .actions.assignments import evaluate_course

    counts = evaluate_course(course_id).counts()
    if any(n for kind, n in counts.items() if kind != "matched"):
        # Assignments changed: the reports' precomputed counts follow. A
        # sweep's many courses end in one or two refreshes (see the task).
        request_report_counts_refresh()
    return counts


@shared_task(ignore_result=True)
def sweep_assignments():
    """Nightly, and after every HR import: every course with rules or open
    assignments is re-evaluated in its own small task — catch-up for people
    who entered an audience, withdrawal for those who left it, renewals that
    fall due, leave and ended exemptions."""
    from .actions.assignments import courses_to_evaluate

    course_ids = courses_to_evaluate()
    for course_id in course_ids:
        evaluate_course_assignments.delay(course_id)
    # After an import people may have moved or left without any assignment
    # changing: the report counts are refreshed in any case (queued after
    # the courses' tasks).
    request_report_counts_refresh()
    return len(course_ids)


# --- Report counts -----------------------------------------------------------


def request_report_counts_refresh():
    """Ask for a refresh of the reports' precomputed counts that includes
    everything committed until now."""
    refresh_report_counts.delay(requested_at=timezone.now().isoformat())


@shared_task(ignore_result=True)
def refresh_report_counts(requested_at=None):
    """Refresh the materialized views the big report overviews read: every 5
    minutes from beat, and after imports and assignment changes. Safe to run
    twice: with `requested_at` it returns early when a refresh begun after
    that moment has finished; a plain run just refreshes again."""
    from datetime import datetime

    from .reports import refresh_counts

    moment = datetime.fromisoformat(requested_at) if requested_at else None
    refreshed = refresh_counts(moment)
    return refreshed.isoformat() if refreshed else None


# A build that runs longer than this is stopped; the sweep then marks it
# failed (the person is told and can ask again). The whole city's XLSX takes
# about a minute.
REPORT_EXPORT_TIME_LIMIT = 15 * 60


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=REPORT_EXPORT_TIME_LIMIT,
    time_limit=REPORT_EXPORT_TIME_LIMIT + 60,
)
def build_report_export(export_id):
    """Build a report export asked for on the people list (too big for the
    request) and mail its link. A second delivery finds it claimed."""
    from .report_exports import build

    return build(export_id)


@shared_task(ignore_result=True)
def sweep_report_exports():
    from .report_exports import sweep

    return sweep()


# --- Reminders ---------------------------------------------------------------

REMINDER_KINDS = [
    Notification.Kind.REMINDERS,
    Notification.Kind.DIGEST,
    Notification.Kind.MANAGER_DIGEST,
    Notification.Kind.MANUAL,
]
# A backlog waiting for the window or the rate limit is handed out again only
# after this long; the claim makes a second hand-out harmless anyway.
ENQUEUE_LEASE = timedelta(minutes=30)
SEND_CHUNK = 50
SWEEP_MINUTES = 10  # the beat entry's period
MAX_BACKOFF_SECONDS = 600  # well under the broker's visibility timeout


@shared_task(ignore_result=True)
def sweep_reminders(day=None):
    """Plan the day's reminders (once: the keys decide) and hand what may be
    sent now to the workers, in small chunks by id. Run by beat every ten
    minutes; `manage.py send_reminders` runs the same by hand."""
    from datetime import date

    from .reminders import is_sending_day, plan_day, policy, store_plan

    rules = policy()
    today = date.fromisoformat(day) if day else timezone.localdate()
    if is_sending_day(today, rules):
        # Not on days without a window: a weekend's reminders would arrive
        # on Monday beside Monday's. The keys' periods catch them up instead.
        store_plan(plan_day(today, rules))
    return enqueue_pending_reminders(rules)


def enqueue_pending_reminders(rules, now=None):
    from .reminders import in_sending_window

    now = now or timezone.now()
    if not in_sending_window(now, rules):
        return 0
    # No more than the rate limit lets out before the next sweep: a backlog
    # waits in the database, not as tasks churning against the limiter.
    budget = rules.rate_per_minute * SWEEP_MINUTES
    ids = list(
        Notification.objects.filter(kind__in=REMINDER_KINDS, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status__in=[Notification.Status.PENDING, Notification.Status.FAILED])
            | Q(status=Notification.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_LEASE))
        .order_by("pk")
        .values_list("pk", flat=True)[:budget]
    )
    for start in range(0, len(ids), SEND_CHUNK):
        chunk = ids[start : start + SEND_CHUNK]
        Notification.objects.filter(pk__in=chunk).update(enqueued_at=now)
        send_reminders.delay(chunk)
    return len(ids)


class RateLimited(Exception):
    pass


def take_send_token(rules, now=None):
    """One message from the per-minute budget shared by every worker (a
    counter per minute in Redis). False when the minute's budget is spent."""
    from .ratelimit import take

    return take("reminders", rules.rate_per_minute, now=now)


TRANSIENT_SMTP_ERRORS = (OSError, TimeoutError)


def _is_transient(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(exc, (*TRANSIENT_SMTP_ERRORS, smtplib.SMTPServerDisconnected))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_reminders(self, notification_ids, failures=0):
    """Send a chunk of reminder messages, one by one, within the sending
    window and the rate limit. What cannot go now is handed back: the rest of
    the chunk is retried after the minute (rate limit) or with backoff (mail
    relay down), never with a countdown longer than the visibility timeout."""
    from .reminders import in_sending_window, policy

    rules = policy()

    def hand_back(rest, countdown, failures):
        if self.request.is_eager or settings.CELERY_TASK_ALWAYS_EAGER:
            # In-process (unit tests, no broker): nothing can wait; the next
            # sweep hands them out again.
            Notification.objects.filter(pk__in=rest).update(enqueued_at=None)
        else:
            # Still handed out: the next sweep leaves them to this task.
            Notification.objects.filter(pk__in=rest).update(enqueued_at=timezone.now())
            send_reminders.apply_async((rest, failures), countdown=countdown)

    for index, notification_id in enumerate(notification_ids):
        rest = notification_ids[index:]
        if not in_sending_window(timezone.now(), rules):
            # Outside the window: back to the pile for the next sweep in it.
            Notification.objects.filter(pk__in=rest).update(enqueued_at=None)
            return "outside the sending window"
        done = Notification.objects.filter(
            pk=notification_id,
            status__in=[Notification.Status.SENT, Notification.Status.NOT_SENT],
        )
        if done.exists():
            continue  # a copy of the task was faster: no token spent on it
        if not take_send_token(rules):
            hand_back(rest, 61 - timezone.now().second, failures)
            return "rate limited"
        try:
            send_reminder_message(notification_id)
        except (smtplib.SMTPException, OSError) as exc:
            if not _is_transient(exc):
                continue  # recorded as failed; the next one goes on
            hand_back(rest, min(30 * 2**failures, MAX_BACKOFF_SECONDS), failures + 1)
            return "mail relay unavailable"
    return "done"


def send_reminder_message(notification_id):
    """Claim → send → mark sent, for one reminder message."""
    notification = (
        Notification.objects.select_related("recipient__staff_profile")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status in (
        Notification.Status.SENT,
        Notification.Status.NOT_SENT,
    ):
        return "nothing to do"
    crash_point("before_claim")
    if not _claim(notification.pk):
        return "claimed elsewhere"
    crash_point("after_claim")
    from .reminder_messages import compose

    recipient = notification.recipient
    composed = compose(notification)
    if composed is None or not recipient.is_active or not recipient.email:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.NOT_SENT,
            last_error="Nothing left to remind of, or no active recipient.",
        )
        return "not sent"
    template, subject, context = composed
    try:
        return send_claimed(notification, recipient, template, context, subject)
    except Exception as exc:
        if _is_transient(exc):
            # The relay, not the message: this try does not count.
            Notification.objects.filter(pk=notification.pk).update(
                status=Notification.Status.PENDING, attempts=F("attempts") - 1
            )
        raise


# The xAPI outbox's tasks live with the outbox; importing them here lets the
# worker's autodiscovery (which imports `learners.tasks`) register them.
from .xapi.tasks import flush_outbox, send_lrs_alert, sweep_outbox  # noqa: E402, F401
