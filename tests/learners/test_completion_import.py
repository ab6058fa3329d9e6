"""Completions from before go-live or done elsewhere: the action, the file
import (dry run, apply, every kind of bad row), the command, and the admin
page — each also tried from the wrong side."""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.users.models import UserProfile

from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from learners import actions, history_import
from learners.models import Certificate, Enrolment
from organisation.hr_import import ImportRefused
from organisation.models import AuditEvent, StaffProfile
from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    UserFactory,
    make_course,
    make_staff,
    publish,
)

pytestmark = pytest.mark.django_db

HEADER = "employee_number;course;completed_on;note"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def in_english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def _user_with(username, *codenames):
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return in_english(user)


@pytest.fixture
def hr(db):
    """Central HR: the permission says what, the HR role whom (the city)."""
    user = _user_with("hr-history", "record_completion", "access_admin")
    StaffProfile.objects.create(user=user, employee_number="E-hr", hr_role="central")
    return user


@pytest.fixture
def yearly_course(course):
    course.validity_kind, course.validity_months = "months", 12
    return publish(course)


@pytest.fixture
def staff(db):
    return make_staff("eva"), make_staff("olle")


def csv_bytes(*rows, header=HEADER, encoding="utf-8"):
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def completions(person, course):
    return list(
        Enrolment.objects.filter(learner=person, course=course).order_by("cycle")
    )


# --- The action ------------------------------------------------------------------


def test_recording_twice_returns_the_same_record(hr, learner, yearly_course):
    first = actions.record_completion_elsewhere(
        hr, learner, yearly_course, date(2025, 3, 4), note="Klassrum"
    )
    again = actions.record_completion_elsewhere(
        hr, learner, yearly_course, date(2025, 3, 4), note="Klassrum"
    )
    assert again.pk == first.pk
    assert Enrolment.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_recording_completes_an_open_cycle(hr, learner, course):
    open_cycle = Enrolment.objects.create(
        learner=learner, course=course, course_title=course.title
    )
    recorded = actions.record_completion_elsewhere(
        hr, learner, course, date(2025, 3, 4), note="Klassrum"
    )
    assert recorded.pk == open_cycle.pk
    recorded.refresh_from_db()
    assert recorded.cycle == 1 and recorded.is_completed
    assert recorded.source == Enrolment.Source.EXTERNAL
    assert recorded.recorded_by == hr


def test_recording_after_a_completed_cycle_starts_the_next(hr, learner, course):
    actions.record_completion_elsewhere(hr, learner, course, date(2024, 3, 4))
    later = actions.record_completion_elsewhere(hr, learner, course, date(2025, 3, 4))
    assert [e.cycle for e in completions(learner, course)] == [1, 2]
    assert later.cycle == 2


def test_a_future_date_is_refused(hr, learner, course):
    with pytest.raises(ValidationError):
        actions.record_completion_elsewhere(
            hr, learner, course, timezone.localdate() + timedelta(days=1)
        )
    assert not Enrolment.objects.exists()


def test_a_learner_may_not_record(learner, course):
    with pytest.raises(PermissionDenied):
        actions.record_completion_elsewhere(learner, learner, course, date(2025, 1, 1))
    assert not Enrolment.objects.exists()


def test_the_certificate_is_valid_from_the_recorded_date(hr, learner, yearly_course):
    enrolment = actions.record_completion_elsewhere(
        hr, learner, yearly_course, date(2025, 3, 4)
    )
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.valid_from == date(2025, 3, 4)
    assert certificate.valid_until == date(2026, 3, 4)


# --- The file: plan and apply -------------------------------------------------------


def test_a_good_file_is_planned_then_applied_once(hr, staff, yearly_course):
    eva, olle = staff
    content = csv_bytes(
        f"E-eva;{yearly_course.slug};2025-03-04;Klassrum",
        f"E-olle;{yearly_course.slug};2024-02-01;",
        f"E-olle;{yearly_course.slug};2025-02-01;",
    )
    plan = history_import.plan_history(content, "historik.csv")
    assert plan.errors == []
    assert [entry.row for entry in plan.to_record] == [2, 3, 4]
    assert not Enrolment.objects.exists()  # a dry run writes nothing

    applied = history_import.apply_history(hr, content, "historik.csv")
    assert applied.counts()["to_record"] == 3
    (eva_record,) = completions(eva, yearly_course)
    assert eva_record.source == Enrolment.Source.IMPORTED
    assert eva_record.note == "Klassrum"
    assert timezone.localdate(eva_record.completed_at) == date(2025, 3, 4)
    olle_records = completions(olle, yearly_course)
    assert [timezone.localdate(e.completed_at) for e in olle_records] == [
        date(2024, 2, 1),
        date(2025, 2, 1),
    ]
    assert Certificate.objects.get(enrolment=eva_record).valid_until == date(2026, 3, 4)
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_HISTORY)
    assert event.actor == hr
    assert event.details["filename"] == "historik.csv"
    assert event.details["sha256"] == plan.sha256
    assert event.details["counts"]["to_record"] == 3


