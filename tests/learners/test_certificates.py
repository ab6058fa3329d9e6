"""Certificates: issued once on completion, trustworthy PDF, public verification,
revocation with a reason."""

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cms.roles import ensure_hr_author_group
from learners import actions
from learners.models import Certificate, Enrolment
from learners.tasks import render_certificate_pdf, sweep_certificate_pdfs
from organisation.models import StaffProfile
from tests.factories import QuizPageFactory, UserFactory, correct_answers, publish
from tests.helpers import complete_course, querydict

pytestmark = pytest.mark.django_db

COMPLETED = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def holder(db):
    return UserFactory(username="asa", first_name="Åsa", last_name="Öberg-Ståhl")


def complete(user, course, when=COMPLETED):
    with time_machine.travel(when, tick=False):
        for lesson in course.lessons():
            actions.record_lesson_progress(user, lesson, completed=True)
    return Certificate.objects.get(learner=user, course=course)


@pytest.fixture
def yearly_course(course):
    course.validity_kind = "months"
    course.validity_months = 12
    course.save_revision().publish()
    course.refresh_from_db()
    return course


def test_completion_issues_one_certificate_with_its_validity(
    holder, yearly_course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = complete(holder, yearly_course)
    assert certificate.holder_name == "Åsa Öberg-Ståhl"
    assert certificate.course_title == yearly_course.title
    assert certificate.valid_from == date(2026, 3, 2)
    assert certificate.valid_until == date(2027, 3, 2)
    assert len(certificate.code) == 23 and certificate.code.count("-") == 3
    certificate.refresh_from_db()
    assert certificate.pdf.name.endswith(".pdf")


def test_issuing_again_changes_nothing(
    holder, yearly_course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = complete(holder, yearly_course)
    certificate.refresh_from_db()
    before = (
        certificate.pk,
        certificate.code,
        certificate.issued_at,
        certificate.pdf.name,
    )
    enrolment = Enrolment.objects.get(learner=holder)
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC)):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = actions.issue_certificate(enrolment)
            render_certificate_pdf(again.pk)
            actions.record_lesson_progress(
                holder, yearly_course.lessons().first(), completed=True
            )
    again.refresh_from_db()
    assert (again.pk, again.code, again.issued_at, again.pdf.name) == before
    assert Certificate.objects.count() == 1
    assert callbacks == []  # nothing re-sent or re-rendered


def test_codes_are_unique_and_unguessable(course):
    users = [UserFactory() for _ in range(5)]
    codes = {complete(user, course).code for user in users}
    assert len(codes) == 5
    assert all(code.replace("-", "").isalnum() for code in codes)


def test_pdf_is_tagged_accessible_and_holds_the_record(holder, yearly_course):
    certificate = complete(holder, yearly_course)
    render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    reader = pypdf.PdfReader(io.BytesIO(certificate.pdf.read()))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Åsa Öberg-Ståhl",
        yearly_course.title,
        certificate.code,
        "2026",
        "2027",
    ):
        assert expected in text, expected
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "sv"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert reader.metadata.title and yearly_course.title in reader.metadata.title


def test_holder_downloads_own_pdf_others_get_404(client, holder, other_learner, course):
    certificate = complete(holder, course)
    render_certificate_pdf(certificate.pk)
    url = reverse("learners:certificate_pdf", args=[certificate.pk])
    assert client.get(url).status_code == 302  # anonymous: to login
    client.force_login(other_learner)
    assert client.get(url).status_code == 404
    client.force_login(holder)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_verification_page_shows_only_course_name_and_state(
    client, holder, yearly_course
):
    certificate = complete(holder, yearly_course)
    url = reverse("verify_certificate", args=[certificate.code])
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC)):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["state"] == "valid"
    assert "Åsa Öberg-Ståhl" in html and yearly_course.title in html
    assert holder.email not in html and holder.username not in html
    assert response["X-Robots-Tag"] == "noindex"
    with time_machine.travel(datetime(2027, 3, 3, 12, tzinfo=UTC)):
        assert client.get(url).context["state"] == "expired"
    # Typed by hand: lower case, spaces, O for 0.
    typed = certificate.code.lower().replace("-", " ").replace("0", "o")
    assert client.get(reverse("verify_certificate", args=[typed])).status_code == 200


@pytest.mark.parametrize("code", ["AAAAA-AAAAA-AAAAA-AAAAA", "kort", "x" * 200])
def test_unknown_code_is_404(client, holder, course, code):
    complete(holder, course)  # a certificate exists, under another code
    response = client.get(reverse("verify_certificate", args=[code]))
    assert response.status_code == 404
    assert holder.get_full_name() not in response.content.decode()


def test_revocation_needs_permission_and_a_reason(
    client, holder, course, admin_user, learner
):
    certificate = complete(holder, course)
    with pytest.raises(PermissionDenied):
        actions.revoke_certificate(learner, certificate, "Fusk")
    with pytest.raises(ValidationError):
        actions.revoke_certificate(admin_user, certificate, "  ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    revoked = actions.revoke_certificate(
        admin_user, certificate, "Fel person registrerad"
    )
    assert (revoked.revoked_reason, revoked.revoked_by) == (
        "Fel person registrerad",
        admin_user,
    )
    again = actions.revoke_certificate(admin_user, certificate, "En annan anledning")
    assert again.revoked_reason == "Fel person registrerad"
    response = client.get(reverse("verify_certificate", args=[certificate.code]))
    assert response.context["state"] == "revoked"
    assert "Fel person registrerad" not in response.content.decode()


