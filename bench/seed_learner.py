"""Give the demo learner a realistic learning history for the load benchmark.

Run after `manage.py load_demo`, with the same settings and database:

    .venv/bin/python bench/seed_learner.py --out target.json

It publishes 20 more courses of 4 lessons each in the catalogue and records the
learner's progress on every one of them through `learners.actions`, the same
code the views call: some courses completed, the others part-way. On the demo
course the learner has done lessons 1 and 2 and is part-way through lesson 3,
the lesson the benchmark requests.

It writes what the benchmark needs as JSON: the lesson's URL and what the
lesson page and "My learning" must show for this learner (so that the run can
tell a real page from a redirect to the login page). Meant for the fresh
benchmark database that `bench/run.sh` creates; run twice, it adds nothing new
(courses are looked up by slug, and progress only moves forward).
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from assignments.models import Assignment  # noqa: E402
from courses.models import CourseIndexPage, CoursePage, LessonPage  # noqa: E402
from learners.actions import record_lesson_progress  # noqa: E402
from learners.models import Enrolment, LessonProgress  # noqa: E402
from learners.progress import Status, course_progress_for  # noqa: E402

DEMO_COURSE_TITLE = "Informationssäkerhet för medarbetare"
LEARNER = "anna"
LESSONS_PER_COURSE = 4

COURSE_TITLES = [
    "Arbetsmiljö och systematiskt arbetsmiljöarbete",
    "Brandskydd på arbetsplatsen",
    "Offentlighet och sekretess",
    "Mutor, jäv och gåvor",
    "Hot och våld i arbetet",
    "Likabehandling och diskriminering",
    "Första hjälpen och hjärt-lungräddning",
    "Klarspråk i stadens texter",
    "Digital tillgänglighet för redaktörer",
    "Krisberedskap i staden",
    "Upphandling för beställare",
    "Ergonomi vid skärmarbete",
    "Introduktion för nyanställda",
    "Barnkonventionen i praktiken",
    "Arkivering och diarieföring",
    "Säker e-post och delning av filer",
    "Mänskliga rättigheter i kommunen",
    "Hållbara resor i tjänsten",
    "Lönesamtal för medarbetare",
    "Att leda möten digitalt",
]

LESSON_TITLES = [
    "Introduktion",
    "Regler och ansvar",
    "Så gör du i vardagen",
    "Sammanfattning och nästa steg",
]

# (lessons completed, progress in % of the next lesson) by course index % 5:
# two in five courses completed, the others at different points.
HISTORY = [(4, 0), (4, 0), (3, 50), (2, 0), (0, 30)]


def lesson_body(course_title, lesson_title):
    paragraph = (
        f"<p>I den här delen av kursen {course_title} går vi igenom "
        f"{lesson_title.lower()}. Texten beskriver vad som gäller i staden, "
        "vem som ansvarar för vad och hur du gör när något är oklart. Läs i "
        "din egen takt; du kan alltid fortsätta där du slutade.</p>"
    )
    return [
        {"type": "text", "value": f"<h2>{lesson_title}</h2>" + paragraph * 4},
        {
            "type": "callout",
            "value": {
                "kind": "info",
                "title": "Bra att veta",
                "text": "<p>Fråga din chef om du är osäker på vad som gäller "
                "just på din arbetsplats.</p>",
            },
        },
        {
            "type": "key_points",
            "value": {
                "heading": "Att ta med dig",
                "points": [
                    "Du ansvarar för att följa stadens riktlinjer.",
                    "Rutinerna finns på intranätet.",
                    "Det är alltid rätt att fråga.",
                ],
            },
        },
    ]


def stream(raw):
    block = LessonPage._meta.get_field("body").stream_block
    return block.clean(block.to_python(raw))


def publish_child(parent, page):
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing is not None:
        return existing.specific
    page.live = False
    parent.add_child(instance=page)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def ensure_courses(catalogue):
    courses = []
    for number, title in enumerate(COURSE_TITLES, start=1):
        course = publish_child(
            catalogue,
            CoursePage(
                title=title,
                slug=f"bench-kurs-{number:02d}",
                summary=f"En kurs om {title.lower()} för stadens medarbetare.",
                objectives="<ul><li>Känna till reglerna</li>"
                "<li>Veta vart du vänder dig</li></ul>",
                estimated_minutes=20,
                language="sv",
            ),
        )
        for index, lesson_title in enumerate(LESSON_TITLES, start=1):
            publish_child(
                course,
                LessonPage(
                    title=lesson_title,
                    slug=f"del-{index}",
                    body=stream(lesson_body(title, lesson_title)),
                    estimated_minutes=5,
                ),
            )
        courses.append(course)
    return courses


def record_history(learner, course, done, next_progress):
    lessons = list(course.lessons())
    for lesson in lessons[:done]:
        record_lesson_progress(
            learner, lesson, progress=100, position=100, seconds=240, completed=True
        )
    if next_progress and done < len(lessons):
        record_lesson_progress(
            learner,
            lessons[done],
            progress=next_progress,
            position=next_progress,
            seconds=90,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON")
    args = parser.parse_args()

    learner = get_user_model().objects.get(username=LEARNER)
    demo_course = CoursePage.objects.live().get(title=DEMO_COURSE_TITLE)
    catalogue = CourseIndexPage.objects.get(pk=demo_course.get_parent().pk)
    demo_lessons = list(demo_course.lessons())
    if len(demo_lessons) < 3:
        sys.exit(f"The demo course has {len(demo_lessons)} lessons; 3 are needed.")
    target = demo_lessons[2]

    with transaction.atomic():
        courses = ensure_courses(catalogue)
        for index, course in enumerate(courses):
            record_history(learner, course, *HISTORY[index % len(HISTORY)])
        # Last, so that the demo course is on top of "My learning".
        record_history(learner, demo_course, 2, 40)

    # What the pages must show, computed by the same read helpers the views use.
    enrolled = [
        enrolment.course
        for enrolment in Enrolment.objects.current()
        .filter(learner=learner, course__isnull=False)
        .select_related("course")
    ]
    progress = course_progress_for(learner, enrolled)
    completed = [p for p in progress.values() if p.status == Status.COMPLETED]
    # Required training in progress shows its own progress bar too (the
    # required-training panel, above the courses in progress).
    required_started = sum(
        1
        for course_id in Assignment.objects.filter(
            person=learner, state=Assignment.State.OPEN
        ).values_list("course_id", flat=True)
        if course_id in progress
        and progress[course_id].status == Status.IN_PROGRESS
        and any(
            step.status != Status.NOT_STARTED for step in progress[course_id].lessons
        )
    )
    result = {
        "learner": LEARNER,
        "lesson_url": target.url,
        "lesson_title": target.title,
        "course_url": demo_course.url,
        "catalogue_url": catalogue.url,
        "manager": "chef",
        "course_title": demo_course.title,
        "lesson_course_percent": progress[demo_course.pk].percent,
        "learning_in_progress": len(progress) - len(completed),
        "learning_completed": len(completed),
        "learning_progress_bars": len(progress) - len(completed) + required_started,
        "enrolments": Enrolment.objects.filter(learner=learner).count(),
        "lesson_progress_rows": LessonProgress.objects.filter(
            enrolment__learner=learner
        ).count(),
        "live_courses": CoursePage.objects.live().count(),
        "live_lessons": LessonPage.objects.live().count(),
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(
        f"Seeded {result['enrolments']} enrolments "
        f"({result['learning_completed']} completed, "
        f"{result['learning_in_progress']} in progress) and "
        f"{result['lesson_progress_rows']} lesson progress rows for {LEARNER}; "
        f"benchmark lesson: {result['lesson_url']}"
    )


if __name__ == "__main__":
    main()
