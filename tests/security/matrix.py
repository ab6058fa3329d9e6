"""The authorization matrix: every URL of ours, and what each role gets.

One row per URL (a name, or a page's path, with the ids to fill from the
world of tests.security.world; "@owner_profile" is the world's id of that
name), and one column per role (`ROLES`):

    anon     nobody signed in
    learner  Bertil, a learner in Beta
    owner    Astrid, the Alfa learner whose records the ids name (the one
             person a personal URL is for)
    manager  Mats, the head of a unit in Beta (manager of another unit)
    coord    Cecilia, Beta's local coordinator (HR-administratörer, of
             another administration)
    author   Hanna, HR-redaktörer, no HR role
    hr       Harald, HR-administratörer and central HR
    super    Sara, a superuser

What a cell says:

    200 …    that status, exactly (204: done, nothing to show; 400: a form's
             clear message, nothing saved; 403: nobody in your scope at all;
             404: not there for you, whatever the id)
    LOGIN    a redirect to a sign-in page (the site's or the admin's:
             Wagtail sends there whoever may not use the admin at all)
    DENY     the admin's refusal: Wagtail's redirect to its dashboard with
             "you do not have permission" (a PermissionDenied in an admin view)
    302      a redirect elsewhere: done, and sent on
    FORM     a POST refused on the page itself, nothing done: the form again
             with its errors, or a dry run listing its bad rows (a 200, as
             Wagtail's own forms answer; our views answer such with a 400)

The cells are what the city signs off, not what the code happens to do.
A row that lists people (`hides`) also says that a page served with a 200 to
someone outside Alfa (learner, manager, coord, author) shows none of Alfa's
names, units or usernames (world.A_MARKERS, and the row's `secrets`), and
that the roles in `shown_to` do see Alfa there, and those in `beta_to` Beta
(world.B_MARKERS), so that the page is not simply empty for everyone.

Which URLs must have a row is found by walking the URL resolver
(test_authorization_matrix.py): every URL of cms/urls.py and of our apps'
urls; under /admin/, every view of one of our apps (our hooks' URLs), every
view of a Wagtail viewset of one of our models (snippets, ModelViewSets and
choosers), and Wagtail's settings views for each of our settings. Wagtail's
and Django's own views are not rows, except the few below (`wagtail=True`)
that serve our content (pages, documents) or show where our roles stop in
Wagtail's admin (pages, users, groups, sites, documents).
"""

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import STAFF_HEADER, csv_bytes, staff_row

ROLES = (
    "anonymous",
    "learner",
    "owner",
    "manager",
    "coordinator",
    "hr_author",
    "hr_admin",
    "superuser",
)
# Outside Alfa: a page they get shows nothing of Alfa's.
OUTSIDERS = ("learner", "manager", "coordinator", "hr_author")
CITY = ("hr_admin", "superuser")
OUTCOMES = {
    "LOGIN",
    "DENY",
    "302",
    "FORM",
    "200",
    "202",
    "204",
    "400",
    "403",
    "404",
    "405",
}


@dataclass(frozen=True)
class Row:
    name: str | None  # the URL's name; None: `path` gives the address
    expect: dict  # role -> outcome
    kwargs: dict = field(default_factory=dict)
    method: str = "GET"
    data: dict = field(default_factory=dict)  # the POST's fields, or the query
    path: str | None = None  # an address; "@key": the world's of that name
    label: str = ""  # tells variants of one URL apart
    hides: bool = False
    shown_to: tuple = CITY
    secrets: tuple = ()  # world ids that only Astrid's own pages may show
    beta_to: tuple = ()  # roles that see Beta's person or unit here
    wagtail: bool = False  # Wagtail's own view, serving our content

    @property
    def id(self):
        base = self.name or self.path.lstrip("@")
        return f"{base}[{self.label}]" if self.label else base


def row(name, cells, **options):
    outcomes = cells.split()
    if len(outcomes) != len(ROLES) or not set(outcomes) <= OUTCOMES:
        raise ValueError(f"{name}: {cells!r} is not one outcome per role")
    return Row(name=name, expect=dict(zip(ROLES, outcomes, strict=True)), **options)


def page(key, cells, **options):
    return row(None, cells, path=f"@{key}", wagtail=True, **options)


def staff_file(ids):
    """An HR file that changes Astrid (Alfa) — Beta's coordinator may not."""
    content = csv_bytes(
        STAFF_HEADER,
        staff_row(
            ids["owner_number"],
            "Astrid",
            "Alfasson",
            unit="ALFA1",
            job_title="Enhetschef",
            email="astrid.alfa@example.se",
        ),
    )
    return SimpleUploadedFile("personal.csv", content, content_type="text/csv")


