"""The `load_demo` command: realistic content that is safe to load again."""

import shutil
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site
from wagtailmedia import get_media_model

from cms.demo.loader import DEMO_DIR, DemoContentError, read_demo
from cms.models import AccessibilityStatementPage, HomePage
from cms.roles import HR_ADMINISTRATORS, HR_AUTHORS
from courses.grading import questions_of
from courses.models import (
    Category,
    CoursePage,
    InformationPage,
    LessonPage,
    QuizPage,
)
from courses.validity import Validity
from learners.models import QuizAttempt
from organisation.models import OrgUnit, StaffProfile
from organisation.scope import scope_of

pytestmark = pytest.mark.django_db

ALL_BLOCK_TYPES = {
    "text",
    "image",
    "video",
    "document",
    "callout",
    "expandable",
    "key_points",
}

QUESTION_TYPES = {
    "single_choice",
    "multiple_choice",
    "true_false",
    "matching",
    "ordering",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # The command moves the site root; Wagtail caches the root paths outside
    # the test transaction, so leave no stale paths for other tests.
    Site.clear_site_root_paths_cache()
    yield tmp_path
    Site.clear_site_root_paths_cache()


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "users": get_user_model().objects.count(),
        "groups": Group.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "media": get_media_model().objects.count(),
        "categories": Category.objects.count(),
        "org_units": OrgUnit.objects.count(),
        "sites": Site.objects.count(),
    }


def security_course():
    return CoursePage.objects.get(slug="informationssakerhet-for-medarbetare")


def gdpr_course():
    return CoursePage.objects.get(slug="dataskydd-och-gdpr-i-vardagen")


def quiz_of(course):
    return QuizPage.objects.child_of(course).get(slug="kunskapstest")


def block_ids(questions):
    """The ids of the questions and of their options, pairs and items, from a
    stored StreamField value or from the demo files as read."""
    ids = []
    for question in questions:
        if isinstance(question, dict):
            ids.append(question["id"])
            children = [
                child
                for key in ("options", "pairs", "items")
                for child in question["value"].get(key, [])
            ]
            ids += [child["id"] for child in children]
        else:
            ids.append(question.id)
            for key in ("options", "pairs", "items"):
                if key in question.value:
                    ids += [child.id for child in question.value[key].bound_blocks]
    return ids


def test_running_twice_creates_nothing_twice(settings):
    first_output = load_demo()
    after_first = counts()
    second_output = load_demo()

    assert counts() == after_first
    assert after_first["images"] >= 2
    assert after_first["documents"] == 2
    assert after_first["media"] == 1
    assert "already in place" not in first_output
    assert "already in place" in second_output
    for output in (first_output, second_output):
        assert f"{settings.SITE_URL.rstrip('/')}/admin/" in output
        assert "kompetens-demo" in output
        for username in ("anna", "hr", "chef", "koord", "admin"):
            assert username in output


def test_demo_content_and_people():
    load_demo()
    check_home_page_replaces_the_welcome_page()
    check_courses_lessons_and_blocks()
    check_demo_users_and_roles()


def check_home_page_replaces_the_welcome_page():
    site = Site.objects.get(is_default_site=True)
    home = HomePage.objects.get()
    assert site.root_page_id == home.pk
    assert home.live and home.title == "Välkommen till Kompetens"
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()
    assert home.get_children().filter(slug="kurser").live().exists()
    statement = AccessibilityStatementPage.objects.child_of(home).live().get()
    assert statement.slug == "tillganglighet"
    assert "Myndigheten för digital förvaltning" in statement.body


