"""A learner's own notifications; a manager's "remind now". Thin: check
access, call one action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notifications.models import Notification
from organisation.models import StaffProfile
from organisation.scope import scope_of

from .actions import remind_now
from .models import NotificationItem


@login_required
def my_notifications(request):
    """What the platform has sent the person, newest first: the proof that
    they were told, as they see it."""
    sent = (
        Notification.objects.filter(
            recipient=request.user, status=Notification.Status.SENT
        )
        .prefetch_related(
            Prefetch(
                "items",
                queryset=NotificationItem.objects.order_by("due_date", "course_title"),
            )
        )
        .order_by("-sent_at", "-pk")
    )
    page = Paginator(sent, 20).get_page(request.GET.get("sida"))
    return render(request, "reminders/notifications.html", {"page": page})


def _profiles_in_scope(user):
    people = scope_of(user).people()
    if not people.exists():
        raise PermissionDenied
    return people


@login_required
@require_POST
def remind_person(request, profile_id):
    scope = _profiles_in_scope(request.user)
    profile = get_object_or_404(scope, pk=profile_id)
    reminded, _skipped = remind_now(
        request.user, StaffProfile.objects.filter(pk=profile.pk)
    )
    if reminded:
        messages.success(
            request,
            _("A reminder is on its way to %(name)s.")
            % {"name": profile.user.get_full_name()},
        )
    else:
        messages.info(
            request,
            _(
                "%(name)s has already been reminded today, or has nothing to be "
                "reminded of."
            )
            % {"name": profile.user.get_full_name()},
        )
    return redirect("reports:team_person", profile.pk)


@login_required
@require_POST
def remind_overdue(request):
    scope = _profiles_in_scope(request.user)
    reminded, skipped = remind_now(request.user, scope, overdue_only=True)
    if reminded:
        messages.success(
            request,
            ngettext(
                "A reminder is on its way to %(count)s person with overdue training.",
                "Reminders are on their way to %(count)s people with overdue training.",
                reminded,
            )
            % {"count": reminded},
        )
    elif skipped:
        # Never "on the way to 0 people": say why nobody was reminded.
        messages.info(
            request,
            _(
                "Nobody needed a reminder: everyone with overdue training has "
                "already been reminded today."
            ),
        )
    else:
        messages.info(
            request, _("Nobody needed a reminder: nobody has overdue training.")
        )
    return redirect("reports:team")
