"""Wagtail admin for the xAPI outbox.

- "Learning record stores": the destinations (a ModelViewSet). Creating one
  can attach the statements recorded before; saving one clears a pause and
  schedules a flush. The stored password is never shown back.
- "xAPI outbox": where each destination stands (backlog, sent, conflicts,
  refused, pause or backoff), from one aggregate query whatever the number of
  destinations and statements.
- Conflicts and refused statements, with the LRS's reason and the statement
  as sent, re-queueable (POST only; a GET never changes anything).
- The recent requests to one destination.
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Min
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

import core.converters  # noqa: F401  (registers <id:...>)
from core.admin import sees_city
from core.admin_labels import NewItemLabelViewSetMixin

from . import outbox
from .forms import (
    DESTINATION_FIELDS,
    DestinationCreateForm,
    DestinationEditForm,
    ProblemFilterForm,
)
from .models import LrsDestination, LrsRequest, Statement, StatementDelivery

PROBLEMS_PER_PAGE = 50
REQUESTS_SHOWN = 50

State = StatementDelivery.State


# --- Who may see and act ----------------------------------------------------------


# The outbox holds every learner's statements and the LRSs' credentials: the
# whole city at once, which no unit's scope can narrow (a statement names its
# learner only by an opaque id). So every xAPI page needs both the permission
# and the city's scope (central HR, superusers): a local coordinator given the
# permission by mistake still gets nothing.


def can_view_outbox(user):
    return (
        user.is_authenticated
        and (
            user.has_perm("xapi.view_statementdelivery")
            or user.has_perm("xapi.change_lrsdestination")
        )
        and sees_city(user)
    )


def can_requeue(user):
    return (
        user.is_authenticated
        and (
            user.has_perm("xapi.change_statementdelivery")
            or user.has_perm("xapi.change_lrsdestination")
        )
        and sees_city(user)
    )


def _require(allowed):
    if not allowed:
        raise PermissionDenied


# --- Destinations -----------------------------------------------------------------


def destination_state(destination, now=None):
    """(key, label) of what a destination is doing now, from its own fields.
    A pause needs an administrator, so it shows before "switched off"."""
    now = now or timezone.now()
    if destination.paused_at:
        return "paused", _("Paused")
    if not destination.enabled:
        return "off", _("Switched off")
    if destination.backoff_until and destination.backoff_until > now:
        return "backoff", _("Waiting to try again")
    return "sending", _("Sending")


class DestinationCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        include_history = self.form.cleaned_data["include_history"]
        self.attached = outbox.attach_destination(instance, include_history)
        return instance

    def get_success_message(self, instance):
        if self.attached:
            return ngettext(
                "The LRS “%(name)s” is added; %(count)s statement recorded "
                "before will be sent to it.",
                "The LRS “%(name)s” is added; %(count)s statements recorded "
                "before will be sent to it.",
                self.attached,
            ) % {"name": instance.name, "count": self.attached}
        return _("The LRS “%(name)s” is added.") % {"name": instance.name}


class DestinationEditView(EditView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        # The administrator has corrected what made the LRS refuse us.
        instance.paused_at = None
        instance.paused_reason = ""
        instance.failures = 0
        instance.backoff_until = None
        # Only the form's fields and the pause: the delivery updates the
        # others (last success, last error) concurrently.
        instance.save(
            update_fields=[
                *DESTINATION_FIELDS,
                "paused_at",
                "paused_reason",
                "failures",
                "backoff_until",
            ]
        )
        log(instance, "wagtail.edit", user=self.request.user)
        transaction.on_commit(outbox.schedule_flush)
        return instance

    def get_success_message(self):
        return _("The LRS “%(name)s” is saved; what is waiting will be sent to it.") % {
            "name": self.object.name
        }


def _state_column(destination):
    return destination_state(destination)[1]


class LrsDestinationViewSet(NewItemLabelViewSetMixin, ModelViewSet):
    pk_path_converter = "id"  # core.converters: no id beyond 64 bits
    model = LrsDestination
    icon = "site"
    menu_label = gettext_lazy("Learning record stores")
    new_item_label = gettext_lazy("New learning record store")
    add_to_settings_menu = True
    menu_order = 900
    url_prefix = "learning-record-stores"
    add_view_class = DestinationCreateView
    edit_view_class = DestinationEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "name",
        "endpoint",
        Column("state", label=gettext_lazy("State"), accessor=_state_column),
        "batch_size",
        "last_success_at",
    ]
    search_fields = ["name", "endpoint"]

    def get_form_class(self, for_update=False):
        return DestinationEditForm if for_update else DestinationCreateForm


# --- The outbox -------------------------------------------------------------------


def _counts_by_destination():
    """{destination id: {state: count, "oldest": oldest pending time}}, in one
    grouped query over the deliveries."""
    counts = {}
    rows = (
        StatementDelivery.objects.order_by()
        .values("destination_id", "state")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
    )
    for row in rows:
        figures = counts.setdefault(row["destination_id"], {})
        figures[row["state"]] = row["count"]
        if row["state"] == State.PENDING:
            figures["oldest"] = row["oldest"]
    return counts


def _age(moment, now):
    return timesince(moment, now, depth=1) if moment else ""


@require_GET
def outbox_index(request):
    _require(can_view_outbox(request.user))
    now = timezone.now()
    destinations = list(LrsDestination.objects.order_by("name"))
    counts = _counts_by_destination() if destinations else {}
    rows = []
    for destination in destinations:
        figures = counts.get(destination.pk, {})
        state, state_label = destination_state(destination, now)
        rows.append(
            {
                "destination": destination,
                "state": state,
                "state_label": state_label,
                "pending": figures.get(State.PENDING, 0),
                "oldest": figures.get("oldest"),
                "oldest_age": _age(figures.get("oldest"), now),
                "sent": figures.get(State.SENT, 0),
                "conflicts": figures.get(State.CONFLICT, 0),
                "refused": figures.get(State.DEAD, 0),
            }
        )
    waiting = None
    if not destinations:
        # No LRS: the outbox still fills (the demo runs like this).
        waiting = Statement.objects.aggregate(
            count=Count("pk"), oldest=Min("created_at")
        )
        waiting["oldest_age"] = _age(waiting["oldest"], now)
    return render(
        request,
        "xapi/outbox.html",
        {
            "rows": rows,
            "waiting": waiting,
            "can_add": request.user.has_perm("xapi.add_lrsdestination"),
            "can_change": request.user.has_perm("xapi.change_lrsdestination"),
        },
    )


# --- Conflicts and refused statements ---------------------------------------------


def _pretty(payload):
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
    except ValueError:
        return payload


def _problems_url(destination="", state=""):
    query = {
        key: value
        for key, value in (("destination", destination), ("state", state))
        if value
    }
    url = reverse("xapi_problems")
    return f"{url}?{urlencode(query)}" if query else url


@require_GET
def problem_index(request):
    _require(can_view_outbox(request.user))
    form = ProblemFilterForm(request.GET)
    deliveries = form.filter(
        StatementDelivery.objects.select_related("statement", "destination")
    ).order_by("-created_at", "-pk")
    page = Paginator(deliveries, PROBLEMS_PER_PAGE).get_page(request.GET.get("sida"))
    for delivery in page:
        delivery.pretty_payload = _pretty(delivery.statement.payload)
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "xapi/problems.html",
        {
            "form": form,
            "page": page,
            "filter_query": query.urlencode(),
            "can_requeue": can_requeue(request.user),
        },
    )


@require_POST
def problem_requeue(request):
    """Send conflicting or refused statements again: one (``delivery``) or all
    that the posted filter shows. Pending and sent ones are left alone."""
    _require(can_requeue(request.user))
    form = ProblemFilterForm(request.POST)
    if not form.is_valid():
        # A filter that no longer applies (a destination since deleted) must
        # not widen to everything.
        messages.error(request, _("The list has changed; nothing was sent again."))
        return redirect(reverse("xapi_problems"))
    deliveries = form.filter(StatementDelivery.objects.all())
    delivery = request.POST.get("delivery", "")
    if delivery:
        deliveries = (
            deliveries.filter(pk=int(delivery))
            if delivery.isdigit()
            else deliveries.none()
        )
    count = outbox.requeue(deliveries)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s statement is queued to be sent again.",
                "%(count)s statements are queued to be sent again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("There was nothing to send again."))
    return redirect(
        _problems_url(
            request.POST.get("destination", ""), request.POST.get("state", "")
        )
    )


# --- Requests to one destination --------------------------------------------------


@require_GET
def request_index(request, pk):
    _require(can_view_outbox(request.user))
    destination = get_object_or_404(LrsDestination, pk=pk)
    requests = LrsRequest.objects.filter(destination=destination).order_by(
        "-started_at", "-pk"
    )[:REQUESTS_SHOWN]
    return render(
        request,
        "xapi/requests.html",
        {
            "destination": destination,
            "requests": list(requests),
            "shown": REQUESTS_SHOWN,
        },
    )
