"""Regression tests for the review of the first two issues."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from cms.roles import ensure_hr_author_group
from learners import actions
from learners.models import Certificate, Enrolment, QuizAccommodation
from learners.tasks import sweep_certificate_pdfs
from tests.factories import QuizPageFactory, UserFactory, correct_answers, publish
from tests.learners.test_quizzes import querydict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def complete(user, course):
    for lesson in course.lessons():
        actions.record_lesson_progress(user, lesson, completed=True)
    for quiz in course.quizzes():
        attempt = actions.start_quiz_attempt(user, quiz)
        actions.save_quiz_answers(
            user, attempt.pk, querydict(correct_answers(attempt)), submit=True
        )


@pytest.mark.parametrize(
    "params", [{"q": "a\x00b"}, {"q": "\x00"}, {"kategori": "\x00"}, {"sprak": "\x00"}]
)
def test_nul_in_catalogue_parameters_is_not_a_500(learner_client, catalogue, params):
    assert learner_client.get(catalogue.url, params).status_code == 200


def test_certificate_fields_cannot_change_and_it_cannot_be_deleted(learner, course):
    complete(learner, course)
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
    complete(learner, course)
    hr = UserFactory()
    hr.groups.add(ensure_hr_author_group())
    certificate = Certificate.objects.get()
    actions.revoke_certificate(hr, certificate, "Fusk")
    client.force_login(hr)
    response = client.post(
        reverse("certificates:edit", args=[certificate.pk]), {"revoked_reason": "Annat"}
    )
    assert response.status_code == 200
    assert "Fusk" == Certificate.objects.get().revoked_reason


def test_only_one_general_accommodation_per_person(learner):
    QuizAccommodation.objects.create(learner=learner, extra_percent=25)
    with pytest.raises(IntegrityError):
        QuizAccommodation.objects.create(learner=learner, extra_percent=50)


def test_unpublishing_a_required_quiz_completes_those_who_did_the_rest(
    learner, course, django_capture_on_commit_callbacks
):
    quiz = publish(QuizPageFactory(parent=course))
    for lesson in course.lessons():
        actions.record_lesson_progress(learner, lesson, completed=True)
    assert Enrolment.objects.get().completed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        quiz.unpublish()
    assert Enrolment.objects.get().completed_at is not None


def test_making_a_quiz_optional_completes_those_who_did_the_rest(
    learner, course, django_capture_on_commit_callbacks
):
    quiz = publish(QuizPageFactory(parent=course))
    for lesson in course.lessons():
        actions.record_lesson_progress(learner, lesson, completed=True)
    quiz.required = False
    with django_capture_on_commit_callbacks(execute=True):
        publish(quiz)
    assert Enrolment.objects.get().completed_at is not None


def test_sweep_renders_certificates_left_without_a_pdf(learner, course):
    complete(learner, course)  # on-commit callbacks never ran: no PDF
    certificate = Certificate.objects.get()
    assert not certificate.pdf
    assert sweep_certificate_pdfs() == 0  # too fresh: the worker may be at it
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert sweep_certificate_pdfs() == 1
    certificate.refresh_from_db()
    assert certificate.pdf.name.endswith(".pdf")
    assert sweep_certificate_pdfs() == 0


def test_a_completed_course_stays_in_my_learning_after_hr_deletes_it(
    learner_client, learner, course
):
    complete(learner, course)
    title = course.title
    course.delete()
    response = learner_client.get(reverse("learners:my_learning"))
    assert [e.course_title for e in response.context["completed"]] == [title]
    assert title in response.content.decode()


def test_hr_authors_edit_the_catalogue_but_not_the_home_page(
    client, home, catalogue, course
):
    hr = UserFactory()
    hr.groups.add(ensure_hr_author_group())
    client.force_login(hr)
    assert (
        client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).status_code
        == 200
    )
    for page in (home, catalogue.get_parent()):
        response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 302, page
    response = client.post(reverse("wagtailadmin_pages:unpublish", args=[home.pk]))
    home.refresh_from_db()
    assert home.live


def test_bulk_delete_of_people_with_records_is_refused(
    client, admin_user, learner, course
):
    complete(learner, course)
    bystander = UserFactory()
    client.force_login(admin_user)
    url = (
        reverse("wagtail_bulk_action", args=("auth", "user", "delete"))
        + f"?id={learner.pk}&id={bystander.pk}"
    )
    response = client.post(url)
    assert response.status_code == 302
    assert type(learner).objects.filter(pk__in=[learner.pk, bystander.pk]).count() == 2
    assert Enrolment.objects.filter(learner=learner).exists()


def test_a_new_cycle_renews_the_certificate_and_keeps_the_history(
    learner_client, learner, course
):
    course.validity_kind = "months"
    course.validity_months = 12
    publish(course)
    quiz = publish(QuizPageFactory(parent=course, max_attempts=1))
    complete(learner, course)
    first = Certificate.objects.get()
    response = learner_client.post(reverse("learners:new_cycle", args=[course.pk]))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(learner=learner, cycle=2)
    assert enrolment.completed_at is None
    # The quiz can be taken again in the new cycle (its limit is per cycle).
    page = learner_client.get(quiz.url)
    assert page.context["attempts_left"] == 1
    complete(learner, course)
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
    complete(learner, course)
    learner_client.post(reverse("learners:new_cycle", args=[course.pk]))
    assert Enrolment.objects.filter(learner=learner).count() == 1
