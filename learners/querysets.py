"""Reads over the learning record that span rows."""

from django.db import models


class EnrolmentQuerySet(models.QuerySet):
    def for_learner(self, user):
        return self.filter(learner=user)

    def completed(self):
        return self.filter(completed_at__isnull=False)

    def in_progress(self):
        return self.filter(completed_at__isnull=True)

    def current(self):
        """The newest cycle of each (learner, course)."""
        newer = self.model.objects.filter(
            learner=models.OuterRef("learner"),
            course=models.OuterRef("course"),
            cycle__gt=models.OuterRef("cycle"),
        )
        return self.exclude(models.Exists(newer))


class LessonProgressQuerySet(models.QuerySet):
    def completed(self):
        return self.filter(completed_at__isnull=False)