def test_rerunning_the_same_file_records_nothing(hr, staff, course):
    content = csv_bytes(f"E-eva;{course.slug};2025-03-04;")
    history_import.apply_history(hr, content, "historik.csv")
    again = history_import.plan_history(content, "historik.csv")
    assert again.to_record == []
    assert [entry.row for entry in again.already_recorded] == [2]
    history_import.apply_history(hr, content, "historik.csv")
    assert Enrolment.objects.count() == 1
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("E-nobody;{slug};2025-03-04;", "employee number E-nobody is unknown"),
        ("E-eva;no-such-course;2025-03-04;", "no course “no-such-course”"),
        ("E-eva;{slug};4/3/2025;", "not a date"),
        ("E-eva;{slug};2025-02-30;", "not a date"),
        ("E-eva;{slug};{tomorrow};", "in the future"),
        ("E-eva;{slug};;", "“completed_on” is empty"),
        ("E-eva;{slug};2025-03-04;note;extra", "more cells"),
    ],
)
def test_each_bad_row_is_reported_and_nothing_is_applied(
    hr, staff, course, row, reason
):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    content = csv_bytes(
        f"E-olle;{course.slug};2025-01-01;",
        row.format(slug=course.slug, tomorrow=tomorrow),
    )
    plan = history_import.plan_history(content, "historik.csv")
    assert [(problem.row, reason in problem.message) for problem in plan.errors] == [
        (3, True)
    ]
    with pytest.raises(ImportRefused):
        history_import.apply_history(hr, content, "historik.csv")
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_duplicate_row_is_bad(hr, staff, course):
    line = f"E-eva;{course.slug};2025-03-04;"
    plan = history_import.plan_history(csv_bytes(line, line), "historik.csv")
    assert [(p.row, "also on row 2" in p.message) for p in plan.errors] == [(3, True)]


def test_an_unpublished_course_is_bad(hr, staff, catalogue):
    draft = CoursePageFactory(parent=catalogue, slug="utkast", live=False)
    plan = history_import.plan_history(
        csv_bytes(f"E-eva;{draft.slug};2025-03-04;"), "historik.csv"
    )
    assert ["not published" in p.message for p in plan.errors] == [True]


def test_a_slug_published_under_two_parents_is_bad(hr, staff, home, course):
    other_catalogue = publish(
        CourseIndexPageFactory(parent=home, title="Fler kurser", slug="fler-kurser")
    )
    make_course(other_catalogue, lessons=0, title="Samma adress", slug=course.slug)
    plan = history_import.plan_history(
        csv_bytes(f"E-eva;{course.slug};2025-03-04;"), "historik.csv"
    )
    assert ["2 published courses" in p.message for p in plan.errors] == [True]


def test_a_missing_required_column_is_reported_as_row_1(hr, staff, course):
    plan = history_import.plan_history(
        csv_bytes(f"E-eva;{course.slug}", header="employee_number;course"),
        "historik.csv",
    )
    assert [(p.row, "completed_on" in p.message) for p in plan.errors] == [(1, True)]


def test_a_windows_1252_file_with_swedish_headers(hr, staff, course):
    content = csv_bytes(
        f"E-eva;{course.slug};2025-03-04;Klassrumsutbildning, Södermalm",
        header="Anställningsnummer;Kurs;Datum;Anteckning",
        encoding="cp1252",
    )
    plan = history_import.plan_history(content, "historik.csv")
    assert plan.errors == []
    history_import.apply_history(hr, content, "historik.csv")
    (record,) = completions(staff[0], course)
    assert record.note == "Klassrumsutbildning, Södermalm"


def test_planning_takes_a_fixed_number_of_queries(
    hr, staff, course, django_assert_max_num_queries
):
    people = [make_staff(f"p{index}") for index in range(20)]
    rows = [f"E-{person.username};{course.slug};2025-03-04;" for person in people]
    with django_assert_max_num_queries(3):
        plan = history_import.plan_history(csv_bytes(*rows), "historik.csv")
    assert len(plan.to_record) == 20


def _apply_queries(hr, course, people):
    rows = [f"E-{person.username};{course.slug};2025-03-04;" for person in people]
    with CaptureQueriesContext(connection) as queries:
        history_import.apply_history(hr, csv_bytes(*rows), "historik.csv")
    return len(queries)