def test_hr_with_the_permission_can_revoke(holder, course):
    hr = UserFactory()
    hr.user_permissions.add(Permission.objects.get(codename="revoke_certificate"))
    certificate = complete(holder, course)
    assert actions.revoke_certificate(hr, certificate, "Dubbelregistrering").revoked_at


def test_a_quiz_must_be_passed_before_the_course_completes(holder, course):
    from tests.factories import QuizPageFactory, publish

    quiz = publish(QuizPageFactory(parent=course))
    for lesson in course.lessons():
        actions.record_lesson_progress(holder, lesson, completed=True)
    enrolment = Enrolment.objects.get(learner=holder)
    assert enrolment.completed_at is None
    assert not Certificate.objects.exists()
    attempt = actions.start_quiz_attempt(holder, quiz)
    actions.save_quiz_answers(
        holder,
        attempt.pk,
        querydict(correct_answers(attempt, wrong={"q-single", "q-tf"})),
        submit=True,
    )
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    attempt = actions.start_quiz_attempt(holder, quiz)
    actions.save_quiz_answers(
        holder, attempt.pk, querydict(correct_answers(attempt)), submit=True
    )
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert Certificate.objects.filter(enrolment=enrolment).count() == 1


def test_certificate_pdfs_are_stored_outside_the_public_media_folder(
    client, holder, course, settings
):
    certificate = complete(holder, course)
    render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    path = certificate.pdf.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        certificate.pdf.url  # noqa: B018 - no public URL exists
    assert client.get(f"/media/{certificate.pdf.name}").status_code == 404


def test_certificate_fields_cannot_change_and_it_cannot_be_deleted(learner, course):
    complete_course(learner, course)
    certificate = Certificate.objects.get()
    certificate.valid_until = certificate.valid_from + timedelta(days=3650)
    with pytest.raises(ValueError, match="valid_until"):
        certificate.save()
    certificate.refresh_from_db()
    with pytest.raises(ValueError):
        certificate.delete()
    certificate.revoked_reason = "Fel"
    certificate.revoked_at = timezone.now()
    certificate.save()  # revocation is allowed
    assert Certificate.objects.filter(revoked_reason="Fel").exists()


def test_revoking_an_already_revoked_certificate_says_so(client, learner, course):
    complete_course(learner, course)
    hr = UserFactory()
    hr.groups.add(ensure_hr_author_group())
    StaffProfile.objects.create(user=hr, employee_number="E-hr", hr_role="central")
    certificate = Certificate.objects.get()
    actions.revoke_certificate(hr, certificate, "Fusk")
    client.force_login(hr)
    response = client.post(
        reverse("certificates:edit", args=[certificate.pk]), {"revoked_reason": "Annat"}
    )
    assert response.status_code == 200
    assert "Fusk" == Certificate.objects.get().revoked_reason


def test_sweep_renders_certificates_left_without_a_pdf(learner, course):
    complete_course(learner, course)  # on-commit callbacks never ran: no PDF
    certificate = Certificate.objects.get()
    assert not certificate.pdf
    assert sweep_certificate_pdfs() == 0  # too fresh: the worker may be at it
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert sweep_certificate_pdfs() == 1
    certificate.refresh_from_db()
    assert certificate.pdf.name.endswith(".pdf")
    assert sweep_certificate_pdfs() == 0


def test_a_new_cycle_renews_the_certificate_and_keeps_the_history(
    learner_client, learner, course
):
    course.validity_kind = "months"
    course.validity_months = 12
    publish(course)
    quiz = publish(QuizPageFactory(parent=course, max_attempts=1))
    complete_course(learner, course)
    first = Certificate.objects.get()
    response = learner_client.post(reverse("learners:new_cycle", args=[course.pk]))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(learner=learner, cycle=2)
    assert enrolment.completed_at is None
    # The quiz can be taken again in the new cycle (its limit is per cycle).
    page = learner_client.get(quiz.url)
    assert page.context["attempts_left"] == 1
    complete_course(learner, course)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert Certificate.objects.count() == 2
    assert Certificate.objects.get(enrolment=enrolment).code != first.code
    history = learner_client.get(reverse("learners:my_learning")).context[
        "certificates"
    ]
    assert len(history) == 2
    # Twice: no third cycle while the second is open.
    actions.start_new_cycle(learner, course)
    actions.start_new_cycle(learner, course)
    assert Enrolment.objects.filter(learner=learner).count() == 3


def test_no_new_cycle_for_a_course_without_validity(learner_client, learner, course):
    complete_course(learner, course)
    learner_client.post(reverse("learners:new_cycle", args=[course.pk]))
    assert Enrolment.objects.filter(learner=learner).count() == 1
