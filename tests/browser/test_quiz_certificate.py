"""The demo course's final quiz in a real browser: fail, retry, pass, download
the certificate and open its public verification page.

The lessons are recorded as done in the setup (the walk through them is the
learner journey test's job); everything from the quiz's introduction to the
verification page happens in Chromium, one question by keyboard alone. The
correct answers are read from the quiz's questions in the database, as the
author declared them, never from the app's grading code. axe-core checks the
quiz introduction, the questions, both results and the verification page
against WCAG 2.1 A and AA.

A second test builds a quiz with a time limit and checks that the timer is
shown with a live region that announces the warnings to screen readers.
"""

import io
import re
from io import StringIO

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from courses.grading import field_name
from courses.models import CoursePage, QuizPage
from learners import actions
from learners.models import Certificate, Enrolment, QuizAttempt
from tests.browser.helpers import (
    assert_no_axe_violations,
    log_in,
    path_of,
    tab_to,
)
from tests.factories import PASSWORD, QuizPageFactory, UserFactory, make_course, publish

pytestmark = [
    pytest.mark.browser,
    # The live server needs a transactional database; serialized_rollback
    # restores what the migrations created (Wagtail's root page and site) for
    # the next test, as in the other browser tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_PASSWORD = "kompetens-demo"
DEMO_COURSE = "Informationssäkerhet för medarbetare"
DEMO_QUIZ = "Kunskapstest: informationssäkerhet"

QUIZ_START = 'main form:has(input[name="action"][value="start"]) button'
QUIZ_SUBMIT = 'button[name="action"][value="submit"]'


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads (load_demo's images and video) and the rendered certificate go
    to a directory of this test's own, removed with it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def demo_quiz(media_root, transactional_db):
    call_command("load_demo", stdout=StringIO())
    course = CoursePage.objects.live().get(title=DEMO_COURSE)
    # Both demo courses have a quiz with the slug "kunskapstest": take this
    # course's one.
    quiz = QuizPage.objects.live().child_of(course).get(slug="kunskapstest")
    assert quiz.title == DEMO_QUIZ
    return {"course": course, "quiz": quiz}


# --- Answers, read from the questions as the author declared them -------------


def answers(quiz, wrong=()):
    """For each question, in the quiz's order, what a learner fills in:
    (question id, type, [(control, name, value), ...]) where control is
    "check" (a radio or checkbox by value), "label" (a select's option by its
    visible text) or "value" (a select's option by value). Questions whose id
    is in ``wrong`` get a wrong answer instead."""
    result = []
    for question in quiz.questions.raw_data:
        kind, qid, value = question["type"], question["id"], question["value"]
        name = field_name(qid)
        bad = qid in wrong
        if kind == "single_choice":
            option = next(o for o in value["options"] if o["value"]["correct"] != bad)
            steps = [("check", name, option["id"])]
        elif kind == "multiple_choice":
            steps = [
                ("check", name, option["id"])
                for option in value["options"]
                if option["value"]["correct"] != bad
            ]
        elif kind == "true_false":
            correct = value["correct_answer"]
            steps = [("check", name, {"true": "false", "false": "true"}[correct])]
            if not bad:
                steps = [("check", name, correct)]
        elif kind == "matching":
            pairs = value["pairs"]
            # Wrong: every item gets the next pair's match.
            shift = 1 if bad else 0
            steps = [
                (
                    "label",
                    field_name(qid, pair["id"]),
                    pairs[(index + shift) % len(pairs)]["value"]["match"],
                )
                for index, pair in enumerate(pairs)
            ]
        elif kind == "ordering":
            items = value["items"]
            # Wrong: the correct order reversed.
            steps = [
                (
                    "value",
                    field_name(qid, item["id"]),
                    str(len(items) - index if bad else index + 1),
                )
                for index, item in enumerate(items)
            ]
        else:
            pytest.fail(f"The test cannot answer a {kind!r} question yet.")
        result.append((qid, kind, steps))
    return result


def _input(name, value):
    return f'input[name="{name}"][value="{value}"]'


def answer_by_mouse(page, steps):
    for control, name, value in steps:
        if control == "check":
            page.locator(_input(name, value)).click()
            expect(page.locator(_input(name, value))).to_be_checked()
        elif control == "label":
            page.locator(f'select[name="{name}"]').select_option(label=value)
        else:
            page.locator(f'select[name="{name}"]').select_option(value=value)


def _active(page):
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {name: el.name || "", value: el.value || "",
                           checked: !!el.checked, tag: el.tagName}; }"""
    )


def answer_by_keyboard(page, steps):
    """Tab to each control, the arrow keys within a radio group and a select,
    Space to tick: no mouse at all."""
    for control, name, value in steps:
        if control == "check":
            kind = page.locator(_input(name, value)).get_attribute("type")
            if kind == "radio":
                # Tab enters the group once; the arrows move (and select).
                tab_to(page, f"el => el.name === {name!r}")
                for _press in range(10):
                    if _active(page)["value"] == value:
                        break
                    page.keyboard.press("ArrowDown")
            else:
                tab_to(page, f"el => el.name === {name!r} && el.value === {value!r}")
            assert _active(page)["value"] == value
            if not _active(page)["checked"]:
                page.keyboard.press("Space")
            expect(page.locator(_input(name, value))).to_be_checked()
        else:
            select = page.locator(f'select[name="{name}"]')
            tab_to(page, f"el => el.name === {name!r}")
            for _press in range(12):
                chosen = select.evaluate(
                    "el => [el.value, el.selectedOptions[0].text.trim()]"
                )
                if chosen[0 if control == "value" else 1] == value:
                    break
                page.keyboard.press("ArrowDown")
            else:
                pytest.fail(f"could not choose {value!r} in {name} by keyboard")


def choose_by_keyboard(quiz):
    """One question of each kind of control, answered by keyboard alone: the
    first single choice (radio group), multiple choice (checkboxes) and
    ordering (selects)."""
    chosen = {}
    for qid, kind, _steps in answers(quiz):
        chosen.setdefault(kind, qid)
    return {chosen[kind] for kind in ("single_choice", "multiple_choice", "ordering")}


def fact(page, term):
    """The value of one of the quiz introduction's facts."""
    return (
        page.locator("dl.facts > div")
        .filter(has=page.locator("dt", has_text=term))
        .locator("dd")
    )


def review_texts(quiz):
    """The feedback and explanations: shown only after submission."""
    texts = []
    for question in quiz.questions.raw_data:
        value = question["value"]
        texts.append(re.sub(r"<[^>]+>", "", value["explanation"]))
        texts += [value.get("feedback_true", ""), value.get("feedback_false", "")]
        texts += [option["value"]["feedback"] for option in value.get("options", [])]
    return [text for text in texts if len(text) > 20]


def pdf_text(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    # Long lines may wrap: compare with the whitespace normalised.
    return re.sub(r"\s+", " ", text)


# --- The test ------------------------------------------------------------------


def test_fail_retry_pass_download_and_verify_the_certificate(
    new_page, demo_quiz, tmp_path
):
    course, quiz = demo_quiz["course"], demo_quiz["quiz"]
    assert (quiz.pass_mark, quiz.max_attempts, quiz.reveal_answers) == (
        80,
        3,
        "after_submit",
    )
    anna = get_user_model().objects.get(username="anna")
    holder = anna.get_full_name()
    assert holder == "Anna Andersson"
    lessons = list(course.lessons())
    assert len(lessons) == 5
    for lesson in lessons:
        actions.record_lesson_progress(anna, lesson, completed=True)
    enrolment = Enrolment.objects.get(learner=anna, course=course)
    assert enrolment.completed_at is None, "the quiz is still to be passed"

    questions = answers(quiz)
    assert len(questions) == 8
    assert {kind for _qid, kind, _steps in questions} == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "matching",
        "ordering",
    }

    page = new_page()
    log_in(page, "anna", DEMO_PASSWORD, next_path=course.url)
    assert path_of(page) == course.url
    with page.expect_navigation():
        page.locator(f'.lesson-list a[href="{quiz.url}"]').click()
    assert path_of(page) == quiz.url

    # The introduction: pass mark, attempts, no time limit.
    expect(page.locator("h1")).to_have_text(DEMO_QUIZ)
    expect(fact(page, "Gräns för godkänt")).to_have_text("80 %")
    expect(fact(page, "Försök kvar")).to_have_text("3")
    assert_no_axe_violations(page, "the quiz introduction")

    # Attempt 1: some right, one wrong answer of every kind -> not passed.
    with page.expect_navigation():
        page.locator(QUIZ_START).click()
    expect(page.locator("fieldset.question")).to_have_count(8)
    expect(page.locator(".timer")).to_have_count(0)
    assert_no_axe_violations(page, "the quiz questions (open attempt)")
    # Graded on the server only: no feedback or explanation, which would give
    # the answers away, is in the page before the attempt is submitted.
    html = page.content()
    for secret in review_texts(quiz):
        assert secret not in html, f"{secret!r} is in the open attempt's page"
    first_of_kind = {}
    for qid, kind, _steps in questions:
        first_of_kind.setdefault(kind, qid)
    wrong = set(first_of_kind.values())
    right_count = len(questions) - len(wrong)
    assert len(wrong) == 5
    for _qid, _kind, steps in answers(quiz, wrong=wrong):
        answer_by_mouse(page, steps)
    with page.expect_navigation():
        page.locator(QUIZ_SUBMIT).click()

    first = QuizAttempt.objects.get(enrolment__learner=anna, quiz=quiz, number=1)
    assert path_of(page) == reverse("learners:attempt", args=[first.pk])
    expected_score = round(100 * right_count / len(questions))
    assert (first.score, first.passed) == (expected_score, False)
    result = page.locator(".result")
    expect(result).to_have_class(re.compile(r"\bresult--failed\b"))
    expect(result).to_have_attribute("role", "status")
    expect(result.locator(".result__verdict")).to_have_text("Inte godkänt")
    expect(result.locator(".result__score")).to_contain_text(
        f"Du fick {expected_score} %."
    )
    expect(result.locator(".result__score")).to_contain_text("80 %")
    # The settings reveal the answers after each attempt: every question has
    # its verdict, and no certificate yet.
    expect(page.locator(".review .badge--completed")).to_have_count(right_count)
    expect(page.locator(".review .badge--failed")).to_have_count(len(wrong))
    expect(page.locator(".certificate-box")).to_have_count(0)
    assert_no_axe_violations(page, "the quiz result (not passed)")

    # Back to the quiz: the failed attempt is listed; try again.
    with page.expect_navigation():
        page.get_by_role("link", name="Tillbaka till kunskapstestet").click()
    assert path_of(page) == quiz.url
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    expect(page.locator("table.table .badge--failed")).to_have_text("Inte godkänt")
    expect(fact(page, "Försök kvar")).to_have_text("2")
    assert_no_axe_violations(page, "the quiz introduction after a failed attempt")
    retry = page.locator(QUIZ_START)
    expect(retry).to_have_text("Försök igen")
    with page.expect_navigation():
        retry.click()

    # Attempt 2: every answer right, three of them by keyboard alone.
    expect(page.locator("fieldset.question")).to_have_count(8)
    # A new attempt starts empty.
    expect(page.locator("fieldset.question input:checked")).to_have_count(0)
    by_keyboard = choose_by_keyboard(quiz)
    for qid, _kind, steps in questions:
        if qid in by_keyboard:
            answer_by_keyboard(page, steps)
    for qid, _kind, steps in questions:
        if qid not in by_keyboard:
            answer_by_mouse(page, steps)
    with page.expect_navigation():
        page.locator(QUIZ_SUBMIT).click()

    second = QuizAttempt.objects.get(enrolment__learner=anna, quiz=quiz, number=2)
    assert path_of(page) == reverse("learners:attempt", args=[second.pk])
    assert (second.score, second.passed) == (100, True)
    result = page.locator(".result")
    expect(result).to_have_class(re.compile(r"\bresult--passed\b"))
    expect(result.locator(".result__verdict")).to_have_text("Godkänt")
    expect(result.locator(".result__score")).to_contain_text("Du fick 100 %.")
    expect(page.locator(".review .badge--completed")).to_have_count(8)
    expect(page.locator(".review .badge--failed")).to_have_count(0)

    # Passing the quiz completed the course: the certificate is issued once,
    # valid for the course's 12 months, and its PDF rendered on commit.
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    certificate = Certificate.objects.get(learner=anna)
    assert certificate.enrolment_id == enrolment.pk
    assert certificate.holder_name == holder
    assert certificate.course_title == DEMO_COURSE
    assert certificate.valid_until is not None
    assert (certificate.valid_until - certificate.valid_from).days in range(364, 367)
    assert certificate.pdf, "the certificate PDF was not rendered"

    box = page.locator("section.certificate-box")
    expect(box).to_be_visible()
    expect(box.get_by_role("heading", level=2)).to_have_text("Ditt intyg")
    expect(box).to_contain_text("Giltigt till och med")
    assert_no_axe_violations(page, "the quiz result (passed, with the certificate)")

    # Download the PDF.
    download_link = box.get_by_role("link", name="Ladda ned intyget (PDF)")
    expect(download_link).to_have_attribute(
        "href", reverse("learners:certificate_pdf", args=[certificate.pk])
    )
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == f"intyg-{certificate.code}.pdf"
    saved = tmp_path / "intyg.pdf"
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (holder, DEMO_COURSE, certificate.code):
        assert expected in text, f"{expected!r} is not in the PDF's text: {text!r}"

    # The verification page, from the result page's link.
    verify_url = reverse("verify_certificate", args=[certificate.code])
    with page.expect_navigation():
        box.get_by_role("link", name="Verifieringssida").click()
    assert path_of(page) == verify_url
    _assert_verification_page(page, holder, anna.email)
    assert_no_axe_violations(page, "the certificate verification page")

    # Anyone holding the certificate can check it: no login needed.
    stranger = new_page()
    response = stranger.goto(verify_url)
    assert response.status == 200
    assert path_of(stranger) == verify_url
    _assert_verification_page(stranger, holder, anna.email)

    # Passed: no further attempt is offered, and nothing was issued twice.
    page.goto(quiz.url)
    expect(page.locator(QUIZ_START)).to_have_count(0)
    expect(page.locator("table.table tbody tr")).to_have_count(2)
    assert Certificate.objects.filter(learner=anna).count() == 1
    assert QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz).count() == 2