def test_applying_takes_a_bounded_number_of_queries_per_row(hr, staff, course):
    one = _apply_queries(hr, course, [make_staff("q0")])
    eleven = _apply_queries(hr, course, [make_staff(f"q{i}") for i in range(1, 12)])
    assert one <= 10 + history_import.QUERIES_PER_ROW
    assert (eleven - one) / 10 <= history_import.QUERIES_PER_ROW


def test_applying_rows_that_complete_open_cycles_stays_within_the_bound(
    hr, staff, course
):
    people = [make_staff(f"o{i}") for i in range(5)]
    for person in people:
        Enrolment.objects.create(learner=person, course=course, course_title="x")
    count = _apply_queries(hr, course, people)
    assert count <= 10 + 5 * history_import.QUERIES_PER_ROW
    assert Enrolment.objects.filter(completed_at__isnull=False).count() == 5


def test_a_learner_may_not_apply_a_file(learner, staff, course):
    with pytest.raises(PermissionDenied):
        history_import.apply_history(
            learner, csv_bytes(f"E-eva;{course.slug};2025-03-04;"), "historik.csv"
        )
    assert not Enrolment.objects.exists()


# --- The command -------------------------------------------------------------------


def _write(tmp_path, content, name="historik.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_the_command_dry_run_prints_the_plan_and_writes_nothing(
    tmp_path, staff, course
):
    out = io.StringIO()
    call_command(
        "import_completions",
        _write(tmp_path, csv_bytes(f"E-eva;{course.slug};2025-03-04;")),
        stdout=out,
    )
    text = out.getvalue()
    assert "To record: 1" in text and "row 2: E-eva" in text
    assert "Dry run" in text
    assert not Enrolment.objects.exists()


def test_the_command_applies_with_an_actor(tmp_path, hr, staff, course):
    out = io.StringIO()
    call_command(
        "import_completions",
        _write(tmp_path, csv_bytes(f"E-eva;{course.slug};2025-03-04;")),
        "--apply",
        "--actor",
        hr.username,
        stdout=out,
    )
    assert "Applied." in out.getvalue()
    assert Enrolment.objects.get().recorded_by == hr


def test_the_command_refuses_a_bad_file_and_lists_the_bad_rows(
    tmp_path, hr, staff, course
):
    out = io.StringIO()
    path = _write(
        tmp_path,
        csv_bytes(f"E-eva;{course.slug};2025-03-04;", "E-x;kurs;2025-03-04;"),
    )
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_completions", path, "--apply", "--actor", hr.username, stdout=out
        )
    assert "Bad row 3" in out.getvalue()
    assert not Enrolment.objects.exists()


def test_the_command_needs_an_actor_with_the_permission_to_apply(
    tmp_path, learner, staff, course
):
    path = _write(tmp_path, csv_bytes(f"E-eva;{course.slug};2025-03-04;"))
    with pytest.raises(CommandError, match="--actor"):
        call_command("import_completions", path, "--apply", stdout=io.StringIO())
    with pytest.raises(CommandError, match="may not record"):
        call_command(
            "import_completions",
            path,
            "--apply",
            "--actor",
            learner.username,
            stdout=io.StringIO(),
        )
    assert not Enrolment.objects.exists()


# --- The admin page -----------------------------------------------------------------


def form_data(person, course, completed_on="2025-03-04", **extra):
    return {
        "person": person.pk,
        "course": course.pk,
        "completed_on": completed_on,
        "note": "Klassrumsutbildning 2025-03-04",
        **extra,
    }


def test_anonymous_is_sent_to_login(client, learner, course):
    response = client.post(reverse("record_completion"), form_data(learner, course))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Enrolment.objects.exists()


def test_a_learner_has_no_admin(learner_client, learner, course):
    response = learner_client.post(
        reverse("record_completion"), form_data(learner, course)
    )
    assert response.status_code == 302
    assert not Enrolment.objects.exists()


def test_an_admin_user_without_the_permission_is_denied(client, learner, course):
    client.force_login(_user_with("editor", "access_admin"))
    response = client.post(reverse("record_completion"), form_data(learner, course))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not Enrolment.objects.exists()
    assert (
        "Record a completion"
        not in client.get(reverse("wagtailadmin_home")).content.decode()
    )


