"""The xAPI outbox: every learning event as a statement, and its delivery.

A `Statement` is written in the same transaction as the event it records
(`xapi.outbox.record`), under a UUID derived from the event, with its
JSON stored once and sent exactly as stored. Delivery state is kept per
(statement, destination) in `StatementDelivery`, so one Learning Record Store
being down or refusing a statement holds up nothing for another. Each HTTP
request to a destination is logged as an `LrsRequest` (which statements it
carried is counted on the deliveries: `attempts`).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_opaque_id():
    """A person's xAPI account name: random, says nothing about who they are."""
    return secrets.token_hex(16)


# The largest batch an administrator may configure. Ralph and most LRSs take
# far more; larger batches only make a rejected batch costlier to split.
MAX_BATCH_SIZE = 1000


class LrsDestination(models.Model):
    """A Learning Record Store that receives every statement.

    The password is stored for sending and never shown back (the admin form
    leaves it out). A destination that answers 401 or 403 is paused and the
    administrators are alerted; saving it again (new credentials) resumes it.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    endpoint = models.URLField(
        _("endpoint"),
        max_length=500,
        help_text=_(
            "The LRS's xAPI base address, for example "
            "https://lrs.example.se/xAPI/ (statements are sent to its "
            "statements resource)."
        ),
    )
    username = models.CharField(_("username"), max_length=200, blank=True)
    password = models.CharField(_("password"), max_length=500, blank=True)
    enabled = models.BooleanField(
        _("sending switched on"),
        default=True,
        help_text=_(
            "Switched off, statements still queue for this LRS and are sent "
            "when it is switched on again."
        ),
    )
    batch_size = models.PositiveSmallIntegerField(
        _("statements per request"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH_SIZE)],
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_reason = models.TextField(_("why it was paused"), blank=True)
    backoff_until = models.DateTimeField(_("next try at"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("learning record store")
        verbose_name_plural = _("learning record stores")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def statements_url(self):
        return self.endpoint.rstrip("/") + "/statements"

    def may_send(self, now=None):
        now = now or timezone.now()
        return (
            self.enabled
            and self.paused_at is None
            and (self.backoff_until is None or self.backoff_until <= now)
        )


class Statement(models.Model):
    """One xAPI statement, stored once, exactly as it is sent."""

    id = models.UUIDField(_("statement id"), primary_key=True, editable=False)
    verb = models.CharField(_("verb"), max_length=40)
    payload = models.TextField(_("statement (JSON)"))
    # Who it is about, for a data subject's request; never sent (the payload
    # names the person only by their opaque id).
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.verb} {self.id}"


class StatementDelivery(models.Model):
    """Where one statement stands with one destination."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        CONFLICT = "conflict", _("Conflict")
        DEAD = "dead", _("Refused")

    statement = models.ForeignKey(
        Statement,
        verbose_name=_("statement"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    destination = models.ForeignKey(
        LrsDestination,
        verbose_name=_("learning record store"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # How many requests carried this statement: more than one is a resend.
    attempts = models.PositiveIntegerField(_("requests"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The statement's time, copied: the backlog's oldest item by index alone.
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("statement delivery")
        verbose_name_plural = _("statement deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "destination"], name="one_delivery_per_lrs"
            )
        ]
        indexes = [
            # The flush's claim and the backlog figures read only pending rows.
            models.Index(
                fields=["destination", "created_at"],
                condition=Q(state="pending"),
                name="xapi_pending_idx",
            ),
            models.Index(
                fields=["destination", "state"],
                condition=Q(state__in=["conflict", "dead"]),
                name="xapi_problem_idx",
            ),
        ]

    def __str__(self):
        return f"{self.statement_id} → {self.destination_id}: {self.state}"


class LrsRequest(models.Model):
    """One HTTP request to a destination: when, how many statements, what came
    back. Kept 30 days (the outbox sweep prunes)."""

    destination = models.ForeignKey(
        LrsDestination,
        verbose_name=_("learning record store"),
        on_delete=models.CASCADE,
        related_name="requests",
    )
    started_at = models.DateTimeField(_("at"), default=timezone.now)
    statements = models.PositiveIntegerField(_("statements"))
    status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("LRS request")
        verbose_name_plural = _("LRS requests")
        indexes = [models.Index(fields=["destination", "started_at"])]

    def __str__(self):
        return f"{self.destination_id} {self.started_at:%Y-%m-%d %H:%M:%S}"


class LearnerPseudonym(models.Model):
    """The xAPI account name of a person without a staff profile (an
    administrator, a demo account): staff are named by their profile's
    `opaque_id`; everyone else gets one of these, just as random."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="xapi_pseudonym",
    )
    opaque_id = models.CharField(
        _("opaque id"), max_length=32, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("pseudonym")
        verbose_name_plural = _("pseudonyms")

    def __str__(self):
        return self.opaque_id
