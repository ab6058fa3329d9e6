"""A manager's "My team": the people in their scope and each person's
required training. Thin: parse, check access, call one function.

Access is the scope (`organisation.scope`): someone with nobody
in scope gets a 403 page; a person out of scope is a 404, whatever the id.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import team


class TeamFilterForm(forms.Form):
    """The filters of My team. The units offered are the manager's own."""

    enhet = forms.TypedChoiceField(
        label=_("Unit (with its sub-units)"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the units in the list.")},
    )
    forsenade = forms.BooleanField(
        label=_("Only people with overdue training"), required=False
    )

    def __init__(self, data, units):
        super().__init__(data)
        self.units = {unit.pk: unit for unit in units}
        top = min((unit.depth for unit in units), default=1)
        self.fields["enhet"].choices = [("", _("All my units"))] + [
            (unit.pk, "\u00a0\u00a0" * (unit.depth - top) + unit.name) for unit in units
        ]

    def filters(self):
        """The valid filters; an invalid one is left out (and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        unit_id = data.get("enhet") if "enhet" not in self.errors else None
        return {
            "unit": self.units.get(unit_id),
            "overdue_only": bool(data.get("forsenade")),
        }


def _no_team(request):
    return render(request, "reports/team_none.html", status=403)


@login_required
def team_list(request):
    today = timezone.localdate()
    people = team.team_scope(request.user, today)
    if not people.exists():
        return _no_team(request)
    units = team.scope_units(request.user, today)
    form = TeamFilterForm(request.GET, units)
    filters = form.filters()
    page = team.team_page(people, today, page_number=request.GET.get("sida"), **filters)
    return render(
        request,
        "reports/team.html",
        {
            "form": form,
            "units": units,
            "page": page,
            "filtered": any(filters.values()),
            "today": today,
        },
    )


@login_required
def team_person(request, profile_id):
    today = timezone.localdate()
    profile = get_object_or_404(
        team.team_scope(request.user, today).select_related("user", "unit"),
        pk=profile_id,
    )
    return render(
        request,
        "reports/team_person.html",
        {
            "profile": profile,
            "assignments": team.person_assignments(profile, today),
            "today": today,
        },
    )