def test_hr_records_a_completion(client, hr, learner, yearly_course):
    client.force_login(hr)
    assert (
        "Record a completion"
        in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    response = client.post(
        reverse("record_completion"), form_data(learner, yearly_course), follow=True
    )
    assert "is recorded" in response.content.decode()
    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.source == Enrolment.Source.EXTERNAL
    assert enrolment.note == "Klassrumsutbildning 2025-03-04"
    assert enrolment.recorded_by == hr
    assert Certificate.objects.get(enrolment=enrolment).valid_from == date(2025, 3, 4)
    event = AuditEvent.objects.get(action=AuditEvent.Action.MANUAL_RECORD)
    assert event.actor == hr and event.details["enrolment"] == enrolment.pk


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"completed_on": "2025-02-30"}, "Enter a date as YYYY-MM-DD."),
        ({"completed_on": "tomorrow"}, "The date is in the future."),
        ({"note": "  "}, "This field is required."),
        ({"person": "nobody"}, "There is nobody with that choice in your part"),
        ({"person": "999999"}, "There is nobody with that choice in your part"),
    ],
)
def test_bad_input_is_shown_in_the_form_and_nothing_is_saved(
    client, hr, learner, course, changes, message
):
    if changes.get("completed_on") == "tomorrow":
        changes = {
            "completed_on": (timezone.localdate() + timedelta(days=1)).isoformat()
        }
    client.force_login(hr)
    upload = SimpleUploadedFile("intyg.pdf", b"%PDF-1.4 intyg")
    response = client.post(
        reverse("record_completion"),
        {**form_data(learner, course), "attachment": upload, **changes},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Enrolment.objects.exists()
    # Signing in is audited too; nothing else may be.
    assert not AuditEvent.objects.exclude(action="sign_in").exists()
    assert not get_document_model().objects.exists()


def test_recording_the_same_day_again_is_refused_in_the_form(
    client, hr, learner, course
):
    client.force_login(hr)
    client.post(reverse("record_completion"), form_data(learner, course))
    response = client.post(reverse("record_completion"), form_data(learner, course))
    assert response.status_code == 400
    assert "already has a completion" in response.content.decode()
    assert Enrolment.objects.count() == 1
    assert AuditEvent.objects.exclude(action="sign_in").count() == 1


def test_the_attachment_is_stored_as_a_document(client, hr, learner, course, media):
    ensure_hr_admin_group()  # the roles, as every installation has them
    client.force_login(hr)
    upload = SimpleUploadedFile("Intyg Eva.pdf", b"%PDF-1.4 intyg")
    client.post(
        reverse("record_completion"),
        form_data(learner, course, attachment=upload),
    )
    document = get_document_model().objects.get()
    assert document.title == "Intyg Eva"
    assert document.uploaded_by_user == hr
    assert document.file.read() == b"%PDF-1.4 intyg"
    assert Enrolment.objects.get().attachment == document
    # In the HR records collection: served only to the groups that may record
    # completions (the HR administrators).
    assert document.collection.name == "HR-handlingar"
    restriction = document.collection.get_view_restrictions().get()
    assert list(restriction.groups.values_list("name", flat=True)) == [
        "HR-administratörer"
    ]
    client.logout()
    link = client.get(document.url)
    assert link.status_code in (302, 403)


def test_records_stored_before_the_roles_were_set_up_reach_hr_once_they_are(
    client, hr, learner, course, media
):
    client.force_login(hr)
    client.post(
        reverse("record_completion"),
        form_data(learner, course, attachment=SimpleUploadedFile("a.pdf", b"%PDF")),
    )
    restriction = get_document_model().objects.get().collection.get_view_restrictions()
    assert not restriction.get().groups.exists()  # nobody but superusers yet
    ensure_hr_admin_group()
    assert list(restriction.get().groups.values_list("name", flat=True)) == [
        "HR-administratörer"
    ]


def test_an_attachment_of_a_type_not_allowed_is_refused(client, hr, learner, course):
    client.force_login(hr)
    upload = SimpleUploadedFile("virus.exe", b"MZ")
    response = client.post(
        reverse("record_completion"),
        form_data(learner, course, attachment=upload),
    )
    assert response.status_code == 400
    assert not get_document_model().objects.exists()
    assert not Enrolment.objects.exists()


def test_hr_authors_cannot_see_or_move_an_attachment_to_a_persons_record(
    client, hr, learner, course, media
):
    """HR authors manage documents in Kursmaterial; the HR records are its
    sibling, so their permissions do not reach them (review finding)."""
    ensure_hr_admin_group()
    client.force_login(hr)
    client.post(
        reverse("record_completion"),
        form_data(
            learner,
            course,
            attachment=SimpleUploadedFile("Kursbevis-Olle.pdf", b"%PDF"),
        ),
    )
    document = get_document_model().objects.get()
    author = UserFactory(username="redaktor")
    author.groups.add(ensure_hr_author_group())
    client.force_login(author)
    listing = client.get(reverse("wagtaildocs:index"))
    assert listing.status_code == 200
    assert document.title == "Kursbevis-Olle"
    assert document.title not in listing.content.decode()
    edit = client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "Flyttad", "collection": Collection.get_first_root_node().pk},
    )
    assert edit.status_code in (302, 403)
    document.refresh_from_db()
    assert (document.title, document.collection.name) == (
        "Kursbevis-Olle",
        "HR-handlingar",
    )
    client.logout()
    assert client.get(document.url).status_code in (302, 403)
