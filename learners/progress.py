"""Read helpers: a learner's progress through courses, in a fixed number of
queries whatever the number of courses or lessons."""

from dataclasses import dataclass, field

from django.db.models import Q

from courses.models import CoursePage, LessonPage

from .models import Enrolment, LessonProgress


class Status:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass
class LessonState:
    lesson: LessonPage
    status: str
    progress: LessonProgress | None = None


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


def lessons_by_course(courses):
    """{course_id: [live lessons in order]} for several courses (1 query)."""
    courses = list(courses)
    if not courses:
        return {}
    by_path = {course.path: course.pk for course in courses}
    condition = Q()
    for course in courses:
        condition |= Q(path__startswith=course.path, depth=course.depth + 1)
    result = {course.pk: [] for course in courses}
    for lesson in LessonPage.objects.live().filter(condition).order_by("path"):
        course_id = by_path.get(lesson.path[: -LessonPage.steplen])
        if course_id is not None:
            result[course_id].append(lesson)
    return result


def course_progress_for(user, courses) -> dict[int, CourseProgress]:
    """Progress of one learner on several courses, in three queries."""
    courses = list(courses)
    enrolments = current_enrolments(user, courses)
    lessons = lessons_by_course(courses)
    rows = {}
    if enrolments:
        for row in LessonProgress.objects.filter(enrolment__in=enrolments.values()):
            rows[(row.enrolment_id, row.lesson_id)] = row
    result = {}
    for course in courses:
        enrolment = enrolments.get(course.pk)
        states = []
        for lesson in lessons.get(course.pk, []):
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