def check_courses_lessons_and_blocks():
    course = security_course()
    lessons = list(course.lessons())
    assert len(lessons) == 5
    assert all(lesson.live and lesson.live_revision_id for lesson in lessons)
    assert course.cover_image is not None
    assert course.categories.exists()

    used = set()
    blocks = []
    for page in [*LessonPage.objects.all(), *InformationPage.objects.all()]:
        # The stored content passes the editor's own validation.
        page.body.stream_block.clean(page.body)
        blocks += list(page.body)
    for lesson in lessons:
        used |= {block.block_type for block in lesson.body}
    assert used == ALL_BLOCK_TYPES

    images = [block.value for block in blocks if block.block_type == "image"]
    videos = [block.value for block in blocks if block.block_type == "video"]
    assert images and videos
    for value in images:
        assert value["alt_text"].strip()
    for value in videos:
        assert value["captions"].file.name.endswith(".vtt")
        assert value["captions_language"] == "sv"
        assert str(value["transcript"]).strip()
        assert value["video"].type == "video"

    gdpr = CoursePage.objects.get(slug="dataskydd-och-gdpr-i-vardagen")
    gdpr_lessons = list(gdpr.lessons())
    assert 3 <= len(gdpr_lessons) <= 4
    assert [lesson.required for lesson in gdpr_lessons].count(False) == 1
    assert (
        InformationPage.objects.live()
        .filter(slug="sa-rapporterar-du-en-it-incident")
        .exists()
    )


def check_demo_users_and_roles():
    users = get_user_model().objects

    hr = users.get(username="hr")
    assert hr.groups.filter(name=HR_AUTHORS).exists()
    assert not hr.is_superuser and not hr.is_staff
    assert hr.has_perm("wagtailadmin.access_admin")

    anna = users.get(username="anna")
    assert not anna.is_staff and not anna.has_perm("wagtailadmin.access_admin")
    assert users.get(username="admin").is_superuser
    assert OrgUnit.objects.filter(head__username="chef").exists()

    # The local coordinator: an HR administrator whose scope is Södermalm's
    # administration, given as the platform gives it (the staff profile).
    koord = users.get(username="koord")
    assert koord.groups.filter(name=HR_ADMINISTRATORS).exists()
    assert not koord.is_superuser and not koord.is_staff
    assert koord.has_perm("wagtailadmin.access_admin")
    assert koord.staff_profile.hr_role == StaffProfile.HrRole.COORDINATOR
    administration = OrgUnit.objects.get(hr_code="SOD")
    assert koord.staff_profile.coordinator_of == administration
    assert scope_of(koord).unit_paths == (administration.path,)

    logins = ["anna", "hr", "chef", "koord", "admin"]
    assert users.filter(username__in=logins).count() == len(logins)
    for user in users.filter(username__in=logins):
        assert user.check_password("kompetens-demo")
        assert user.email.endswith("@example.se")


def test_demo_pages_render():
    load_demo()
    anonymous = Client()
    assert anonymous.get("/tillganglighet/").status_code == 200

    client = Client()
    client.force_login(get_user_model().objects.get(username="anna"))
    course = security_course()
    for url in [
        "/",
        "/kurser/",
        course.url,
        *[lesson.url for lesson in course.lessons()],
        InformationPage.objects.get().url,
    ]:
        response = client.get(url)
        assert response.status_code == 200, url

    lesson = course.lessons().first()
    html = client.get(lesson.url).content.decode()
    assert "<video" in html and 'kind="captions"' in html

    # The search index is up to date: the catalogue finds a lesson's words.
    html = client.get("/kurser/", {"q": "nätfiske"}).content.decode()
    assert course.title in html


# --- Quizzes and certificate validity ----------------------------------------