def beta_staff_file(ids):
    """An HR file that changes Bertil (Beta) — Beta's coordinator may."""
    content = csv_bytes(
        STAFF_HEADER,
        staff_row(
            ids["learner_number"],
            "Bertil",
            "Betasson",
            unit="BETA1",
            job_title="Enhetschef",
            email="bertil.beta@example.se",
            manager=ids["manager_number"],
        ),
    )
    return SimpleUploadedFile("personal.csv", content, content_type="text/csv")


# A shorthand for the admin's first four columns: nobody signed in, and
# three people without access to the admin, are sent to sign in.
NO_ADMIN = "LOGIN LOGIN LOGIN LOGIN"

#   anon     learner  owner  manager  coord  author  hr     super
ROWS = [
    # --- The site shell (cms/urls.py) -----------------------------------------
    row("ping", "200 200 200 200 200 200 200 200"),
    # The admin's "Log out" is ours too (it ends the provider's session): to
    # the admin's sign-in page.
    row(
        None,
        "LOGIN LOGIN LOGIN LOGIN LOGIN LOGIN LOGIN LOGIN",
        path="/admin/logout/",
        method="POST",
    ),
    row("signed_out", "200 200 200 200 200 200 200 200"),
    row("javascript-catalog", "200 200 200 200 200 200 200 200"),
    row("login", "200 302 302 302 302 302 302 302"),
    # Wagtail's front-end password form is our sign-in too (LOCAL_LOGIN holds).
    row(None, "200 302 302 302 302 302 302 302", path="/_util/login/"),
    row("logout", "302 302 302 302 302 302 302 302", method="POST"),
    row(
        "set_password",
        "200 200 200 200 200 200 200 200",
        kwargs={"uidb64": "@owner_uidb64", "token": "ogiltig-lank"},
    ),
    row("set_password_done", "200 200 200 200 200 200 200 200"),
    # Public by design: the course, the holder's name and the state.
    row(
        "verify_certificate",
        "200 200 200 200 200 200 200 200",
        kwargs={"code": "@certificate_code"},
    ),
    # The secret token is the credential: whoever holds it gets the feed.
    row(
        "calendar_feed",
        "200 200 200 200 200 200 200 200",
        kwargs={"token": "@calendar_token"},
    ),
    row(
        "calendar_feed",
        "404 404 404 404 404 404 404 404",
        kwargs={"token": "ingen-sadan-adress"},
        label="unknown token",
    ),
    # Public media (not documents, which only /documents/ serves).
    row(None, "200 200 200 200 200 200 200 200", path="@media_url", label="media"),
    # A running quiz says the person is still at work.
    row("keep_alive", "LOGIN 204 204 204 204 204 204 204", method="POST"),
    # --- Signing in (accounts) ------------------------------------------------
    # Single sign-on is off without OIDC_ISSUER (as in the tests): not there.
    # tests/accounts signs in through a real provider.
    row("accounts:oidc_start", "404 404 404 404 404 404 404 404"),
    row("accounts:oidc_callback", "404 404 404 404 404 404 404 404"),
    # The second factor: nobody here must give one (REQUIRE_TWO_FACTOR is off
    # for the matrix; tests/accounts try it on), so both send on.
    row("accounts:two_factor_enrol", "LOGIN 302 302 302 302 302 302 302"),
    row("accounts:two_factor_verify", "LOGIN 302 302 302 302 302 302 302"),
    # --- My learning (learners) ---------------------------------------------
    row(
        "learners:my_learning",
        "LOGIN 200 200 200 200 200 200 200",
        hides=True,
        shown_to=(),
    ),
    row(
        "learners:start_course",
        "LOGIN 302 302 302 302 302 302 302",
        kwargs={"course_id": "@course"},
        method="POST",
    ),
    row(
        "learners:new_cycle",
        "LOGIN 302 302 302 302 302 302 302",
        kwargs={"course_id": "@course"},
        method="POST",
    ),
    row(
        "learners:lesson_progress",
        "LOGIN 302 302 302 302 302 302 302",
        kwargs={"lesson_id": "@lesson"},
        method="POST",
        data={"progress": "10"},
    ),
    row(
        "learners:attempt",
        "LOGIN 404 200 404 404 404 404 404",
        kwargs={"attempt_id": "@attempt"},
    ),
    row(
        "learners:certificate_pdf",
        "LOGIN 404 200 404 404 404 404 404",
        kwargs={"certificate_id": "@certificate"},
    ),
    # --- The calendar (assignments) -----------------------------------------
    row(
        "assignments:calendar",
        "LOGIN 200 200 200 200 200 200 200",
        hides=True,
        shown_to=("owner",),
        secrets=("calendar_token",),
    ),
    row(
        "assignments:create_calendar",
        "LOGIN 302 302 302 302 302 302 302",
        method="POST",
    ),
    row(
        "assignments:renew_calendar", "LOGIN 302 302 302 302 302 302 302", method="POST"
    ),
    # --- Notifications and remind now (reminders) ---------------------------
    row(
        "reminders:notifications",
        "LOGIN 200 200 200 200 200 200 200",
        hides=True,
        shown_to=("owner",),
    ),
    row(
        "reminders:remind_person",
        "LOGIN 403 403 404 404 403 302 302",
        kwargs={"profile_id": "@owner_profile"},
        method="POST",
    ),
    row("reminders:remind_overdue", "LOGIN 403 403 302 302 403 302 302", method="POST"),
    # --- My team and the reports (reports) ----------------------------------
    row(
        "reports:team",
        "LOGIN 403 403 200 200 403 200 200",
        hides=True,
        beta_to=("manager", "coordinator"),
    ),
    row(
        "reports:team_person",
        "LOGIN 404 404 404 404 404 200 200",
        kwargs={"profile_id": "@owner_profile"},
    ),
    row(
        "reports:reports",
        "LOGIN 403 403 200 200 403 200 200",
        hides=True,
        beta_to=("manager", "coordinator"),
    ),
    row(
        "reports:reports",
        "LOGIN 403 403 200 200 403 200 200",
        data={"format": "csv"},
        label="CSV",
        hides=True,
        shown_to=(),  # the city's one row: Staden
    ),
    row(
        "reports:report_unit",
        "LOGIN 403 403 404 404 403 200 200",
        kwargs={"unit_id": "@unit_a"},
    ),
    row(
        "reports:report_people",
        "LOGIN 403 403 404 404 403 200 200",
        kwargs={"unit_id": "@unit_a"},
    ),
    row(
        "reports:report_people",
        "LOGIN 403 403 404 404 403 200 200",
        kwargs={"unit_id": "@unit_a"},
        data={"format": "xlsx"},
        label="XLSX",
    ),
    row(
        "reports:report_people_all",
        "LOGIN 403 403 200 200 403 200 200",
        hides=True,
        beta_to=("manager", "coordinator"),
    ),
    row(
        "reports:report_people_all",
        "LOGIN 403 403 200 200 403 200 200",
        data={"format": "csv"},
        label="CSV",
        hides=True,
        beta_to=("manager", "coordinator"),
    ),
    row(
        "reports:report_exports",
        "LOGIN 200 200 200 200 200 200 200",
        hides=True,
        shown_to=("hr_admin",),
    ),
    # Only the person who asked for it (central HR here), while in scope.
    row(
        "reports:report_export_download",
        "LOGIN 404 404 404 404 404 200 404",
        kwargs={"export_id": "@export"},
    ),
    row(
        "reports:report_person",
        "LOGIN 403 403 404 404 403 200 200",
        kwargs={"profile_id": "@owner_profile"},
    ),
    # --- Pages and documents: Wagtail's views, our content -------------------
    # The home page and the accessibility statement (the law's) are public;
    # the learning pages are for the city's staff: they need a sign-in.
    page("home_url", "200 200 200 200 200 200 200 200", hides=True, shown_to=()),
    page("statement_url", "200 200 200 200 200 200 200 200"),
    page("catalogue_url", "LOGIN 200 200 200 200 200 200 200", hides=True, shown_to=()),
    page("course_url", "LOGIN 200 200 200 200 200 200 200", hides=True, shown_to=()),
    page("lesson_url", "LOGIN 200 200 200 200 200 200 200", hides=True, shown_to=()),
    page("guide_url", "LOGIN 200 200 200 200 200 200 200", hides=True, shown_to=()),
    page("quiz_url", "LOGIN 200 200 200 200 200 200 200", hides=True, shown_to=()),
    # Course material: for signed-in staff.
    page("material_url", "LOGIN 200 200 200 200 200 200 200"),
    # An attachment to Astrid's record: for those who record completions, in
    # whose scope she is. Beta's coordinator may record completions, but not
    # Astrid's: her record is not there for them. Someone signed in who may
    # read no records is refused, not asked to sign in again.
    page("record_url", "LOGIN 403 403 403 404 403 200 200"),
    # --- Wagtail's admin, where our roles stop ---------------------------------
    # HR authors edit the catalogue's pages only; nobody of HR administers
    # users, groups or sites; HR records (Astrid's attachment) are not in the
    # authors' document listings or chooser, nor anyone's but the site's.
    row(
        "wagtailadmin_pages:edit",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"page_id": "@course"},
        label="a course",
        wagtail=True,
    ),
    row(
        "wagtailadmin_pages:edit",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"page_id": "@home"},
        label="the home page",
        wagtail=True,
    ),
    row("wagtailusers_users:index", f"{NO_ADMIN} DENY DENY DENY 200", wagtail=True),
    row(
        "wagtailusers_users:edit",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@owner"},
        wagtail=True,
    ),
    row("wagtailusers_groups:index", f"{NO_ADMIN} DENY DENY DENY 200", wagtail=True),
    row("wagtailsites:index", f"{NO_ADMIN} DENY DENY DENY 200", wagtail=True),
    row(
        "wagtaildocs:index",
        f"{NO_ADMIN} DENY 200 DENY 200",
        hides=True,
        shown_to=("superuser",),
        wagtail=True,
    ),
    row(
        "wagtaildocs:edit",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"document_id": "@record"},
        wagtail=True,
    ),
    # The chooser opens for anyone in the admin, listing only the documents
    # of the collections they may choose from.
    row(
        "wagtaildocs_chooser:choose",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
        shown_to=("superuser",),
        wagtail=True,
    ),
    # --- Assignment rules, exemptions, retakes (assignments' admin) ----------
    row(
        "assignment_rules",
        f"{NO_ADMIN} 200 DENY 200 200",
        hides=True,
        beta_to=("coordinator",),
    ),
    row("assignment_rule_add", f"{NO_ADMIN} 200 DENY 200 200", hides=True, shown_to=()),
    row("assignment_rule_edit", f"{NO_ADMIN} 404 DENY 200 200", kwargs={"pk": "@rule"}),
    row(
        "assignment_rule_preview",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@rule"},
        hides=True,
    ),
    row(
        "assignment_rule_activate",
        f"{NO_ADMIN} 404 DENY 302 302",
        kwargs={"pk": "@rule"},
        method="POST",
    ),
    row(
        "assignment_rule_deactivate",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@rule"},
    ),
    row(
        "assignment_rule_delete",
        f"{NO_ADMIN} 404 DENY 302 302",
        kwargs={"pk": "@rule"},
        method="POST",
    ),
    row("exemptions", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row(
        "exemption_add",
        f"{NO_ADMIN} 400 DENY 302 302",
        method="POST",
        data={
            "person": "@owner",
            "course": "@fire",
            "reason": "Föräldraledig",
            "valid_until": "",
        },
    ),
    row(
        "exemption_add",
        f"{NO_ADMIN} 302 DENY 302 302",
        method="POST",
        data={
            "person": "@learner",
            "course": "@fire",
            "reason": "Föräldraledig",
            "valid_until": "",
        },
        label="Beta's person",
    ),
    row(
        "exemption_end",
        f"{NO_ADMIN} 404 DENY 302 302",
        kwargs={"pk": "@exemption"},
        method="POST",
    ),
    # Central HR only: a retake reaches everyone in the city holding the course.
    row("require_retake", f"{NO_ADMIN} DENY DENY 200 200"),
    # --- The learning record's admin (learners) ------------------------------
    # Results per question (no names): for whoever may edit the quiz.
    row(
        "quiz_results",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"quiz_id": "@quiz"},
        hides=True,
        shown_to=(),
    ),
    row("record_completion", f"{NO_ADMIN} 200 DENY 200 200", hides=True, shown_to=()),
    row(
        "record_completion",
        f"{NO_ADMIN} 400 DENY 302 302",
        method="POST",
        data={
            "person": "@owner",
            "course": "@safety",
            "completed_on": "@today",
            "note": "Klassrumsutbildning",
        },
        label="Alfa's person",
    ),
    row(
        "record_completion",
        f"{NO_ADMIN} 302 DENY 302 302",
        method="POST",
        data={
            "person": "@learner",
            "course": "@safety",
            "completed_on": "@today",
            "note": "Klassrumsutbildning",
        },
        label="Beta's person",
    ),
    row("certificates:index", f"{NO_ADMIN} 200 200 200 200", hides=True),
    row("certificates:index_results", f"{NO_ADMIN} 200 200 200 200", hides=True),
    row("certificates:add", f"{NO_ADMIN} DENY DENY DENY DENY"),
    # Edit is revoking, with a reason.
    row(
        "certificates:edit",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@certificate"},
    ),
    row(
        "certificates:delete",
        f"{NO_ADMIN} 404 404 DENY DENY",
        kwargs={"pk": "@certificate"},
    ),
    row(
        "certificates:history",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@certificate"},
    ),
    row(
        "certificates:history_results",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@certificate"},
    ),
    row(
        "certificates:usage",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@certificate"},
    ),
    row(
        "certificates:inspect",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@certificate"},
    ),
    row("quiz_accommodations:index", f"{NO_ADMIN} 200 200 200 200", hides=True),
    row(
        "quiz_accommodations:index_results",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
    ),
    row(
        "quiz_accommodations:add",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
        shown_to=(),
    ),
    row(
        "quiz_accommodations:add",
        f"{NO_ADMIN} FORM FORM 302 302",
        method="POST",
        data={
            "learner": "@deputy",
            "quiz": "@quiz",
            "extra_percent": "25",
            "note": "Dyslexi",
        },
        label="Alfa's person",
    ),
    # An HR author without an HR role has nobody in scope.
    row(
        "quiz_accommodations:add",
        f"{NO_ADMIN} 302 FORM 302 302",
        method="POST",
        data={
            "learner": "@learner",
            "quiz": "@quiz",
            "extra_percent": "25",
            "note": "Dyslexi",
        },
        label="Beta's person",
    ),
    row(
        "quiz_accommodations:edit",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@accommodation"},
    ),
    row(
        "quiz_accommodations:delete",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@accommodation"},
    ),
    row(
        "quiz_accommodations:history",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@accommodation"},
    ),
    row(
        "quiz_accommodations:history_results",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@accommodation"},
    ),
    row(
        "quiz_accommodations:usage",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@accommodation"},
    ),
    # --- The organisation's admin: HR import, audit log, delegations ----------
    row("hr_import", f"{NO_ADMIN} 200 DENY 200 200"),
    row(
        "hr_import",
        f"{NO_ADMIN} FORM DENY 200 200",
        method="POST",
        data={"kind": "staff", "mode": "partial", "file": staff_file},
        label="Alfa's person",
    ),
    row(
        "hr_import",
        f"{NO_ADMIN} 200 DENY 200 200",
        method="POST",
        data={"kind": "staff", "mode": "partial", "file": beta_staff_file},
        label="Beta's person",
    ),
    # Only the person who uploaded the file sees its dry run (central HR
    # here); anyone else is sent back to the upload form.
    row(
        "hr_import_check",
        f"{NO_ADMIN} 302 DENY 200 302",
        kwargs={"token": "@hr_upload"},
    ),
    row(
        "hr_import_applying",
        f"{NO_ADMIN} 302 DENY 200 302",
        kwargs={"token": "@hr_upload"},
    ),
    row(
        "hr_import_apply",
        f"{NO_ADMIN} 302 DENY 302 302",
        method="POST",
        data={"token": "ingen", "sha256": "ingen"},
    ),
    # Read only; nothing edits the log, so neither its history nor its usage
    # is offered.
    row("audit_log:index", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("audit_log:index_results", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("audit_log:add", f"{NO_ADMIN} DENY DENY DENY DENY"),
    row("audit_log:edit", f"{NO_ADMIN} 404 DENY DENY DENY", kwargs={"pk": "@event"}),
    row("audit_log:delete", f"{NO_ADMIN} 404 DENY DENY DENY", kwargs={"pk": "@event"}),
    row("audit_log:history", f"{NO_ADMIN} 404 DENY DENY DENY", kwargs={"pk": "@event"}),
    row(
        "audit_log:history_results",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@event"},
    ),
    row("audit_log:usage", f"{NO_ADMIN} 404 DENY DENY DENY", kwargs={"pk": "@event"}),
    row("audit_log:inspect", f"{NO_ADMIN} 404 DENY 200 200", kwargs={"pk": "@event"}),
    row("delegations:index", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("delegations:index_results", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    # The form's choosers offer the coordinator Beta's units and people
    # only (unit_chooser's and person_chooser's rows, "own").
    row(
        "delegations:add",
        f"{NO_ADMIN} 200 DENY 200 200",
        hides=True,
        shown_to=(),
    ),
    # Alfa's unit to Beta's learner: that would widen Bertil's report scope
    # to Alfa, and it is not Beta's coordinator's to lend.
    row(
        "delegations:add",
        f"{NO_ADMIN} FORM DENY 302 302",
        method="POST",
        data={
            "unit": "@unit_a",
            "delegate": "@learner",
            "valid_from": "@today",
            "valid_until": "@today",
        },
        label="Alfa's unit",
    ),
    row(
        "delegations:add",
        f"{NO_ADMIN} 302 DENY 302 302",
        method="POST",
        data={
            "unit": "@unit_b",
            "delegate": "@learner",
            "valid_from": "@today",
            "valid_until": "@today",
        },
        label="Beta's unit",
    ),
    row(
        "delegations:edit",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@delegation"},
    ),
    row(
        "delegations:delete",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@delegation"},
    ),
    row(
        "delegations:history",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@delegation"},
    ),
    row(
        "delegations:history_results",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@delegation"},
    ),
    row(
        "delegations:usage",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@delegation"},
    ),
    # --- The person and unit choosers (organisation.choosers) ------------------
    # Open to anyone in the admin, listing only the people and units of their
    # scope: Beta's coordinator finds Beta's, an HR author without an HR role
    # nobody; someone outside is a 404 at the "chosen" step.
    row(
        "person_chooser:choose",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
        beta_to=("coordinator",),
    ),
    row(
        "person_chooser:choose_results",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
        beta_to=("coordinator",),
    ),
    row(
        "person_chooser:choose_results",
        f"{NO_ADMIN} 200 200 200 200",
        data={"q": "Astrid"},
        hides=True,
        label="a search for Alfa's",
    ),
    row(
        "person_chooser:chosen",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@owner"},
    ),
    row(
        "person_chooser:chosen",
        f"{NO_ADMIN} 200 404 200 200",
        kwargs={"pk": "@learner"},
        label="Beta's person",
    ),
    row(
        "unit_chooser:choose",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
        beta_to=("coordinator",),
    ),
    row(
        "unit_chooser:choose_results",
        f"{NO_ADMIN} 200 200 200 200",
        hides=True,
        beta_to=("coordinator",),
    ),
    # What is theirs by role, without the units lent to them (delegations, goals).
    row(
        "unit_chooser:choose_results",
        f"{NO_ADMIN} 200 200 200 200",
        data={"own": "1"},
        hides=True,
        beta_to=("coordinator",),
        label="own",
    ),
    row(
        "unit_chooser:chosen",
        f"{NO_ADMIN} 404 404 200 200",
        kwargs={"pk": "@unit_a"},
    ),
    row(
        "unit_chooser:chosen",
        f"{NO_ADMIN} 200 404 200 200",
        kwargs={"pk": "@unit_b"},
        label="Beta's unit",
    ),
    # Several at once (organisation.multiple_choosers): the modal's checkboxes
    # name no one outside; the "chosen multiple" step is a 404 for anyone
    # outside the asker's scope, as the "chosen" step.
    row(
        "person_chooser:choose_results",
        f"{NO_ADMIN} 200 200 200 200",
        data={"multiple": "1"},
        hides=True,
        beta_to=("coordinator",),
        label="several at once",
    ),
    row(
        "person_chooser:chosen_multiple",
        f"{NO_ADMIN} 404 404 200 200",
        data={"id": "@owner"},
    ),
    row(
        "person_chooser:chosen_multiple",
        f"{NO_ADMIN} 200 404 200 200",
        data={"id": "@learner"},
        label="Beta's person",
    ),
    row(
        "unit_chooser:chosen_multiple",
        f"{NO_ADMIN} 404 404 200 200",
        data={"id": "@unit_a"},
    ),
    row(
        "unit_chooser:chosen_multiple",
        f"{NO_ADMIN} 200 404 200 200",
        data={"id": "@unit_b"},
        label="Beta's unit",
    ),
    # --- Sign-in lockouts (accounts' admin) ------------------------------------
    row("sign_in_lockouts", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    # Astrid's lockout is not Beta's coordinator's to lift.
    row(
        "sign_in_lockout_lift",
        f"{NO_ADMIN} DENY DENY 302 302",
        method="POST",
        data={"kind": "account", "value": "@owner_username"},
    ),
    # --- The delivery logs (notifications, reminders): read only -------------
    # (A log's Wagtail history and usage are not offered: nothing edits it.)
    row("sent_messages:index", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("sent_messages:index_results", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("sent_messages:add", f"{NO_ADMIN} DENY DENY DENY DENY"),
    row(
        "sent_messages:edit",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@notification"},
    ),
    row(
        "sent_messages:delete",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@notification"},
    ),
    row(
        "sent_messages:history",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@notification"},
    ),
    row(
        "sent_messages:history_results",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@notification"},
    ),
    row(
        "sent_messages:usage",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@notification"},
    ),
    row(
        "sent_messages:inspect",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@notification"},
    ),
    # Messages given up, and sending them again (a POST): HR administrators,
    # each within their scope (Beta's coordinator sees Bertil's, not Astrid's,
    # and sends again only Beta's). A GET on the send-again URL does nothing.
    row(
        "messages_given_up",
        f"{NO_ADMIN} 200 DENY 200 200",
        hides=True,
        beta_to=("coordinator",),
    ),
    row("messages_send_again", f"{NO_ADMIN} 302 DENY 302 302", method="POST"),
    row("messages_send_again", f"{NO_ADMIN} 405 405 405 405"),
    row("reminders_sent:index", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("reminders_sent:index_results", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("reminders_sent:add", f"{NO_ADMIN} DENY DENY DENY DENY"),
    row(
        "reminders_sent:edit",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@reminder"},
    ),
    row(
        "reminders_sent:delete",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@reminder"},
    ),
    row(
        "reminders_sent:history",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@reminder"},
    ),
    row(
        "reminders_sent:history_results",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@reminder"},
    ),
    row(
        "reminders_sent:usage",
        f"{NO_ADMIN} 404 DENY DENY DENY",
        kwargs={"pk": "@reminder"},
    ),
    row(
        "reminders_sent:inspect",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@reminder"},
    ),
    # --- Goals and the city's settings (reports, reminders) -------------------
    row("report_goals:index", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("report_goals:index_results", f"{NO_ADMIN} 200 DENY 200 200", hides=True),
    row("report_goals:add", f"{NO_ADMIN} 200 DENY 200 200", hides=True, shown_to=()),
    row("report_goals:edit", f"{NO_ADMIN} 404 DENY 200 200", kwargs={"pk": "@goal"}),
    row("report_goals:delete", f"{NO_ADMIN} 404 DENY 200 200", kwargs={"pk": "@goal"}),
    row("report_goals:history", f"{NO_ADMIN} 404 DENY 200 200", kwargs={"pk": "@goal"}),
    row(
        "report_goals:history_results",
        f"{NO_ADMIN} 404 DENY 200 200",
        kwargs={"pk": "@goal"},
    ),
    row("report_goals:usage", f"{NO_ADMIN} 404 DENY 200 200", kwargs={"pk": "@goal"}),
    # The reminder policy and what managers see are the whole city's: central
    # HR's, never one administration's coordinator's.
    row(
        "wagtailsettings:edit",
        f"{NO_ADMIN} 302 302 302 302",  # to the setting's own address
        kwargs={"app_name": "reminders", "model_name": "reminderpolicy"},
        label="reminder policy",
    ),
    row(
        "wagtailsettings:edit",
        f"{NO_ADMIN} DENY DENY 200 200",
        kwargs={
            "app_name": "reminders",
            "model_name": "reminderpolicy",
            "pk": "@reminder_policy",
        },
        label="reminder policy, by id",
    ),
    row(
        "wagtailsettings:preview_on_edit",
        f"{NO_ADMIN} DENY DENY 404 404",  # settings have no preview
        kwargs={
            "app_name": "reminders",
            "model_name": "reminderpolicy",
            "pk": "@reminder_policy",
        },
        label="reminder policy",
    ),
    row(
        "wagtailsettings:edit",
        f"{NO_ADMIN} 302 302 302 302",  # to the setting's own address
        kwargs={"app_name": "reports", "model_name": "reportsettings"},
        label="report settings",
    ),
    row(
        "wagtailsettings:edit",
        f"{NO_ADMIN} DENY DENY 200 200",
        kwargs={
            "app_name": "reports",
            "model_name": "reportsettings",
            "pk": "@report_settings",
        },
        label="report settings, by id",
    ),
    row(
        "wagtailsettings:preview_on_edit",
        f"{NO_ADMIN} DENY DENY 404 404",  # settings have no preview
        kwargs={
            "app_name": "reports",
            "model_name": "reportsettings",
            "pk": "@report_settings",
        },
        label="report settings",
    ),
    # --- xAPI: the outbox and the LRSs are the whole city's -------------------
    row("xapi_outbox", f"{NO_ADMIN} DENY DENY DENY 200"),
    row("xapi_problems", f"{NO_ADMIN} DENY DENY DENY 200"),
    row("xapi_requeue", f"{NO_ADMIN} DENY DENY DENY 302", method="POST"),
    row("xapi_requests", f"{NO_ADMIN} DENY DENY DENY 200", kwargs={"pk": "@lrs"}),
    row("lrs_destinations:index", f"{NO_ADMIN} DENY DENY DENY 200"),
    row("lrs_destinations:index_results", f"{NO_ADMIN} DENY DENY DENY 200"),
    row("lrs_destinations:add", f"{NO_ADMIN} DENY DENY DENY 200"),
    row(
        "lrs_destinations:edit", f"{NO_ADMIN} DENY DENY DENY 200", kwargs={"pk": "@lrs"}
    ),
    row(
        "lrs_destinations:delete",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@lrs"},
    ),
    row(
        "lrs_destinations:history",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@lrs"},
    ),
    row(
        "lrs_destinations:history_results",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@lrs"},
    ),
    row(
        "lrs_destinations:usage",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@lrs"},
    ),
    # --- Snippets: categories (HR authors'), accessibility reports (the site's)
    row("wagtailsnippets_courses_category:list", f"{NO_ADMIN} DENY 200 DENY 200"),
    row(
        "wagtailsnippets_courses_category:list_results",
        f"{NO_ADMIN} DENY 200 DENY 200",
    ),
    row("wagtailsnippets_courses_category:add", f"{NO_ADMIN} DENY 200 DENY 200"),
    row(
        "wagtailsnippets_courses_category:edit",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"pk": "@category"},
    ),
    row(
        "wagtailsnippets_courses_category:delete",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"pk": "@category"},
    ),
    row(
        "wagtailsnippets_courses_category:usage",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"pk": "@category"},
    ),
    row(
        "wagtailsnippets_courses_category:history",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"pk": "@category"},
    ),
    row(
        "wagtailsnippets_courses_category:history_results",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"pk": "@category"},
    ),
    row(
        "wagtailsnippets_courses_category:copy",
        f"{NO_ADMIN} DENY 200 DENY 200",
        kwargs={"pk": "@category"},
    ),
    # Choosing a category (the catalogue's, public) is open to the admin.
    row(
        "wagtailsnippetchoosers_courses_category:choose",
        f"{NO_ADMIN} 200 200 200 200",
    ),
    row(
        "wagtailsnippetchoosers_courses_category:choose_results",
        f"{NO_ADMIN} 200 200 200 200",
    ),
    row(
        "wagtailsnippetchoosers_courses_category:chosen",
        f"{NO_ADMIN} 200 200 200 200",
        kwargs={"pk": "@category"},
    ),
    row(
        "wagtailsnippetchoosers_courses_category:chosen_multiple",
        f"{NO_ADMIN} 200 200 200 200",
    ),
    row(
        "wagtailsnippetchoosers_courses_category:create",
        f"{NO_ADMIN} DENY 200 DENY 200",
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:list", f"{NO_ADMIN} DENY DENY DENY 200"
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:list_results",
        f"{NO_ADMIN} DENY DENY DENY 200",
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:add", f"{NO_ADMIN} DENY DENY DENY 200"
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:edit",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:delete",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:usage",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:history",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:history_results",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    row(
        "wagtailsnippets_cms_accessibilityreport:copy",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    # What a visitor reported (with their address): the site's administrators'.
    row(
        "wagtailsnippetchoosers_cms_accessibilityreport:choose",
        f"{NO_ADMIN} DENY DENY DENY 200",
    ),
    row(
        "wagtailsnippetchoosers_cms_accessibilityreport:choose_results",
        f"{NO_ADMIN} DENY DENY DENY 200",
    ),
    row(
        "wagtailsnippetchoosers_cms_accessibilityreport:chosen",
        f"{NO_ADMIN} DENY DENY DENY 200",
        kwargs={"pk": "@accessibility_report"},
    ),
    row(
        "wagtailsnippetchoosers_cms_accessibilityreport:chosen_multiple",
        f"{NO_ADMIN} DENY DENY DENY 200",
    ),
    row(
        "wagtailsnippetchoosers_cms_accessibilityreport:create",
        f"{NO_ADMIN} DENY DENY DENY 200",
    ),
]
