"""The admin's words of #15 in the browser, in Swedish: the delivery log, the
reminders sent, the audit log and a new category pass axe-core's WCAG 2.1 AA
rules; and Wagtail's own scripts find a Swedish word for every message they
show on our editors and the account page.

Wagtail 8's scripts translate through Django's JavaScript catalogue (the
`djangojs` domain, `django.gettext`), and its Swedish lacks a dozen messages
(autosave, Draftail's toolbar pin, the block chooser's search, the checks
panel's readability and reading time, the time zone's label). The test wraps
`django.gettext`/`ngettext` before the catalogue loads and lists every
message asked for that the catalogue does not have. The Swedish comes from
locale_overrides/sv/LC_MESSAGES/djangojs.po (the lead's, #15).
"""

import pytest
from django.urls import reverse
from wagtail.users.models import UserProfile

from notifications.models import Notification
from organisation.models import AuditEvent
from reminders.models import NotificationItem
from tests.browser.helpers import admin_log_in, assert_no_axe_violations
from tests.factories import LessonPageFactory, UserFactory, publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Runs before any script of the page: `django` is a proxy whose gettext
# functions, once the catalogue defines them, note each msgid it lacks.
RECORD_UNTRANSLATED = """
(() => {
  const missing = (window.__untranslated = new Set());
  const target = {};
  const known = (msgid) => target.catalog && msgid in target.catalog;
  const watched = {
    gettext: (msgid) => msgid,
    ngettext: (singular) => singular,
    pgettext: (context, msgid) => `${context}\\u0004${msgid}`,
  };
  globalThis.django = new Proxy(target, {
    set(object, name, value) {
      if (typeof value === "function" && name in watched) {
        const original = value;
        value = function (...args) {
          const msgid = watched[name](...args);
          if (!known(msgid)) missing.add(msgid);
          return original.apply(this, args);
        };
      }
      object[name] = value;
      return true;
    },
  });
})();
"""


def swedish_superuser():
    user = UserFactory(
        username="root",
        first_name="Rut",
        last_name="Rot",
        is_superuser=True,
        is_staff=True,
    )
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "sv"
    profile.save()
    return user


def untranslated(page):
    return sorted(page.evaluate("() => [...window.__untranslated]"))


def test_the_delivery_and_audit_logs_pass_axe_in_swedish(new_page):
    swedish_superuser()
    alma = UserFactory(username="user-7731", first_name="Alma", last_name="Ahlström")
    message = Notification.objects.create(
        key="reminders:user-7731:0", kind=Notification.Kind.REMINDERS, recipient=alma
    )
    reminder = NotificationItem.objects.create(
        notification=message,
        key="item:user-7731:0",
        trigger=NotificationItem.Trigger.BEFORE,
        person=alma,
        course_title="Brandskydd",
    )
    event = AuditEvent.objects.record(
        AuditEvent.Action.REMIND, "reminded", {"count": 1}, actor=alma
    )
    page = new_page()
    admin_log_in(page, "root")
    for label, url in [
        ("sent messages", reverse("sent_messages:index")),
        ("a sent message", reverse("sent_messages:inspect", args=[message.pk])),
        ("reminders sent", reverse("reminders_sent:index")),
        ("a reminder sent", reverse("reminders_sent:inspect", args=[reminder.pk])),
        ("the audit log", reverse("audit_log:index")),
        ("an audit event", reverse("audit_log:inspect", args=[event.pk])),
        ("a new category", reverse("wagtailsnippets_courses_category:add")),
    ]:
        page.goto(url)
        assert "user-7731" not in page.content(), label
        assert_no_axe_violations(page, label)


def test_wagtails_scripts_find_their_swedish_on_our_editor(new_page, course):
    swedish_superuser()
    lesson = publish(LessonPageFactory(parent=course, title="Brandfilten"))
    page = new_page()
    page.context.add_init_script(RECORD_UNTRANSLATED)
    admin_log_in(page, "root")

    page.goto(f"/admin/pages/{lesson.pk}/edit/")
    # Draftail's toolbar (pin, unpin) and the block chooser's search.
    page.locator("[data-contentpath=body] .c-sf-add-button").first.click()
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("Escape")
    # An edit: autosaved, and the editor says so. Wagtail takes the form's
    # first snapshot 2 s after the editor loads; changes before do not count.
    page.wait_for_timeout(2500)
    with page.expect_response(
        lambda response: (
            response.request.method == "POST"
            and f"/admin/pages/{lesson.pk}/edit/" in response.url
        )
    ):
        page.locator("#id_title").fill("Brandfilten i köket")
    page.wait_for_function(
        "() => document.querySelector('#w-autosave-indicator').innerText.trim()"
    )
    # The checks panel: the previewed page's reading time and readability.
    page.locator('[data-side-panel-toggle="checks"]').first.click()
    page.wait_for_function(
        "() => document.querySelector('[data-content-readability-score]')"
        ".innerText.trim() !== '-'"
    )
    on_editor = untranslated(page)

    page.goto("/admin/account/")
    page.wait_for_load_state("networkidle")
    on_account = untranslated(page)

    assert on_editor == [], on_editor
    assert on_account == [], on_account