def test_quizzes_and_certificate_validity():
    load_demo()
    demo = read_demo()
    for course in (security_course(), gdpr_course()):
        definition = demo.page(f"/kurser/{course.slug}/kunskapstest/").fields
        quiz = quiz_of(course)
        assert quiz.live and quiz.live_revision_id
        assert course.get_children().last().pk == quiz.pk  # after the lessons
        assert list(course.quizzes()) == [quiz]
        quiz.full_clean()
        # Every question, and the whole field, passes the editor's validation.
        for question in quiz.questions:
            question.block.clean(question.value)
        quiz.questions.stream_block.clean(quiz.questions)
        # The fixed ids from the demo files, in the page and in the live
        # revision that attempts are drawn from.
        ids = block_ids(definition["questions"])
        assert len(set(ids)) == len(ids)
        assert block_ids(quiz.questions) == ids
        assert block_ids(quiz.live_revision.as_object().questions) == ids
        for question in quiz.questions:
            assert str(question.value["explanation"]).strip()
            if question.block_type in ("single_choice", "multiple_choice"):
                assert all(option["feedback"] for option in question.value["options"])
            if question.block_type == "true_false":
                assert question.value["feedback_true"]
                assert question.value["feedback_false"]

    security = quiz_of(security_course())
    assert security.title == "Kunskapstest: informationssäkerhet"
    assert {question.block_type for question in security.questions} == QUESTION_TYPES
    assert Counter(question.block_type for question in security.questions) == {
        "single_choice": 2,
        "multiple_choice": 2,
        "true_false": 2,
        "matching": 1,
        "ordering": 1,
    }
    assert (security.pass_mark, security.max_attempts, security.draw_count) == (
        80,
        3,
        None,
    )
    assert security.shuffle_options and not security.shuffle_questions
    assert security.time_limit_minutes is None
    assert security.reveal_answers == QuizPage.Reveal.AFTER_SUBMIT
    assert security.required

    gdpr = quiz_of(gdpr_course())
    assert len(gdpr.questions) == 4
    assert (gdpr.pass_mark, gdpr.time_limit_minutes, gdpr.draw_count) == (75, 15, None)
    assert gdpr.reveal_answers == QuizPage.Reveal.AFTER_PASS

    months = security_course().validity
    assert months == Validity(kind="months", months=12)
    assert months.valid_until(date(2026, 3, 15)) == date(2027, 3, 15)
    yearly = gdpr_course().validity
    assert yearly == Validity(
        kind="yearly", yearly_month=12, yearly_day=31, minimum_days=60
    )
    assert yearly.valid_until(date(2026, 9, 1)) == date(2026, 12, 31)
    # Fewer than 60 days left in the year: valid until the end of the next.
    assert yearly.valid_until(date(2026, 11, 15)) == date(2027, 12, 31)


def quiz_revisions():
    return {
        quiz.pk: (quiz.revisions.count(), quiz.live_revision_id)
        for quiz in QuizPage.objects.all()
    }


def test_second_run_leaves_the_quizzes_alone():
    load_demo()
    before = quiz_revisions()
    assert len(before) == 2
    load_demo()
    assert quiz_revisions() == before


def test_run_on_a_database_from_before_quizzes_adds_them():
    """The previous version of the command made the courses without quizzes
    and without certificate validity; running this one adds both, once."""
    load_demo()
    ids = {
        quiz.get_parent().pk: block_ids(quiz.questions)
        for quiz in QuizPage.objects.all()
    }
    for quiz in QuizPage.objects.all():
        quiz.delete()
    CoursePage.objects.update(
        validity_kind="none",
        validity_months=None,
        validity_yearly_month=None,
        validity_yearly_day=None,
        validity_minimum_days=0,
    )
    courses = [security_course(), gdpr_course()]
    revisions = {course.pk: course.revisions.count() for course in courses}

    output = load_demo()
    assert "already in place" not in output
    for course in [security_course(), gdpr_course()]:
        quiz = quiz_of(course)
        assert quiz.live
        assert course.get_children().last().pk == quiz.pk
        assert block_ids(quiz.questions) == ids[course.pk]  # the same ids again
        # One new, published revision with the validity.
        assert course.revisions.count() == revisions[course.pk] + 1
        assert course.live_revision_id == course.latest_revision_id
        assert not course.has_unpublished_changes
        assert course.live_revision.as_object().validity_kind != "none"
    assert security_course().validity.months == 12
    assert gdpr_course().validity.yearly_day == 31

    after = counts()
    assert "already in place" in load_demo()
    assert counts() == after


