"""What the audit log's events say: one sentence per kind of summary, kept as
its English msgid and said in the reader's language when the log is read.

An event stores the key of its sentence and the values that fill it
(`AuditEvent.summary_key`, `summary_values`), never only a sentence in the
language of the session that wrote it: the log is read by Swedish and English
administrators alike, and a sentence translated at write time is in one
language for good. The event's `summary` keeps the sentence in the site's
language too, for searching and for a key this module no longer has; events
written before keys existed have only that.

A key, once used, stays: old events still ask for it. Its sentence may be
reworded (old events then read the new wording), but keep its placeholders.
"""

from django.utils.translation import gettext, gettext_noop

SUMMARIES = {
    # assignments
    "rule_created": gettext_noop("Created the rule “%(rule)s”"),
    "rule_changed": gettext_noop("Changed the rule “%(rule)s”"),
    "rule_activated": gettext_noop("Activated the rule “%(rule)s”"),
    "rule_deactivated": gettext_noop("Deactivated the rule “%(rule)s”"),
    "rule_deleted": gettext_noop("Deleted the rule “%(rule)s”"),
    "exempted": gettext_noop("Exempted %(person)s from “%(course)s”"),
    "exemption_ended": gettext_noop("Ended the exemption of %(person)s"),
    "retake": gettext_noop("Required %(count)s people to retake “%(course)s”"),
    # reminders
    "reminded": gettext_noop("Reminded %(count)s people of their required training"),
    # organisation: the HR import (units and staff alike)
    "hr_import": gettext_noop(
        "%(rows)s rows: %(created)s created, %(changed)s changed, "
        "%(moved)s moved, %(deactivated)s deactivated, "
        "%(reactivated)s reactivated, %(errors)s bad rows, "
        "%(warnings)s warnings."
    ),
    # learners: past completions imported, one recorded by hand
    "history_import": gettext_noop(
        "%(rows)s rows: %(to_record)s to record, %(already_recorded)s "
        "already recorded, %(errors)s bad rows, %(warnings)s warnings."
    ),
    "completion_recorded": gettext_noop(
        "%(course)s completed on %(date)s by %(person)s"
    ),
    # reports
    "report": gettext_noop("Report: %(scope)s"),
    "report_all": gettext_noop("Report: all in scope"),
    # accounts
    "signed_in": gettext_noop("%(username)s signed in"),
    "sign_in_failed": gettext_noop("A failed sign-in as %(username)s"),
    "signed_out": gettext_noop("%(username)s signed out"),
    "locked_account": gettext_noop(
        "Sign-in locked for %(username)s after wrong passwords"
    ),
    "locked_address": gettext_noop(
        "Sign-in locked from the address %(address)s after wrong passwords"
    ),
    "lockout_lifted": gettext_noop("Lifted the lockout of %(what)s"),
    "sso_refused": gettext_noop("Sign-in with the city's account refused (%(reason)s)"),
    "sso_refused_for": gettext_noop(
        "Sign-in with the city's account refused for %(username)s (%(reason)s)"
    ),
    "two_factor_failed": gettext_noop("A wrong second-factor code for %(username)s"),
    "two_factor_enrolled": gettext_noop("%(username)s enrolled an authenticator app"),
}


def summary_values(values):
    """`values` as they are stored (JSON): numbers stay numbers, anything
    else (a page, a lazy string) becomes its text."""
    return {
        name: value if isinstance(value, int | float) else str(value)
        for name, value in (values or {}).items()
    }


def say(key, values):
    """The summary `key` filled with `values`, in the active language; None
    if the key is unknown or the sentence does not fit the values."""
    sentence = SUMMARIES.get(key)
    if sentence is None:
        return None
    try:
        return gettext(sentence) % values
    except (KeyError, TypeError, ValueError):
        return None
