"""Wagtail admin: the messages given up (the relay refused them, or did not
take them within the retry period) among the people in one's scope, and
sending them again (POST only). HR administrators (`resend_notification`)."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.admin import rows_of_people_in_scope

from . import sender
from .models import Notification

SHOWN = 100


def can_send_again(user):
    return user.is_authenticated and user.has_perm("notifications.resend_notification")


def given_up_in_scope(user):
    return rows_of_people_in_scope(
        Notification.objects.filter(status=Notification.Status.FAILED),
        user,
        "recipient",
    )


@require_GET
def given_up_index(request):
    if not can_send_again(request.user):
        raise PermissionDenied
    rows = given_up_in_scope(request.user)
    labels = dict(Notification.Kind.choices)
    counts = Counter(rows.values_list("kind", flat=True))
    return render(
        request,
        "notifications/admin/given_up.html",
        {
            "kinds": [
                {"kind": kind, "label": labels.get(kind, kind), "count": count}
                for kind, count in sorted(counts.items())
            ],
            "total": sum(counts.values()),
            "latest": rows.select_related("recipient").order_by("-given_up_at", "-pk")[
                :SHOWN
            ],
            "shown": SHOWN,
        },
    )


@require_POST
def send_again(request):
    if not can_send_again(request.user):
        raise PermissionDenied
    rows = given_up_in_scope(request.user)
    kind = request.POST.get("kind", "")
    if kind:
        if kind not in Notification.Kind.values:
            messages.error(
                request, _("That is not a kind of message; nothing was sent.")
            )
            return redirect(reverse("messages_given_up"))
        rows = rows.filter(kind=kind)
    count = sender.send_again(rows)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s message will be sent again now.",
                "%(count)s messages will be sent again now.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("No given-up message was left to send again."))
    return redirect(reverse("messages_given_up"))
