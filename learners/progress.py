"""Read helpers: a learner's progress through courses, in a fixed number of
queries whatever the number of courses or lessons."""

from dataclasses import dataclass, field

from django.db.models import Q

from courses.models import CoursePage, LessonPage, QuizPage
from courses.rendering import content_generation, remembered

from .models import Enrolment, LessonProgress, QuizAttempt


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass
class LessonState:
    """One step of a course: a lesson, or a quiz (done when passed)."""

    lesson: LessonPage | QuizPage
    status: str
    progress: LessonProgress | None = None

    @property
    def is_quiz(self):
        return isinstance(self.lesson, QuizPage)


@dataclass
class CourseProgress:
    course: CoursePage
    enrolment: Enrolment | None
    lessons: list[LessonState] = field(default_factory=list)

    @property
    def required(self):
        return [state for state in self.lessons if state.lesson.required]

    @property
    def percent(self):
        if self.enrolment and self.enrolment.completed_at:
            return 100
        required = self.required
        if not required:
            return 0
        done = sum(state.status == Status.COMPLETED for state in required)
        return round(100 * done / len(required))

    @property
    def status(self):
        if self.enrolment is None:
            return Status.NOT_STARTED
        if self.enrolment.completed_at:
            return Status.COMPLETED
        return Status.IN_PROGRESS

    @property
    def resume_lesson(self):
        """The first required lesson not done, else the first lesson not done,
        else the first lesson."""
        for candidates in (self.required, self.lessons):
            for state in candidates:
                if state.status != Status.COMPLETED:
                    return state.lesson
        return self.lessons[0].lesson if self.lessons else None


def current_enrolments(user, courses):
    """{course_id: newest enrolment} for the user on these courses (1 query)."""
    if not user.is_authenticated:
        return {}
    result = {}
    for enrolment in Enrolment.objects.filter(
        learner=user, course__in=courses
    ).order_by("cycle"):
        result[enrolment.course_id] = enrolment
    return result


def newest_cycles(enrolments):
    """{course_id: newest enrolment} of one learner's enrolments (what
    `current_enrolments` reads, from rows already at hand)."""
    result = {}
    for enrolment in enrolments:
        known = result.get(enrolment.course_id)
        if enrolment.course_id and (known is None or enrolment.cycle > known.cycle):
            result[enrolment.course_id] = enrolment
    return result


def with_courses(rows):
    """The rows (enrolments, or anything with a `course` foreign key to a
    course page) with their course pages attached (the course of each, or
    None if HR has removed it), from what this process has read since the
    content last changed (courses.rendering.remembered): no join and no page
    built per row. The pages are shared between requests: read them, never
    change them."""
    rows = list(rows)
    if not rows:
        return rows
    known = remembered("course-pages", content_generation())
    missing = {row.course_id for row in rows if row.course_id not in known} - {None}
    if missing:
        known.update(
            (course.pk, course) for course in CoursePage.objects.filter(pk__in=missing)
        )
    field = type(rows[0])._meta.get_field("course")
    for row in rows:
        field.set_cached_value(row, known.get(row.course_id))
    return rows


def lessons_by_course(courses):
    """{course_id: [live lessons and quizzes in the editor's order]} for
    several courses (2 queries, none for the courses this process has read
    since the content last changed: courses.rendering.remembered). The pages
    are shared between requests: read them, never change them."""
    courses = list(courses)
    if not courses:
        return {}
    known = remembered("course-steps", content_generation())
    missing = [course for course in courses if course.pk not in known]
    if missing:
        known.update(_lessons_by_course(missing))
    return {course.pk: known[course.pk] for course in courses}


