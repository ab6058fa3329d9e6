"""The learning record's admin tools scoped like the reports
(organisation.scope): certificates (view, revoke), quiz accommodations and
"record a completion", tried from the wrong side. A local coordinator of
administration A neither sees nor reaches B's person (B's name absent from
the listing, a direct address a 404, a forged POST a form error or a 404,
nothing changed), B's coordinator does, central HR sees both, and an HR
author without the permission is refused."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from learners import actions
from learners.models import Certificate, Enrolment, QuizAccommodation
from organisation.models import AuditEvent
from tests.factories import make_course
from tests.helpers import admin_refused as refused
from tests.helpers import make_two_administrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def org(db):
    return make_two_administrations()


@pytest.fixture
def certificates(org, course):
    for person in (org["alma"], org["bertil"]):
        for lesson in course.lessons():
            actions.record_lesson_progress(person, lesson, completed=True)
    return {
        "alma": Certificate.objects.get(learner=org["alma"]),
        "bertil": Certificate.objects.get(learner=org["bertil"]),
    }


# --- Certificates -----------------------------------------------------------------


def test_a_coordinator_sees_and_revokes_only_certificates_in_their_administration(
    client, org, certificates
):
    theirs, other = certificates["alma"], certificates["bertil"]
    client.force_login(org["coord_a"])
    html = client.get(reverse("certificates:index")).content.decode()
    assert "Alma Ahlström" in html and "Bergqvist" not in html
    for name in ("inspect", "edit", "history"):
        url = reverse(f"certificates:{name}", args=[other.pk])
        assert client.get(url).status_code == 404, name
    response = client.post(
        reverse("certificates:edit", args=[other.pk]), {"revoked_reason": "Fusk"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None and other.revoked_reason == ""

    response = client.post(
        reverse("certificates:edit", args=[theirs.pk]), {"revoked_reason": "Fel"}
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_reason == "Fel" and theirs.revoked_by == org["coord_a"]

    client.force_login(org["coord_b"])
    html = client.get(reverse("certificates:index")).content.decode()
    assert "Bertil Bergqvist" in html and "Ahlström" not in html
    client.force_login(org["central"])
    html = client.get(reverse("certificates:index")).content.decode()
    assert "Bertil Bergqvist" in html and "Alma Ahlström" in html


def test_without_the_permission_certificates_are_refused(client, org, certificates):
    org["author"].groups.clear()  # in the admin, with no permission at all
    org["author"].user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(org["author"])
    other = certificates["bertil"]
    assert refused(client.get(reverse("certificates:index")))
    assert refused(client.get(reverse("certificates:inspect", args=[other.pk])))
    response = client.post(
        reverse("certificates:edit", args=[other.pk]), {"revoked_reason": "Fusk"}
    )
    assert refused(response)
    other.refresh_from_db()
    assert other.revoked_at is None


def test_the_certificate_listing_reads_a_fixed_number_of_queries(
    client, org, catalogue, certificates, django_assert_max_num_queries
):
    client.force_login(org["coord_a"])
    client.get(reverse("certificates:index"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("certificates:index"))
    # Counted now: the next request empties the connection's query log.
    with_few = len(few.captured_queries)
    more = make_course_for(catalogue)
    for lesson in more.lessons():
        actions.record_lesson_progress(org["alma"], lesson, completed=True)
    # A new course moves the content generation on: the process looks the
    # site up again once (cms.lookups), whatever the number of rows.
    client.get(reverse("certificates:index"))
    with django_assert_max_num_queries(with_few):
        html = client.get(reverse("certificates:index")).content.decode()
    assert html.count("Alma Ahlström") >= 2


def make_course_for(catalogue):
    return make_course(catalogue, lessons=1, title="Brandskydd")


# --- Quiz accommodations ------------------------------------------------------------


def _accommodation(person, by):
    return QuizAccommodation.objects.create(
        learner=person, extra_percent=50, note="Mer tid", granted_by=by
    )


def test_a_coordinator_grants_accommodations_only_in_their_administration(client, org):
    other = _accommodation(org["bertil"], org["central"])
    client.force_login(org["coord_a"])
    html = client.get(reverse("quiz_accommodations:index")).content.decode()
    assert "Bergqvist" not in html
    for name in ("edit", "delete", "history"):
        url = reverse(f"quiz_accommodations:{name}", args=[other.pk])
        assert client.get(url).status_code == 404, name
    post = {
        "learner": org["bertil"].pk,
        "quiz": "",
        "extra_percent": "100",
        "note": "x",
    }
    response = client.post(reverse("quiz_accommodations:edit", args=[other.pk]), post)
    assert response.status_code == 404
    response = client.post(reverse("quiz_accommodations:delete", args=[other.pk]), {})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.extra_percent == 50

    response = client.post(reverse("quiz_accommodations:add"), post)
    assert response.status_code == 200
    assert "learner" in response.context["form"].errors
    assert "in your part of the organisation" in response.content.decode()
    assert QuizAccommodation.objects.count() == 1

    response = client.post(
        reverse("quiz_accommodations:add"), {**post, "learner": org["alma"].pk}
    )
    assert response.status_code == 302
    assert QuizAccommodation.objects.filter(learner=org["alma"]).exists()
    html = client.get(reverse("quiz_accommodations:index")).content.decode()
    assert "Alma Ahlström" in html and ">alma<" not in html  # a name, no username

    client.force_login(org["coord_b"])
    html = client.get(reverse("quiz_accommodations:index")).content.decode()
    assert "Bergqvist" in html and "Ahlström" not in html
    client.force_login(org["central"])
    html = client.get(reverse("quiz_accommodations:index")).content.decode()
    assert "Bergqvist" in html and "Ahlström" in html


def test_an_hr_author_without_an_hr_role_grants_no_accommodation(client, org):
    """HR authors have the permission, but no HR role: their scope is nobody's
    (the permission says what, the HR role whom)."""
    client.force_login(org["author"])
    post = {"learner": org["alma"].pk, "quiz": "", "extra_percent": "100", "note": "x"}
    response = client.post(reverse("quiz_accommodations:add"), post)
    assert response.status_code == 200
    assert "learner" in response.context["form"].errors
    assert not QuizAccommodation.objects.exists()


def test_the_accommodation_listing_reads_a_fixed_number_of_queries(
    client, org, django_assert_max_num_queries
):
    _accommodation(org["alma"], org["central"])
    client.force_login(org["coord_a"])
    client.get(reverse("quiz_accommodations:index"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("quiz_accommodations:index"))
    _accommodation(org["coord_a"], org["central"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("quiz_accommodations:index")).content.decode()
    assert org["coord_a"].get_full_name() in html


# --- Record a completion --------------------------------------------------------------


def _completion(person, course):
    return {
        "person": person.pk,
        "course": course.pk,
        "completed_on": "2025-03-04",
        "note": "Klassrumsutbildning 2025-03-04",
    }


def test_a_coordinator_records_completions_only_in_their_administration(
    client, org, course
):
    client.force_login(org["coord_a"])
    events = AuditEvent.objects.filter(action="manual_record")
    response = client.post(
        reverse("record_completion"), _completion(org["bertil"], course)
    )
    assert response.status_code == 400
    assert "person" in response.context["form"].errors
    assert "in your part of the organisation" in response.content.decode()
    assert not Enrolment.objects.exists() and not events.exists()

    response = client.post(
        reverse("record_completion"), _completion(org["alma"], course)
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().learner == org["alma"]

    client.force_login(org["coord_b"])
    response = client.post(
        reverse("record_completion"), _completion(org["bertil"], course)
    )
    assert response.status_code == 302
    client.force_login(org["central"])
    other = make_course_for(course.get_parent())
    for person in (org["alma"], org["bertil"]):
        response = client.post(reverse("record_completion"), _completion(person, other))
        assert response.status_code == 302
    assert Enrolment.objects.count() == 4 and events.count() == 4


def test_an_hr_author_without_the_permission_records_nothing(client, org, course):
    client.force_login(org["author"])
    response = client.post(
        reverse("record_completion"), _completion(org["alma"], course)
    )
    assert refused(response)
    assert refused(client.get(reverse("record_completion")))
    assert not Enrolment.objects.exists()
