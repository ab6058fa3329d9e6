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


def with_courses(enrolments):
    """The enrolments with their course pages attached (the course of each, or
    None if HR has removed it), from what this process has read since the
    content last changed (courses.rendering.remembered): no join and no page
    built per row. The pages are shared between requests: read them, never
    change them."""
    enrolments = list(enrolments)
    known = remembered("course-pages", content_generation())
    missing = {e.course_id for e in enrolments if e.course_id not in known} - {None}
    if missing:
        known.update(
            (course.pk, course) for course in CoursePage.objects.filter(pk__in=missing)
        )
    field = Enrolment._meta.get_field("course")
    for enrolment in enrolments:
        field.set_cached_value(enrolment, known.get(enrolment.course_id))
    return enrolments


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


def course_progress_for(user, courses) -> dict[int, CourseProgress]:
    """Progress of one learner on several courses, in five queries."""
    courses = list(courses)
    enrolments = current_enrolments(user, courses)
    lessons = lessons_by_course(courses)
    rows = {}
    quiz_status = {}
    if enrolments:
        for row in LessonProgress.objects.filter(enrolment__in=enrolments.values()):
            rows[(row.enrolment_id, row.lesson_id)] = row
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
            states.append(LessonState(lesson=lesson, status=status, progress=row))
        result[course.pk] = CourseProgress(
            course=course, enrolment=enrolment, lessons=states
        )
    return result