def _assert_verification_page(page, holder, email):
    verify = page.locator("dl.verify")
    expect(verify).to_contain_text(DEMO_COURSE)
    expect(verify).to_contain_text(holder)
    state = verify.locator(".verify__state")
    expect(state).to_have_attribute("data-state", "valid")
    expect(state).to_contain_text("Giltigt")
    # The course, the holder's name and the state: nothing more.
    assert email not in page.locator("main").inner_text()


# --- A quiz with a time limit ------------------------------------------------------


def test_timed_quiz_shows_the_time_left_in_a_live_region(new_page, catalogue):
    course = make_course(catalogue, lessons=1, title="Kurs med tidsgräns")
    quiz = publish(
        QuizPageFactory(parent=course, title="Tidsbegränsat test", time_limit_minutes=1)
    )
    UserFactory(username="tove")

    page = new_page()
    log_in(page, "tove", PASSWORD, next_path=quiz.url)
    assert path_of(page) == quiz.url
    expect(fact(page, "Tidsgräns")).to_have_text("1 minut")
    with page.expect_navigation():
        page.locator(QUIZ_START).click()

    attempt = QuizAttempt.objects.get(enrolment__learner__username="tove", quiz=quiz)
    assert attempt.deadline_at is not None
    assert 50 <= (attempt.deadline_at - attempt.started_at).total_seconds() <= 60

    timer = page.locator(".timer")
    expect(timer).to_be_visible()
    expect(timer).to_contain_text("Tid kvar:")
    # The script counts down in minutes and seconds.
    expect(timer.locator("[data-timer-value]")).to_have_text(re.compile(r"^[01]:\d\d$"))
    status = timer.locator("[role=status]")
    expect(status).to_have_count(1)
    expect(status).to_have_attribute("aria-live", "polite")
    # With one minute or less left, the warning is already announced.
    expect(status).to_have_text("1 minut kvar.")
    expect(page.locator("fieldset.question")).to_have_count(len(quiz.questions))
    assert_no_axe_violations(page, "a timed quiz with an open attempt")


def test_an_open_quiz_keeps_the_session_alive(new_page, catalogue, settings):
    """A learner thinking over an untimed quiz sends nothing for long
    stretches: the page tells the server they are at work, so the idle
    timeout does not sign them out in the middle of it."""
    settings.SESSION_KEEPALIVE_SECONDS = 1
    course = make_course(catalogue, lessons=1, title="Kurs att tänka över")
    quiz = publish(QuizPageFactory(parent=course, title="Test utan tidsgräns"))
    UserFactory(username="tilda")

    page = new_page()
    log_in(page, "tilda", PASSWORD, next_path=quiz.url)
    with page.expect_navigation():
        page.locator(QUIZ_START).click()
    with page.expect_request(
        lambda request: (
            request.url.endswith(reverse("keep_alive")) and request.method == "POST"
        )
    ) as ping:
        pass
    assert ping.value.response().status == 204
