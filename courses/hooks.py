"""The Wagtail hooks courses calls, for the apps above it to fill in.

Courses imports nothing of ours: what a learner has done lives higher up, in
the learning record. A page that shows it asks the hooks registered under
`LEARNER_PAGE_CONTEXT` (in the learners app's `wagtail_hooks`), each called
as `hook(page, request, context)` to add to the context in place.
"""

from wagtail import hooks

LEARNER_PAGE_CONTEXT = "learner_page_context"


def add_learner_context(page, request, context):
    for hook in hooks.get_hooks(LEARNER_PAGE_CONTEXT):
        hook(page, request, context)
    return context
