"""Test data builders (factory_boy and wagtail-factories; a test dependency only)."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.rich_text import RichText  # noqa: F401 - re-exported for tests

from cms.models import AccessibilityStatementPage, HomePage
from courses.models import (
    Category,
    CourseIndexPage,
    CoursePage,
    InformationPage,
    LessonPage,
    QuizPage,
)

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = "Svensson"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.django.Password(PASSWORD)
    is_active = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Kategori {n}")
    slug = factory.Sequence(lambda n: f"kategori-{n}")


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Välkommen"


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "Kurser"
    slug = "kurser"


class AccessibilityStatementPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = AccessibilityStatementPage

    title = "Tillgänglighetsredogörelse"
    slug = "tillganglighet"
    body = "<p>Den här webbplatsen följer WCAG 2.1 AA.</p>"


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Kurs {n}")
    summary = "En kort sammanfattning av kursen."
    objectives = "<ul><li>Förstå grunderna</li></ul>"
    estimated_minutes = 20
    language = "sv"


class LessonPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Lektion {n}")
    body = factory.LazyFunction(
        lambda: [{"type": "text", "value": "<p>Innehåll i lektionen.</p>"}]
    )
    required = True


class InformationPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = InformationPage

    title = factory.Sequence(lambda n: f"Guide {n}")
    summary = "En guide."
    body = factory.LazyFunction(lambda: [{"type": "text", "value": "<p>Text.</p>"}])


def publish(page):
    """Publish through a revision, as an editor would."""
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def make_course(catalogue, lessons=3, **kwargs):
    course = publish(CoursePageFactory(parent=catalogue, **kwargs))
    for _index in range(lessons):
        publish(LessonPageFactory(parent=course))
    return course


def choice_question(kind, qid, options, prompt="Vilket är rätt?"):
    """A single or multiple choice question with fixed ids: options are
    (id, text, correct) tuples."""
    return {
        "type": kind,
        "id": qid,
        "value": {
            "prompt": f"<p>{prompt}</p>",
            "explanation": "<p>Så här är det.</p>",
            "options": [
                {
                    "type": "item",
                    "id": oid,
                    "value": {
                        "text": text,
                        "correct": correct,
                        "feedback": f"Om {text}",
                    },
                }
                for oid, text, correct in options
            ],
        },
    }


def standard_questions():
    """One question of every type, with fixed ids."""
    return [
        choice_question(
            "single_choice",
            "q-single",
            [
                ("s-a", "Rätt svar", True),
                ("s-b", "Fel svar", False),
                ("s-c", "Annat", False),
            ],
        ),
        choice_question(
            "multiple_choice",
            "q-multi",
            [("m-a", "Ett", True), ("m-b", "Två", True), ("m-c", "Tre", False)],
        ),
        {
            "type": "true_false",
            "id": "q-tf",
            "value": {
                "prompt": "<p>Lösenord får delas med kollegor.</p>",
                "explanation": "",
                "correct_answer": "false",
                "feedback_true": "Nej, aldrig.",
                "feedback_false": "Just det.",
            },
        },
        {
            "type": "matching",
            "id": "q-match",
            "value": {
                "prompt": "<p>Para ihop klassning och hantering.</p>",
                "explanation": "",
                "pairs": [
                    {
                        "type": "item",
                        "id": "p-1",
                        "value": {"item": "Öppen", "match": "Får spridas"},
                    },
                    {
                        "type": "item",
                        "id": "p-2",
                        "value": {"item": "Intern", "match": "Inom staden"},
                    },
                    {
                        "type": "item",
                        "id": "p-3",
                        "value": {"item": "Sekretess", "match": "Behörighet krävs"},
                    },
                ],
            },
        },
        {
            "type": "ordering",
            "id": "q-order",
            "value": {
                "prompt": "<p>Ordna stegen vid en incident.</p>",
                "explanation": "",
                "items": [
                    {"type": "item", "id": "o-1", "value": "Upptäck"},
                    {"type": "item", "id": "o-2", "value": "Rapportera"},
                    {"type": "item", "id": "o-3", "value": "Åtgärda"},
                ],
            },
        },
    ]


class QuizPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = QuizPage

    title = factory.Sequence(lambda n: f"Kunskapstest {n}")
    questions = factory.LazyFunction(standard_questions)
    pass_mark = 80
    reveal_answers = "after_submit"


def correct_answers(attempt, wrong=()):
    """Form data answering every question of the attempt correctly, except
    the question ids in `wrong`, which get a wrong answer."""
    data = {}
    right = {
        "q-single": "s-a",
        "q-multi": ["m-a", "m-b"],
        "q-tf": "false",
        "q-match": {"p-1": "p-1", "p-2": "p-2", "p-3": "p-3"},
        "q-order": ["o-1", "o-2", "o-3"],
    }
    bad = {
        "q-single": "s-b",
        "q-multi": ["m-a"],
        "q-tf": "true",
        "q-match": {"p-1": "p-2", "p-2": "p-1", "p-3": "p-3"},
        "q-order": ["o-2", "o-1", "o-3"],
    }
    for entry in attempt.presentation:
        qid = entry["id"]
        answer = (bad if qid in wrong else right)[qid]
        if entry["type"] == "matching":
            token = {choice["pair"]: choice["token"] for choice in entry["choices"]}
            for item, pair in answer.items():
                data[f"q-{qid}-{item}"] = token[pair]
        elif entry["type"] == "ordering":
            for position, item in enumerate(answer, start=1):
                data[f"q-{qid}-{item}"] = str(position)
        else:
            data[f"q-{qid}"] = answer
    return data


def make_unit(hr_code, name=None, parent=None, head=None):
    from organisation.models import OrgUnit

    fields = {"hr_code": hr_code, "name": name or hr_code, "head": head}
    return parent.add_child(**fields) if parent else OrgUnit.add_root(**fields)


def make_staff(username, unit=None, line_manager=None, **fields):
    from organisation.models import StaffProfile

    user = UserFactory(username=username)
    StaffProfile.objects.create(
        user=user,
        employee_number=f"E-{username}",
        unit=unit,
        line_manager=line_manager,
        **fields,
    )
    return user


def make_rule(course, *, units=(), units_only=(), people=(), active=False, **fields):
    """An assignment rule. `active=True` activates it as HR would (evaluated)."""
    from assignments.actions.evaluation import evaluate_course
    from assignments.models import AssignmentRule

    fields.setdefault("name", f"Regel för {course.title}")
    fields.setdefault("due_days", 30)
    rule = AssignmentRule.objects.create(course=course, **fields)
    rule.units_with_subtree.set(units)
    rule.units_only.set(units_only)
    rule.people.set(people)
    if active:
        AssignmentRule.objects.filter(pk=rule.pk).update(active=True)
        rule.active = True
        evaluate_course(course.pk)
    return rule
