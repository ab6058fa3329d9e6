"""The city's organisation: units, staff profiles, delegations, the audit log.

Rows are written by the HR import (`organisation.hr_import`) and the admin;
who may see whom is decided in `organisation.scope`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from xapi.models import new_opaque_id

from . import audit
from .querysets import OrgUnitManager, StaffProfileQuerySet


class OrgUnit(MP_Node):
    """A unit of the city's organisation: administration → department → unit."""

    hr_code = models.CharField(_("HR code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
    )
    active = models.BooleanField(_("active"), default=True)

    node_order_by = ["name"]

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """One per member of staff, kept in step with the HR system by the import.

    Whether a person may log in is `user.is_active` (one source of truth).
    """

    class Language(models.TextChoices):
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    class HrRole(models.TextChoices):
        NONE = "", _("None")
        COORDINATOR = "coordinator", _("Local competence coordinator")
        CENTRAL = "central", _("Central HR")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    employee_number = models.CharField(_("employee number"), max_length=40, unique=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    line_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("line manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    on_leave_until = models.DateField(_("on leave until"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=Language.choices,
        default=Language.SWEDISH,
    )
    # The xAPI account name: says nothing about who the person is.
    opaque_id = models.CharField(
        _("opaque id"),
        max_length=32,
        unique=True,
        default=new_opaque_id,
        editable=False,
    )
    hr_role = models.CharField(
        _("HR role"), max_length=20, choices=HrRole.choices, default="", blank=True
    )
    coordinator_of = models.ForeignKey(
        OrgUnit,
        verbose_name=_("coordinator for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For a local competence coordinator: their administration."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StaffProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        indexes = [models.Index(fields=["unit"]), models.Index(fields=["job_title"])]

    def __str__(self):
        return f"{self.user.get_full_name()} ({self.employee_number})"


class UnitDelegation(models.Model):
    """A unit delegated to a deputy or an assistant for a period: they see it
    (with its subtree) as its head does, from `valid_from` to `valid_until`."""

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="unit_delegations",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (inclusive)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    wagtail_reference_index_ignore = True  # a record, not content

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="delegation_period_in_order",
            )
        ]

    def __str__(self):
        delegate = self.delegate.get_full_name() or self.delegate.get_username()
        return f"{self.unit} → {delegate} ({self.valid_from}–{self.valid_until})"


class AuditEventManager(models.Manager):
    def record(self, action, summary_key, values=None, *, actor=None, details=None):
        """Append an event whose summary is the sentence `summary_key` of
        `organisation.audit` filled with `values`: each reader reads it in
        their own language. Its `summary` is the sentence in the site's
        language (for search, and should the key ever go)."""
        if summary_key not in audit.SUMMARIES:
            raise KeyError(f"no audit summary {summary_key!r}")
        values = audit.summary_values(values)
        with translation.override(settings.LANGUAGE_CODE):
            text = audit.say(summary_key, values)
        if text is None:
            raise ValueError(f"the values do not fit the summary {summary_key!r}")
        return self.create(
            actor=actor,
            action=action,
            summary=text[:500],
            summary_key=summary_key,
            summary_values=values,
            details=details or {},
        )


class AuditEvent(models.Model):
    """Who did what: imports, rule changes, manual records, report views and
    exports. Append-only; HR reads it in the admin. Written with
    `AuditEvent.objects.record`, so that its summary is read in the reader's
    language (`organisation.audit`)."""

    class Action(models.TextChoices):
        IMPORT_UNITS = "import_units", _("Imported units")
        IMPORT_STAFF = "import_staff", _("Imported staff")
        IMPORT_HISTORY = "import_history", _("Imported past completions")
        MANUAL_RECORD = "manual_record", _("Recorded training done elsewhere")
        RULE_CHANGE = "rule_change", _("Changed an assignment rule")
        EXEMPTION = "exemption", _("Exempted a person from a course")
        RETAKE = "retake", _("Required a course to be taken again")
        REMIND = "remind", _("Sent a reminder")
        DELEGATION = "delegation", _("Delegated a unit")
        VIEW_REPORT = "view_report", _("Viewed a report")
        EXPORT_REPORT = "export_report", _("Exported a report")
        # Sign-in (accounts): ASVS V16, every authentication decision logged.
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed to sign in")
        SIGN_OUT = "sign_out", _("Signed out")
        LOCKOUT = "lockout", _("Locked out after wrong passwords")
        LOCKOUT_LIFTED = "lockout_lifted", _("Lifted a lockout")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Enrolled a second factor")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Gave a wrong second factor")
        SSO_REFUSED = "sso_refused", _("Refused a sign-in with the city's account")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("what"), max_length=30, choices=Action.choices)
    summary = models.CharField(_("summary"), max_length=500)
    # The sentence (a key of organisation.audit.SUMMARIES) and what fills it:
    # translated when read. Empty in events written before #15.
    summary_key = models.CharField(_("kind of summary"), max_length=40, blank=True)
    summary_values = models.JSONField(
        _("values of the summary"), default=dict, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AuditEventManager()

    # Records, not content: Wagtail's "usage" index need not track them, and
    # writes stay cheap (an index update per certificate at city scale).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "-created_at"])]

    def __str__(self):
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.get_action_display()}: {self.get_summary_display()}"

    def get_summary_display(self):
        """The summary in the active language; as it was written for an event
        from before summaries had keys (Wagtail's listing and inspect view
        show this instead of the field)."""
        if self.summary_key:
            text = audit.say(self.summary_key, self.summary_values)
            if text is not None:
                return text
        return self.summary