def _lessons_by_course(courses):
    by_path = {course.path: course.pk for course in courses}
    condition = Q()
    for course in courses:
        condition |= Q(path__startswith=course.path, depth=course.depth + 1)
    # Titles and links only: the lessons' content is not loaded.
    steps = [
        *LessonPage.objects.live().filter(condition).defer_streamfields(),
        *QuizPage.objects.live().filter(condition).defer_streamfields(),
    ]
    result = {course.pk: [] for course in courses}
    for step in sorted(steps, key=lambda page: page.path):
        course_id = by_path.get(step.path[: -LessonPage.steplen])
        if course_id is not None:
            result[course_id].append(step)
    return result


def is_preview(request):
    """Whether Wagtail is rendering an editor's preview (its preview panel,
    the "Preview" button, "View draft"): then nothing of the editor's own
    learning record is shown, and nothing is written."""
    return bool(getattr(request, "is_preview", False))


def preview_progress(course) -> CourseProgress:
    """A course as a new learner will see it once everything is published:
    every lesson and quiz under it, published or not, as its latest draft,
    nothing started. Reads only; for previews (a query per step, as the
    editor's preview of one course is a single page)."""
    steps = [
        *LessonPage.objects.child_of(course).defer_streamfields(),
        *QuizPage.objects.child_of(course).defer_streamfields(),
    ]
    states = []
    for step in sorted(steps, key=lambda page: page.path):
        draft = (
            step.get_latest_revision_as_object() if step.latest_revision_id else step
        )
        states.append(LessonState(lesson=draft, status=Status.NOT_STARTED))
    return CourseProgress(course=course, enrolment=None, lessons=states)


@dataclass(frozen=True)
class _Done:
    """What `with_rows=False` reads of a progress row."""

    completed_at: object


def course_progress_for(
    user, courses, enrolments=None, *, with_rows=True
) -> dict[int, CourseProgress]:
    """Progress of one learner on several courses, in five queries (four
    when the caller hands in `enrolments`, {course_id: newest enrolment} of
    every course the learner has: `newest_cycles`). `with_rows=False`: each
    lesson's state without its progress row (where it is, how long it took),
    for pages that show only what is done (no row is built)."""
    courses = list(courses)
    if enrolments is None:
        enrolments = current_enrolments(user, courses)
    else:
        enrolments = {
            course.pk: enrolments[course.pk]
            for course in courses
            if course.pk in enrolments
        }
    lessons = lessons_by_course(courses)
    rows = {}
    quiz_status = {}
    if enrolments:
        lesson_rows = LessonProgress.objects.filter(enrolment__in=enrolments.values())
        if with_rows:
            for row in lesson_rows:
                rows[(row.enrolment_id, row.lesson_id)] = row
        else:
            done = lesson_rows.values_list("enrolment_id", "lesson_id", "completed_at")
            for enrolment_id, lesson_id, completed_at in done:
                rows[(enrolment_id, lesson_id)] = _Done(completed_at)
        attempts = QuizAttempt.objects.filter(
            enrolment__in=enrolments.values()
        ).values_list("enrolment_id", "quiz_id", "passed")
        for enrolment_id, quiz_id, passed in attempts:
            key = (enrolment_id, quiz_id)
            if passed:
                quiz_status[key] = Status.COMPLETED
            else:
                quiz_status.setdefault(key, Status.IN_PROGRESS)
    result = {}
    for course in courses:
        enrolment = enrolments.get(course.pk)
        states = []
        for lesson in lessons.get(course.pk, []):
            if isinstance(lesson, QuizPage):
                status = Status.NOT_STARTED
                if enrolment:
                    status = quiz_status.get((enrolment.pk, lesson.pk), status)
                states.append(LessonState(lesson=lesson, status=status))
                continue
            row = rows.get((enrolment.pk, lesson.pk)) if enrolment else None
            if row and row.completed_at:
                status = Status.COMPLETED
            elif row:
                status = Status.IN_PROGRESS
            else:
                status = Status.NOT_STARTED
            states.append(
                LessonState(
                    lesson=lesson,
                    status=status,
                    progress=row if with_rows else None,
                )
            )
        result[course.pk] = CourseProgress(
            course=course, enrolment=enrolment, lessons=states
        )
    return result
