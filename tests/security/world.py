"""The one world the authorization matrix asks about, built once per run.

The city (Staden) has two administrations, Alfa and Beta:

    Staden ─ Förvaltning Alfa ─ Enhet Alfa-ett    head: Maja Alfström
           └ Förvaltning Beta ─ Enhet Beta-ett    head: Mats Betasson

Everything the URLs' ids name belongs to Alfa (its person, Astrid Alfasson,
in Enhet Alfa-ett): her enrolment, quiz attempt, certificate (with its PDF),
calendar feed, notification and reminder, exemption and accommodation and
sign-in lockout; Alfa's assignment rule and goal, the delegation of Enhet
Alfa-ett, an audit event of Alfa's manager, central HR's export of Enhet
Alfa-ett and upload of an HR file, an attachment to Astrid's record. The
people who ask (`ROLES` in tests.security.matrix) are all elsewhere: a
learner and the manager in Beta, Beta's local coordinator, an HR author
without an HR role, central HR, a superuser — and Astrid herself, the owner,
so that the rows show the one person a personal URL is for.

Every string of Alfa's that a page might show is in `A_MARKERS`: a page
served to someone outside Alfa must contain none of them.
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from axes.models import AccessAttempt
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.documents import get_document_model
from wagtail.models import Page, Site

from assignments.actions.calendar import create_calendar_feed
from assignments.models import Assignment, Exemption
from cms.models import AccessibilityReport
from cms.roles import (
    course_material_collection,
    ensure_hr_admin_group,
    ensure_hr_author_group,
)
from courses.models import Category
from learners.actions.history import hr_records_collection
from learners.models import Certificate, QuizAccommodation, QuizAttempt
from notifications.models import Notification
from organisation.hr_import.uploads import store_upload
from organisation.models import AuditEvent, OrgUnit, StaffProfile, UnitDelegation
from reminders.models import NotificationItem, ReminderPolicy
from reports.models import ReportExport, ReportGoal, ReportSettings
from tests.factories import (
    AccessibilityStatementPageFactory,
    CourseIndexPageFactory,
    HomePageFactory,
    InformationPageFactory,
    QuizPageFactory,
    UserFactory,
    make_course,
    make_rule,
    make_unit,
    publish,
)
from tests.helpers import STAFF_HEADER, complete_course, csv_bytes, staff_row
from xapi.models import LrsDestination, LrsRequest

# What of Alfa's a page could show: names, usernames (and so employee
# numbers and email addresses, which contain them), units, the rule, the
# delegate. Case-sensitive, and none of them is a word of the admin's own.
A_MARKERS = (
    "Alfasson",
    "astrid.alfa",
    "Alfström",
    "maja.alfa",
    "Alfadotter",
    "dora.alfa",
    "Enhet Alfa-ett",
    "Förvaltning Alfa",
    "Regel Alfa",
    "Undantag Alfa",
)

# What of Beta's its own manager and coordinator see on their lists: Bertil
# and his unit (not Mats's own name, which every page of his shows).
B_MARKERS = (
    "Bertil",
    "bertil.beta",
    "Enhet Beta-ett",
    "Förvaltning Beta",
    "Regel Beta",
)


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> user (None: anonymous)
    ids: dict = field(default_factory=dict)  # what URLs and forms name
    files: list = field(default_factory=list)  # written outside the test's media


def _person(username, first, last, unit=None, line_manager=None, **profile):
    user = UserFactory(username=username, first_name=first, last_name=last)
    StaffProfile.objects.create(
        user=user,
        employee_number=f"E-{username}",
        unit=unit,
        line_manager=line_manager,
        **profile,
    )
    return user


def _unit(code, name, parent=None, head=None):
    parent = OrgUnit.objects.get(pk=parent.pk) if parent else None
    return make_unit(code, name=name, parent=parent, head=head)


def _pages():
    """The home page, the catalogue and the accessibility statement, as the
    suite's `catalogue` fixture builds them."""
    root = Page.get_first_root_node()
    home = publish(HomePageFactory(parent=root))
    site = Site.objects.get(is_default_site=True)
    old_root = site.root_page
    site.root_page = home
    site.save()
    if old_root.pk != home.pk and old_root.depth == 2:
        old_root.delete()
    Site.clear_site_root_paths_cache()
    home.refresh_from_db()
    catalogue = publish(CourseIndexPageFactory(parent=home))
    statement = publish(AccessibilityStatementPageFactory(parent=home))
    return home, catalogue, statement


