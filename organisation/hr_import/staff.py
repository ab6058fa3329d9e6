"""Importing staff: users (name, email, active) and their staff profiles, in
a bounded number of queries whatever the number of rows (bulk reads,
`bulk_create`, `bulk_update`). Leavers are deactivated, never deleted."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from ..invitations import invite_many
from ..models import OrgUnit, StaffProfile
from .files import ImportFileError, file_sha256, parse_date, read_table
from .plans import (
    BULK_BATCH,
    DEACTIVATION_CONFIRM_SHARE,
    FULL,
    PARTIAL,
    STAFF,
    Entry,
    Plan,
    as_text,
    bad_row,
    check_common,
    display,
    employee_number_of,
    note_ignored,
    warn_row,
)

STAFF_COLUMNS = {
    "employee_number": [
        "employee_number",
        "anstallningsnummer",
        "anstallningsnr",
        "anstnr",
    ],
    "first_name": ["first_name", "fornamn"],
    "last_name": ["last_name", "efternamn"],
    "email": ["email", "e_mail", "e_post", "epost", "e_postadress"],
    "unit_hr_code": [
        "unit_hr_code",
        "unit",
        "enhet",
        "enhetskod",
        "enhet_hr_kod",
        "enhetens_hr_kod",
    ],
    "job_title": ["job_title", "title", "befattning", "titel", "yrkestitel"],
    "start_date": ["start_date", "startdatum", "anstallningsdatum"],
    "end_date": ["end_date", "slutdatum", "sista_anstallningsdag"],
    "line_manager_employee_number": [
        "line_manager_employee_number",
        "line_manager",
        "chef_anstallningsnummer",
        "chefens_anstallningsnummer",
        "narmaste_chef",
        "chef",
    ],
    "on_leave_until": ["on_leave_until", "tjanstledig_till", "ledig_till"],
    "language": ["language", "sprak", "preferred_language"],
}
STAFF_REQUIRED = ("employee_number", "first_name", "last_name", "unit_hr_code")

LANGUAGE_WORDS = {
    "sv": "sv",
    "swe": "sv",
    "svenska": "sv",
    "swedish": "sv",
    "en": "en",
    "eng": "en",
    "engelska": "en",
    "english": "en",
}


USER_FIELDS = ("first_name", "last_name", "email")
PROFILE_FIELDS = (
    "unit_id",
    "job_title",
    "start_date",
    "end_date",
    "line_manager_id",
    "on_leave_until",
    "preferred_language",
)


def _field_labels():
    return {
        "first_name": _("first name"),
        "last_name": _("last name"),
        "email": _("email"),
        "job_title": _("job title"),
        "start_date": _("start date"),
        "end_date": _("end date"),
        "line_manager_id": _("line manager"),
        "on_leave_until": _("on leave until"),
        "preferred_language": _("language"),
    }


def plan_staff(content, filename, mode, today=None):
    """The dry run of a staff file: what would change, and every bad row."""
    today = today or timezone.localdate()
    plan = Plan(STAFF, mode, filename=filename, sha256=file_sha256(content))
    try:
        table = read_table(content, filename, STAFF_COLUMNS, STAFF_REQUIRED)
    except ImportFileError as error:
        bad_row(plan, 1, "", str(error))
        return plan
    note_ignored(plan, table)
    plan.rows = len(table.rows)
    if mode == FULL and not table.rows:
        bad_row(plan, 1, "", _("A full import needs at least one row."))
        return plan
    present = set(table.headers)

    # Parse and check every row on its own.
    parsed = {}  # employee number -> (row number, values)
    for number, raw in table.rows:
        number_text = as_text(raw.get("employee_number")).strip()
        ok = check_common(plan, number, raw, STAFF_REQUIRED, number_text)
        values = {
            "first_name": as_text(raw.get("first_name")).strip(),
            "last_name": as_text(raw.get("last_name")).strip(),
            "unit": as_text(raw.get("unit_hr_code")).strip(),
        }
        if "email" in present:
            email = as_text(raw.get("email")).strip()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    bad_row(
                        plan,
                        number,
                        number_text,
                        _("“%(email)s” is not a valid email address.")
                        % {"email": email},
                    )
                    ok = False
            values["email"] = email
        if "job_title" in present:
            values["job_title"] = as_text(raw.get("job_title")).strip()
        for column in ("start_date", "end_date", "on_leave_until"):
            if column not in present:
                continue
            cell = raw.get(column)
            if cell in ("", None):
                values[column] = None
                continue
            try:
                values[column] = parse_date(cell)
            except ValueError:
                bad_row(
                    plan,
                    number,
                    number_text,
                    _("“%(column)s” is not a date as YYYY-MM-DD: “%(value)s”.")
                    % {"column": column, "value": cell},
                )
                ok = False
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            bad_row(
                plan,
                number,
                number_text,
                _("The end date %(end)s is before the start date %(start)s.")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
            ok = False
        if "language" in present:
            word = as_text(raw.get("language")).strip().lower()
            if not word:
                values["preferred_language"] = StaffProfile.Language.SWEDISH
            elif word in LANGUAGE_WORDS:
                values["preferred_language"] = LANGUAGE_WORDS[word]
            else:
                bad_row(
                    plan,
                    number,
                    number_text,
                    _("The language must be sv or en, not “%(value)s”.")
                    % {"value": word},
                )
                ok = False
        if "line_manager_employee_number" in present:
            values["manager"] = as_text(raw.get("line_manager_employee_number")).strip()
        if number_text in parsed:
            bad_row(
                plan,
                number,
                number_text,
                _("The employee number %(number)s is also on row %(row)s.")
                % {"number": number_text, "row": parsed[number_text][0]},
            )
            continue
        if number_text:
            parsed[number_text] = (number, values, ok)

    # The database, in a fixed number of queries.
    units = {
        unit.hr_code: unit
        for unit in OrgUnit.objects.only("pk", "hr_code", "name", "active")
    }
    managers_wanted = {v.get("manager") for (_n, v, _o) in parsed.values()} - {
        None,
        "",
    }
    profiles_qs = StaffProfile.objects.select_related(
        "user", "unit", "line_manager__staff_profile"
    )
    if mode == PARTIAL:
        profiles_qs = profiles_qs.filter(
            employee_number__in=set(parsed) | managers_wanted
        )
    profiles = {profile.employee_number: profile for profile in profiles_qs}
    plan.active_before = StaffProfile.objects.filter(user__is_active=True).count()
    new_usernames = {n.lower() for n in parsed if n not in profiles}
    taken = set(
        get_user_model()
        .objects.filter(username__in=new_usernames)
        .values_list("username", flat=True)
    )

    labels = _field_labels()
    work = {"create": [], "update": [], "deactivate": []}
    for employee_number, (number, values, ok) in parsed.items():
        unit = units.get(values["unit"])
        if values["unit"] and unit is None:
            bad_row(
                plan,
                number,
                employee_number,
                _("The unit %(code)s is unknown. Import the units first.")
                % {"code": values["unit"]},
            )
            ok = False
        elif unit is not None and not unit.active:
            warn_row(
                plan,
                number,
                employee_number,
                _("The unit %(code)s is inactive.") % {"code": unit.hr_code},
            )
        profile = profiles.get(employee_number)
        if profile is None and employee_number.lower() in taken:
            bad_row(
                plan,
                number,
                employee_number,
                _(
                    "The user name %(username)s is already used by an account "
                    "without a staff profile."
                )
                % {"username": employee_number.lower()},
            )
            ok = False
        if not ok:
            continue
        manager = values.get("manager")
        manager_value = _UNCHANGED
        if manager is not None:
            if not manager:
                manager_value = None
            elif manager == employee_number:
                warn_row(
                    plan,
                    number,
                    employee_number,
                    _("A person cannot be their own line manager; left as it was."),
                )
            elif manager in parsed or manager in profiles:
                manager_value = manager
            else:
                warn_row(
                    plan,
                    number,
                    employee_number,
                    _(
                        "The line manager %(manager)s is neither in the file nor "
                        "known; the line manager is left as it was."
                    )
                    % {"manager": manager},
                )
        end = values.get("end_date", profile.end_date if profile else None)
        active = not (end and end < today)
        person = {
            "employee_number": employee_number,
            "values": values,
            "unit_id": unit.pk,
            "manager": manager_value,
            "active": active,
        }
        full_name = f"{values['first_name']} {values['last_name']}"
        if profile is None:
            shown = [(_("unit"), "", unit.hr_code)]
            if not active:
                shown.append((_("active"), "", display(False)))
            plan.created.append(Entry(number, employee_number, full_name, shown))
            work["create"].append(person)
            continue
        user = profile.user
        changes, user_fields, profile_fields = [], {}, {}
        for name in USER_FIELDS:
            if name in values and values[name] != getattr(user, name):
                changes.append((labels[name], getattr(user, name), values[name]))
                user_fields[name] = values[name]
        for name in PROFILE_FIELDS:
            if name == "unit_id":
                continue
            if name == "line_manager_id":
                if manager_value is _UNCHANGED:
                    continue
                old_number = employee_number_of(profile.line_manager)
                if manager_value != old_number:
                    changes.append(
                        (labels[name], display(old_number), display(manager_value))
                    )
                    profile_fields[name] = manager_value
                continue
            if name in values and values[name] != getattr(profile, name):
                changes.append(
                    (
                        labels[name],
                        display(getattr(profile, name)),
                        display(values[name]),
                    )
                )
                profile_fields[name] = values[name]
        if unit.pk != profile.unit_id:
            plan.moved.append(
                Entry(
                    number,
                    employee_number,
                    full_name,
                    [
                        (
                            _("unit"),
                            profile.unit.hr_code if profile.unit else "–",
                            unit.hr_code,
                        )
                    ],
                )
            )
            profile_fields["unit_id"] = unit.pk
        if active != user.is_active:
            user_fields["is_active"] = active
            target = plan.reactivated if active else plan.deactivated
            target.append(Entry(number, employee_number, full_name))
        if changes:
            plan.changed.append(Entry(number, employee_number, full_name, changes))
        if user_fields or profile_fields:
            work["update"].append((profile, user_fields, profile_fields))

    if mode == FULL:
        for employee_number, profile in profiles.items():
            if employee_number not in parsed and profile.user.is_active:
                plan.deactivated.append(
                    Entry(None, employee_number, profile.user.get_full_name())
                )
                work["deactivate"].append(profile.user)
        plan.needs_confirmation = plan.deactivation_share > DEACTIVATION_CONFIRM_SHARE
    plan.work = work
    return plan


class _Unchanged:
    def __repr__(self):
        return "UNCHANGED"


_UNCHANGED = _Unchanged()


def apply_staff(plan):
    User = get_user_model()
    work = plan.work
    now = timezone.now()
    unusable = make_password(None)

    new_users = []
    for person in work["create"]:
        values = person["values"]
        new_users.append(
            User(
                username=person["employee_number"].lower(),
                first_name=values["first_name"],
                last_name=values["last_name"],
                email=values.get("email", ""),
                is_active=person["active"],
                password=unusable,
                date_joined=now,
            )
        )
    User.objects.bulk_create(new_users, batch_size=BULK_BATCH)

    user_id_by_number = {
        profile.employee_number: profile.user_id for profile, _u, _p in work["update"]
    }
    user_id_by_number.update(
        {
            person["employee_number"]: user.pk
            for person, user in zip(work["create"], new_users, strict=True)
        }
    )
    manager_numbers = {
        p["manager"] for p in work["create"] if p["manager"] not in (None, _UNCHANGED)
    } | {
        fields["line_manager_id"]
        for _pr, _u, fields in work["update"]
        if fields.get("line_manager_id")
    }
    missing = manager_numbers - set(user_id_by_number)
    if missing:
        user_id_by_number.update(
            StaffProfile.objects.filter(employee_number__in=missing).values_list(
                "employee_number", "user_id"
            )
        )

    new_profiles = []
    for person, user in zip(work["create"], new_users, strict=True):
        values = person["values"]
        manager = person["manager"]
        new_profiles.append(
            StaffProfile(
                user=user,
                employee_number=person["employee_number"],
                unit_id=person["unit_id"],
                job_title=values.get("job_title", ""),
                start_date=values.get("start_date"),
                end_date=values.get("end_date"),
                on_leave_until=values.get("on_leave_until"),
                preferred_language=values.get(
                    "preferred_language", StaffProfile.Language.SWEDISH
                ),
                line_manager_id=(
                    user_id_by_number.get(manager)
                    if manager not in (None, _UNCHANGED)
                    else None
                ),
            )
        )
    StaffProfile.objects.bulk_create(new_profiles, batch_size=BULK_BATCH)

    users_to_update, user_names = [], set()
    profiles_to_update, profile_names = [], set()
    for profile, user_fields, profile_fields in work["update"]:
        if user_fields:
            for name, value in user_fields.items():
                setattr(profile.user, name, value)
            user_names |= set(user_fields)
            if user_fields.get("is_active") is False:
                _end_sessions(profile.user)
                user_names.add("password")
            users_to_update.append(profile.user)
        if profile_fields:
            for name, value in profile_fields.items():
                if name == "line_manager_id" and value is not None:
                    value = user_id_by_number[value]
                setattr(profile, name, value)
            profile.updated_at = now
            profile_names |= set(profile_fields) | {"updated_at"}
            profiles_to_update.append(profile)
    for user in work["deactivate"]:
        user.is_active = False
        _end_sessions(user)
        user_names |= {"is_active", "password"}
        users_to_update.append(user)
    if users_to_update:
        User.objects.bulk_update(
            users_to_update, sorted(user_names), batch_size=BULK_BATCH
        )
    if profiles_to_update:
        StaffProfile.objects.bulk_update(
            profiles_to_update, sorted(profile_names), batch_size=BULK_BATCH
        )

    invitees = [user.pk for user in new_users if user.email and user.is_active]
    if invitees:
        invite_many(invitees)


def _end_sessions(user):
    """A leaver's sessions end for good: their password becomes unusable,
    which changes the session hash every session of theirs carries, so an old
    session cookie does not work again if HR reactivates them. (While
    inactive, their requests are anonymous anyway.) A reactivated person
    signs in with the city's account or sets a new password."""
    user.password = make_password(None)
