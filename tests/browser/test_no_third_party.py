"""No page sends anything to a third party: every request a browser makes
while an HR author, an HR administrator or a learner works goes to our own
host. Wagtail's admin would load avatars from Gravatar (a hash of each
editor's email address sent out, and broken offline) unless
``WAGTAIL_GRAVATAR_PROVIDER_URL`` is ``None``; the dashboard would ask
releases.wagtail.org for updates unless the check is off."""

from urllib.parse import urlsplit

import pytest
from wagtail.users.utils import get_gravatar_url

from cms.roles import ensure_hr_admin_group, ensure_hr_author_group
from organisation.models import StaffProfile
from tests.browser.helpers import admin_log_in, log_in
from tests.factories import PASSWORD, make_course, make_staff, make_unit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_no_gravatar_url_is_ever_built():
    # Wagtail's own helper gives None without a provider, so the admin falls
    # back to its bundled default avatar (a static file of ours).
    assert get_gravatar_url("helena@example.se") is None


class RequestLog:
    def __init__(self, page, own_host):
        self.own_host = own_host
        self.urls = []
        page.on("request", lambda request: self.urls.append(request.url))

    def elsewhere(self):
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme in ("http", "https")
            and urlsplit(url).netloc != self.own_host
        ]


def visit(page, log, paths):
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert len(log.urls) > len(paths), "the log saw the pages' own requests"


def test_admin_and_learner_pages_request_nothing_from_another_host(
    new_page, live_server, catalogue
):
    own_host = urlsplit(live_server.url).netloc
    city = make_unit("STAD", name="Staden")
    author = make_staff("helena", unit=city, hr_role=StaffProfile.HrRole.CENTRAL)
    author.groups.add(ensure_hr_author_group(), ensure_hr_admin_group())
    learner = make_staff("lars", unit=city)
    course = make_course(catalogue, lessons=1, title="Informationssäkerhet")
    # The author's own revision: the page's history shows the editor's avatar.
    course.save_revision(user=author)

    page = new_page()
    log = RequestLog(page, own_host)
    admin_log_in(page, author.username)
    visit(
        page,
        log,
        [
            "/admin/",
            "/admin/account/",
            f"/admin/pages/{catalogue.pk}/",
            f"/admin/pages/{course.pk}/edit/",
            f"/admin/pages/{course.pk}/history/",
        ],
    )
    # The avatar is drawn, and it is ours.
    avatars = page.locator("img.avatar, .avatar img")
    assert avatars.count() >= 1
    for index in range(avatars.count()):
        src = avatars.nth(index).get_attribute("src") or ""
        assert "gravatar" not in src and urlsplit(src).netloc in ("", own_host), src
    assert not log.elsewhere(), log.elsewhere()

    learner_page = new_page()
    learner_log = RequestLog(learner_page, own_host)
    log_in(learner_page, learner.username, PASSWORD)
    visit(learner_page, learner_log, ["/", catalogue.url, course.url])
    assert not learner_log.elsewhere(), learner_log.elsewhere()
