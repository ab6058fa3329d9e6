"""What several apps' admin views share: the read-only policy of a log, and
admin viewsets of people's rows scoped like the reports.

Who may see whom is decided in `organisation.scope`, which sits above the
apps whose logs are here too (notifications, xapi): it tells them through
the `SCOPE_OF_USER` Wagtail hook, which it registers. Without the hook
(never in the project) nobody but a superuser sees anyone: closed, not open.
"""

import datetime
from functools import update_wrapper
from operator import attrgetter

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy

# fn(user) -> the user's Scope (organisation.scope.Scope): `is_city`,
# `is_empty`, `user_q(prefix)` (a Q for rows whose user, reached by
# `prefix`, is in scope).
SCOPE_OF_USER = "scope_of_user"


def person_name(person):
    """How the admin names a person: their name, never their username."""
    if person is None:
        return "–"
    return person.get_full_name() or gettext("(no name)")


def person_column(path, label):
    """A listing's column of a person (the user reached by `path`, e.g.
    "recipient"): their name, never their username; sorted by last name.
    Load the user with the row (`list_select_related`). `label` is a verbose
    name (lower case, as Django's are): the header capitalises it, as Wagtail
    does its own columns'."""
    person_of = attrgetter(path.replace("__", "."))

    def name(row):
        try:
            person = person_of(row)
        except AttributeError:
            person = None
        return person_name(person)

    return Column(
        path, label=capfirst(label), accessor=name, sort_key=f"{path}__last_name"
    )


class ReadableInspectView(InspectView):
    """An inspect view in the reader's words: a field pointing at a user
    shows the person's name (`person_name`) where Wagtail shows the user's
    `str()`, the username; an empty value a dash, where Wagtail writes
    "None" in any language; a time in the reader's time zone."""

    def get_field_display_value(self, field_name, field):
        if (
            field is not None
            and field.many_to_one
            and field.related_model._meta.label == settings.AUTH_USER_MODEL
        ):
            return person_name(getattr(self.object, field_name))
        value = super().get_field_display_value(field_name, field)
        if value is None:
            return "–"
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # Wagtail's template formats the value before Django would move
            # it to the reader's time zone: a listing said 14:05, the same
            # row inspected 13:05 (UTC).
            return timezone.localtime(value)
        return value


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """A log: whoever may view it may only view it."""

    def user_has_permission(self, user, action):
        if action == "view":
            return user.has_perm(self._get_permission_name("view"))
        return False


def _scope_of(user):
    found = hooks.get_hooks(SCOPE_OF_USER)
    return found[-1](user) if found else None


def sees_city(user):
    """Whether `user` sees the whole city (central HR, superusers)."""
    if not user.is_authenticated or not user.is_active:
        return False
    scope = _scope_of(user)
    return user.is_superuser if scope is None else scope.is_city


def rows_of_people_in_scope(queryset, user, person_path):
    """The rows of `queryset` whose person (the user reached by
    `person_path`, e.g. "recipient") is in `user`'s scope, as the reports
    decide it."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    scope = _scope_of(user)
    if scope is None:
        return queryset if user.is_superuser else queryset.none()
    if scope.is_city:
        return queryset
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(scope.user_q(f"{person_path}__"))


class CityPermissionPolicy(ModelPermissionPolicy):
    """What concerns the whole city at once (the xAPI outbox and its LRSs):
    the model permission, and the city's scope. A local coordinator given the
    permission by mistake still may not."""

    def user_has_permission(self, user, action):
        return super().user_has_permission(user, action) and sees_city(user)


class ScopedIndexView(IndexView):
    """A listing of only the rows the viewset's `rows_for` lets the user see."""

    rows_for = None  # set by ScopedModelViewSet: fn(user, queryset) -> queryset
    list_select_related = ()

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return self.rows_for(self.request.user, queryset)


class ScopedModelViewSet(ModelViewSet):
    """A viewset of people's rows (certificates, logs, delegations): its
    listing shows, and its object views (edit, delete, inspect, history,
    usage) reach, only the rows of people in the user's scope. Another row's
    address is a 404 for anyone with a permission on the model, exactly as
    a row that does not exist; without any permission, the view refuses as
    before.

    Set `person_path` (the user a row is about, e.g. "learner"), or override
    `rows_for`. `list_select_related` loads what the listing shows in the
    same query. Its inspect view names people (`ReadableInspectView`); a
    listing's people are `person_column`s."""

    person_path = None
    list_select_related = ()
    index_view_class = ScopedIndexView
    inspect_view_class = ReadableInspectView

    def rows_for(self, user, queryset=None):
        if queryset is None:
            queryset = self.model._default_manager.all()
        return rows_of_people_in_scope(queryset, user, self.person_path)

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            rows_for=self.rows_for,
            list_select_related=self.list_select_related,
            **kwargs,
        )

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(view_class, **kwargs)
        viewset = self
        policy = self.permission_policy

        def scoped_view(request, *args, **view_kwargs):
            pk = view_kwargs.get("pk")
            if pk is not None and policy.user_has_any_permission(
                request.user, ["add", "change", "delete", "view"]
            ):
                if not viewset.rows_for(request.user).filter(pk=pk).exists():
                    raise Http404
            return view(request, *args, **view_kwargs)

        return update_wrapper(scoped_view, view)