def test_validity_chosen_by_an_editor_or_in_a_draft_stays():
    load_demo()
    hr = get_user_model().objects.get(username="hr")
    security = security_course()
    security.validity_months = 24
    security.save_revision(user=hr).publish(user=hr)
    CoursePage.objects.filter(pk=gdpr_course().pk).update(validity_kind="none")
    gdpr = gdpr_course()
    gdpr.summary = "Ett utkast."
    gdpr.save_revision(user=hr)
    revisions = Revision.objects.count()

    output = load_demo()

    assert "not live or has unpublished changes" in output
    assert Revision.objects.count() == revisions
    assert security_course().validity.months == 24
    gdpr = gdpr_course()
    assert gdpr.validity_kind == "none" and gdpr.has_unpublished_changes


def correct_answers(attempt):
    """Form data answering every question of the attempt correctly, read from
    the revision the attempt was drawn from."""
    questions = questions_of(attempt.quiz_revision.as_object())
    data = {}
    for entry in attempt.presentation:
        qid, right = entry["id"], questions[entry["id"]].correct_answer()
        if entry["type"] == "matching":
            token = {choice["pair"]: choice["token"] for choice in entry["choices"]}
            for item, pair in right.items():
                data[f"q-{qid}-{item}"] = token[pair]
        elif entry["type"] == "ordering":
            for position, item in enumerate(right, start=1):
                data[f"q-{qid}-{item}"] = str(position)
        else:
            data[f"q-{qid}"] = right
    return data


def test_demo_quizzes_can_be_passed():
    load_demo()
    anna = get_user_model().objects.get(username="anna")
    client = Client()
    client.force_login(anna)
    for course in (security_course(), gdpr_course()):
        quiz = quiz_of(course)
        assert client.get(quiz.url).status_code == 200
        response = client.post(quiz.url, {"action": "start"})
        assert response.status_code == 302
        attempt = QuizAttempt.objects.get(enrolment__learner=anna, quiz=quiz)
        assert len(attempt.presentation) == len(quiz.questions)

        html = client.get(quiz.url).content.decode()
        data = correct_answers(attempt)
        for name in data:
            assert f'name="{name}"' in html

        response = client.post(
            quiz.url, {**data, "action": "submit", "attempt": attempt.pk}
        )
        result_url = f"/learning/attempts/{attempt.pk}/"
        assert response.status_code == 302 and response["Location"] == result_url
        attempt.refresh_from_db()
        assert attempt.passed and attempt.score == 100
        response = client.get(result_url)
        assert response.status_code == 200
        assert "review__explanation" in response.content.decode()


def test_demo_has_staff_a_team_and_required_training():
    from assignments.models import Assignment, AssignmentRule

    load_demo()
    rule = AssignmentRule.objects.get()
    assert rule.active
    assigned = dict(Assignment.objects.values_list("person__username", "state"))
    assert assigned == dict.fromkeys(
        ("anna", "chef", "hr", "ali", "berit", "carlos", "koord"), "open"
    )
    carlos = Assignment.objects.get(person__username="carlos")
    anna = Assignment.objects.get(person__username="anna")
    assert carlos.due_date > anna.due_date  # on leave: due after the return
    chef = get_user_model().objects.get(username="chef")
    team = set(scope_of(chef).people().values_list("user__username", flat=True))
    assert {"anna", "ali", "berit", "carlos"} <= team


@pytest.mark.parametrize(
    ("edit", "wrong"),
    [
        # A coordinator without an administration would see nobody, silently.
        ("    coordinator_of: SOD\n", ""),
        # An administration without the role would widen nobody's scope.
        ("    hr_role: coordinator\n", ""),
        # A misspelt role is no role at all.
        ("    hr_role: coordinator\n", "    hr_role: coordinater\n"),
        ("    coordinator_of: SOD\n", "    coordinator_of: NOWHERE\n"),
    ],
)
def test_a_coordinator_slip_in_people_yaml_is_named(tmp_path, edit, wrong):
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, copy)
    people = copy / "people.yaml"
    text = people.read_text()
    assert text.count(edit) == 1
    people.write_text(text.replace(edit, wrong))

    with pytest.raises(DemoContentError) as refused:
        read_demo(copy)

    message = str(refused.value)
    assert "people.yaml" in message and "staff, entry 7" in message
    assert "coordinat" in message