def build_world():
    world = World()
    ids = world.ids
    now = timezone.now()
    today = timezone.localdate()

    home, catalogue, statement = _pages()
    authors, administrators = ensure_hr_author_group(), ensure_hr_admin_group()

    # --- The organisation and the people who ask ------------------------------
    city = _unit("STAD", "Staden")
    admin_a = _unit("ALFA", "Förvaltning Alfa", city)
    admin_b = _unit("BETA", "Förvaltning Beta", city)
    manager_a = _person("maja.alfa", "Maja", "Alfström")
    unit_a = _unit("ALFA1", "Enhet Alfa-ett", admin_a, head=manager_a)
    manager_b = _person("mats.beta", "Mats", "Betasson")
    unit_b = _unit("BETA1", "Enhet Beta-ett", admin_b, head=manager_b)
    for manager, unit in ((manager_a, unit_a), (manager_b, unit_b)):
        StaffProfile.objects.filter(user=manager).update(unit=unit)

    owner = _person(
        "astrid.alfa",
        "Astrid",
        "Alfasson",
        unit=unit_a,
        line_manager=manager_a,
        job_title="Handläggare",
    )
    deputy_a = _person("dora.alfa", "Dora", "Alfadotter", unit=unit_a)
    learner = _person(
        "bertil.beta", "Bertil", "Betasson", unit=unit_b, line_manager=manager_b
    )
    coordinator = _person(
        "cecilia.beta",
        "Cecilia",
        "Betakoordinator",
        unit=admin_b,
        hr_role=StaffProfile.HrRole.COORDINATOR,
        coordinator_of=admin_b,
    )
    coordinator.groups.add(administrators)
    hr_author = _person("hanna.redaktor", "Hanna", "Redaktör")
    hr_author.groups.add(authors)
    hr_admin = _person(
        "harald.hr", "Harald", "Centralsson", hr_role=StaffProfile.HrRole.CENTRAL
    )
    hr_admin.groups.add(administrators)
    superuser = UserFactory(
        username="sara.super",
        first_name="Sara",
        last_name="Superuser",
        is_superuser=True,
        is_staff=True,
    )
    world.users = {
        "anonymous": None,
        "learner": learner,
        "owner": owner,
        "manager": manager_b,
        "coordinator": coordinator,
        "hr_author": hr_author,
        "hr_admin": hr_admin,
        "superuser": superuser,
    }

    # --- Courses, and Astrid's learning ---------------------------------------
    course = make_course(catalogue, lessons=1, title="Informationssäkerhet")
    quiz = publish(QuizPageFactory(parent=course, title="Kunskapstest"))
    course.refresh_from_db()
    fire = make_course(catalogue, lessons=1, title="Brandskydd")
    safety = make_course(catalogue, lessons=1, title="Arbetsmiljö")
    guide = publish(InformationPageFactory(parent=catalogue, title="Guide"))
    complete_course(owner, course)
    attempt = QuizAttempt.objects.get(enrolment__learner=owner, quiz=quiz)
    certificate = Certificate.objects.get(learner=owner, course=course)
    certificate.pdf.save("matris-intyg.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"))
    feed = create_calendar_feed(owner)

    # Alfa's rule assigns Brandskydd to Alfa: Astrid has an open assignment.
    rule = make_rule(
        fire, name="Regel Alfa", scope_unit=admin_a, units=[admin_a], active=True
    )
    assignment = Assignment.objects.get(person=owner, course=fire)
    # And Beta's assigns it to Beta: its lists are not empty.
    make_rule(fire, name="Regel Beta", scope_unit=admin_b, units=[admin_b], active=True)
    exemption = Exemption.objects.create(
        person=owner, course=safety, reason="Undantag Alfa", created_by=hr_admin
    )
    accommodation = QuizAccommodation.objects.create(
        learner=owner, quiz=quiz, extra_percent=50, note="Mer tid", granted_by=hr_admin
    )

    # --- What was sent to her, and what HR did about Alfa ----------------------
    notification = Notification.objects.create(
        key=f"matrix:reminders:{owner.pk}",
        kind=Notification.Kind.REMINDERS,
        recipient=owner,
        subject="Påminnelse till Astrid Alfasson",
        status=Notification.Status.SENT,
        sent_at=now,
    )
    item = NotificationItem.objects.create(
        notification=notification,
        key=f"matrix:item:{owner.pk}",
        trigger=NotificationItem.Trigger.BEFORE,
        person=owner,
        assignment=assignment,
        course=fire,
        course_title=fire.title,
        due_date=assignment.due_date,
    )
    # Given up (the relay refused them): Astrid's, and Bertil's in Beta.
    for person in (owner, learner):
        Notification.objects.create(
            key=f"matrix:invitation:{person.pk}",
            kind=Notification.Kind.INVITATION,
            recipient=person,
            status=Notification.Status.FAILED,
            given_up_at=now,
            alerted_at=now,
            last_error="SMTPRecipientsRefused(550)",
        )
    delegation = UnitDelegation.objects.create(
        unit=unit_a,
        delegate=deputy_a,
        valid_from=today,
        valid_until=today + timedelta(days=30),
        created_by=hr_admin,
    )
    event = AuditEvent.objects.create(
        actor=manager_a,
        action=AuditEvent.Action.VIEW_REPORT,
        summary="Report: Enhet Alfa-ett",
        details={"unit": unit_a.hr_code},
    )
    goal = ReportGoal.objects.create(
        course=fire,
        unit=admin_a,
        target_percent=90,
        deadline=today + timedelta(days=90),
        created_by=hr_admin,
    )
    export = ReportExport.objects.create(
        requested_by=hr_admin,
        unit=unit_a,
        format=ReportExport.Format.CSV,
        language="sv",
        day=today,
        rows=3,
        state=ReportExport.State.READY,
        finished_at=now,
    )
    export.file.save("matris-export.csv", ContentFile(b"Namn\nAstrid Alfasson\n"))

    # --- Documents: course material, and an attachment to Astrid's record ------
    Document = get_document_model()
    material = Document.objects.create(
        title="Checklista",
        file=ContentFile(b"Checklista\n", name="matris-checklista.txt"),
        collection=course_material_collection(),
    )
    record = Document.objects.create(
        title="Närvarolista Alfasson",
        file=ContentFile(b"Astrid Alfasson\n", name="matris-narvaro.txt"),
        collection=hr_records_collection(),
    )
    # The media route serves the MEDIA_ROOT its URLconf was built with.
    media_root = Path(resolve(f"{settings.MEDIA_URL}x").kwargs["document_root"])
    picture = media_root / f"matris-{secrets.token_hex(8)}.txt"
    picture.parent.mkdir(parents=True, exist_ok=True)
    picture.write_bytes(b"Bild\n")
    world.files.append(picture)

    # --- The rest of the admin: snippets, settings, an LRS ---------------------
    category = Category.objects.create(name="Säkerhet", slug="sakerhet")
    report = AccessibilityReport.objects.create(
        description="Låg kontrast på knappen", page_url="/", reporter=owner
    )
    destination = LrsDestination.objects.create(
        name="Stadens LRS", endpoint="http://lrs.example.se/xapi/"
    )
    LrsRequest.objects.create(destination=destination, statements=1, status=200)
    # Central HR's upload of an HR file, its dry run not made yet.
    upload = store_upload(
        hr_admin,
        "staff",
        "partial",
        "personal.csv",
        csv_bytes(STAFF_HEADER, staff_row(owner.staff_profile.employee_number)),
    )
    # Astrid's account is locked after wrong passwords.
    AccessAttempt.objects.create(
        username=owner.username,
        ip_address="192.0.2.10",
        user_agent="Matris",
        http_accept="text/html",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=settings.LOGIN_FAILURE_LIMIT,
    )
    reminder_policy = ReminderPolicy.load()
    report_settings = ReportSettings.load()

    ids.update(
        {
            "course": course.pk,
            "course_url": course.url,
            "lesson": course.lessons()[0].pk,
            "lesson_url": course.lessons()[0].url,
            "quiz": quiz.pk,
            "quiz_url": quiz.url,
            "catalogue_url": catalogue.url,
            "guide_url": guide.url,
            "fire": fire.pk,
            "safety": safety.pk,
            "attempt": attempt.pk,
            "certificate": certificate.pk,
            "certificate_code": certificate.code,
            "calendar_token": feed.token,
            "owner": owner.pk,
            "owner_username": owner.username,
            "deputy_username": deputy_a.username,
            "deputy": deputy_a.pk,
            "learner": learner.pk,
            "owner_number": owner.staff_profile.employee_number,
            "owner_profile": owner.staff_profile.pk,
            "owner_uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
            "unit_a": unit_a.pk,
            "unit_b": unit_b.pk,
            "learner_username": learner.username,
            "learner_number": learner.staff_profile.employee_number,
            "manager_number": manager_b.staff_profile.employee_number,
            "admin_a": admin_a.pk,
            "rule": rule.pk,
            "exemption": exemption.pk,
            "accommodation": accommodation.pk,
            "notification": notification.pk,
            "reminder": item.pk,
            "delegation": delegation.pk,
            "event": event.pk,
            "goal": goal.pk,
            "export": export.pk,
            "material_url": material.url,
            "record_url": record.url,
            "record": record.pk,
            "home": home.pk,
            "home_url": home.url,
            "statement_url": statement.url,
            "media_url": f"{settings.MEDIA_URL}{picture.name}",
            "category": category.pk,
            "accessibility_report": report.pk,
            "lrs": destination.pk,
            "reminder_policy": reminder_policy.pk,
            "report_settings": report_settings.pk,
            "hr_upload": upload,
            "today": today.isoformat(),
        }
    )
    return world
