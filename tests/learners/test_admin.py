"""HR's admin views: certificates (revoke with a reason), accommodations,
per-question quiz results; each tried from the wrong side too."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cms.roles import ensure_hr_author_group
from learners import actions
from learners.models import Certificate, Enrolment, QuizAccommodation
from organisation.models import StaffProfile
from tests.factories import QuizPageFactory, UserFactory, correct_answers, publish
from tests.helpers import complete_course, querydict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hr(catalogue):
    """An HR author who is central HR: the permission says what, the HR role
    whom (the city)."""
    user = UserFactory(username="helena")
    user.groups.add(ensure_hr_author_group())
    StaffProfile.objects.create(user=user, employee_number="E-hr", hr_role="central")
    return user


@pytest.fixture
def admin_only(db):
    """Can open the admin, may do nothing else."""
    user = UserFactory(username="admin-only")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def certificate(learner, course):
    for lesson in course.lessons():
        actions.record_lesson_progress(learner, lesson, completed=True)
    return Certificate.objects.get(learner=learner)


def test_hr_revokes_a_certificate_with_a_reason(client, hr, certificate):
    client.force_login(hr)
    index = client.get(reverse("certificates:index"))
    assert index.status_code == 200
    assert certificate.holder_name in index.content.decode()
    url = reverse("certificates:edit", args=[certificate.pk])
    response = client.post(url, {"revoked_reason": "   "})
    assert response.status_code == 200  # the form again, with the message
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    response = client.post(url, {"revoked_reason": "Registrerad på fel person"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Registrerad på fel person"
    assert certificate.revoked_by == hr


def test_certificates_cannot_be_added_edited_or_deleted_in_the_admin(
    client, hr, certificate
):
    client.force_login(hr)
    before = (certificate.valid_from, certificate.valid_until, certificate.code)
    client.post(
        reverse("certificates:edit", args=[certificate.pk]),
        {"revoked_reason": "Fel", "valid_until": "2099-01-01", "code": "X"},
    )
    certificate.refresh_from_db()
    assert (certificate.valid_from, certificate.valid_until, certificate.code) == before
    assert client.get(reverse("certificates:add")).status_code in (302, 403)
    response = client.post(reverse("certificates:delete", args=[certificate.pk]))
    assert response.status_code in (302, 403)
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_without_the_permission_certificates_are_out_of_reach(
    client, admin_only, certificate
):
    client.force_login(admin_only)
    for url in (
        reverse("certificates:index"),
        reverse("certificates:edit", args=[certificate.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
    client.post(
        reverse("certificates:edit", args=[certificate.pk]), {"revoked_reason": "x"}
    )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_learner_cannot_reach_admin_views(client, learner, certificate, course):
    client.force_login(learner)
    quiz = publish(QuizPageFactory(parent=course))
    for url in (
        reverse("certificates:index"),
        reverse("quiz_accommodations:index"),
        reverse("quiz_results", args=[quiz.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
        assert certificate.holder_name not in response.content.decode()


def test_hr_grants_an_accommodation_to_a_person_chosen(client, hr, learner, course):
    quiz = publish(QuizPageFactory(parent=course, time_limit_minutes=10))
    client.force_login(hr)
    url = reverse("quiz_accommodations:add")
    response = client.post(
        url, {"learner": "999999", "quiz": quiz.pk, "extra_percent": 50}
    )
    assert response.status_code == 200
    assert not QuizAccommodation.objects.exists()
    response = client.post(
        url,
        {
            "learner": learner.pk,
            "quiz": quiz.pk,
            "extra_percent": 50,
            "note": "Läsning",
        },
    )
    assert response.status_code == 302
    accommodation = QuizAccommodation.objects.get()
    assert (accommodation.learner, accommodation.extra_percent) == (learner, 50)
    assert actions.time_allowed(learner, quiz).total_seconds() == 15 * 60


def test_quiz_results_show_share_correct_per_question(client, hr, admin_only, course):
    quiz = publish(QuizPageFactory(parent=course, max_attempts=None))
    people = [UserFactory() for _ in range(4)]
    for index, person in enumerate(people):
        attempt = actions.start_quiz_attempt(person, quiz)
        wrong = {"q-single"} if index < 3 else set()
        actions.save_quiz_answers(
            person,
            attempt.pk,
            querydict(correct_answers(attempt, wrong=wrong)),
            submit=True,
        )
    actions.start_quiz_attempt(UserFactory(), quiz)  # an open attempt does not count
    client.force_login(hr)
    response = client.get(reverse("quiz_results", args=[quiz.pk]))
    assert response.status_code == 200
    shares = {row["question"].id: row["share"] for row in response.context["rows"]}
    assert shares == {
        "q-single": 25,
        "q-multi": 100,
        "q-tf": 100,
        "q-match": 100,
        "q-order": 100,
    }
    client.force_login(admin_only)
    response = client.get(reverse("quiz_results", args=[quiz.pk]))
    # Wagtail turns PermissionDenied into a redirect to the dashboard.
    assert response.status_code == 302 and response["Location"] == reverse(
        "wagtailadmin_home"
    )
    client.force_login(hr)
    assert client.get(reverse("quiz_results", args=[987654])).status_code == 404


def test_a_person_with_a_learning_record_is_not_deleted(
    client, admin_user, learner, certificate
):
    client.force_login(admin_user)
    response = client.post(reverse("wagtailusers_users:delete", args=[learner.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailusers_users:edit", args=[learner.pk])
    assert Certificate.objects.filter(learner=learner).exists()
    other = UserFactory()
    client.post(reverse("wagtailusers_users:delete", args=[other.pk]))
    assert not type(other).objects.filter(pk=other.pk).exists()


def test_bulk_delete_of_people_with_records_is_refused(
    client, admin_user, learner, course
):
    complete_course(learner, course)
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
