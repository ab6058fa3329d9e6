"""Load realistic Swedish demo content: a home page, the catalogue, two courses
with lessons and a quiz each, an information page, the accessibility statement,
org units, staff, demo users and an active assignment rule.

The content is the YAML in ``cms/demo/`` (pages, people, categories, assets;
its README says how to read and edit it), read and checked in full before the
database is touched. Every asset comes from ``cms/demo_assets/``; nothing is
fetched from the internet.

Safe to run any number of times: every object is looked up first (pages by slug
under their parent, users by username, images, documents and media by title,
org units by HR code, categories by slug, rules by name) and only what is
missing is created. Nothing that already exists is changed, so editors' changes
to the demo survive. The one exception: a live course whose certificate
validity was never set ("no expiry", as on databases loaded before validity
existed) gets the demo's validity, published as a new revision.

Quiz questions and their options get fixed block ids derived from names (see
`cms.demo.loader.block_id`), so that every run and every database has the same
ids.
"""

from contextlib import ExitStack

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import dateformat, timezone, translation
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.search import index
from wagtail.utils.file import hash_filelike
from wagtailmedia import get_media_model

from assignments.actions.rules import activate_rule
from assignments.models import AssignmentRule
from cms.demo.loader import (
    ASSETS_DIR,
    ROLE_GROUPS,
    DemoContentError,
    describe,
    read_demo,
)
from cms.models import HomePage
from cms.roles import course_material_collection, ensure_hr_author_group
from courses.models import Category, CourseIndexPage, CoursePage
from courses.validity import Validity
from organisation.models import OrgUnit, StaffProfile


class Command(BaseCommand):
    help = (
        "Load Swedish demo content (home page, catalogue, courses, information "
        "material, accessibility statement, org units and demo users) from "
        "cms/demo/. Safe to run any number of times."
    )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        self.created = []
        try:
            demo = read_demo()
            with transaction.atomic():
                users = self.ensure_users(demo)
                units = self.ensure_org_units(demo, users)
                categories = self.ensure_categories(demo)
                assets = self.ensure_assets(demo, users[demo.uploaded_by])
                pages = self.ensure_pages(demo, users, categories, assets)
                self.ensure_staff(demo, users, units)
                self.ensure_rules(demo, users, units, pages)
        except DemoContentError as error:
            raise CommandError(str(error)) from error
        # The signal handlers update the index through Wagtail's background
        # tasks; index now, so that the catalogue search finds the demo at once.
        for page in pages.values():
            index.insert_or_update_object(page)

        if self.created:
            message = f"Created or updated {len(self.created)} demo objects."
        else:
            message = "The demo content is already in place; nothing was changed."
        self.stdout.write(self.style.SUCCESS(message))
        self.print_logins(demo)

    def note(self, label):
        self.created.append(label)
        if self.verbosity >= 2:
            self.stdout.write(f"  + {label}")

    # --- People and organisation ----------------------------------------------

    def ensure_users(self, demo):
        users = {
            login["username"]: self.ensure_user(login, demo) for login in demo.logins
        }
        self.join_groups(demo.logins, users)
        return users

    def ensure_user(self, person, demo):
        User = get_user_model()
        user = User.objects.filter(username=person["username"]).first()
        if user is None:
            superuser = person.get("superuser", False)
            create = (
                User.objects.create_superuser if superuser else User.objects.create_user
            )
            user = create(
                person["username"],
                person["email"],
                demo.password,
                first_name=person["first_name"],
                last_name=person["last_name"],
            )
            self.note(f"user {user.username}")
        return user

    def join_groups(self, people, users):
        for person in people:
            for name in person.get("groups", []):
                group, user = ROLE_GROUPS[name](), users[person["username"]]
                if not user.groups.filter(pk=group.pk).exists():
                    user.groups.add(group)
                    self.note(f"{user.username} in group {name}")

    def ensure_org_units(self, demo, users):
        units = {}
        for entry in demo.org_units:
            code, parent = entry["hr_code"], entry["parent"]
            unit = OrgUnit.objects.filter(hr_code=code).first()
            if unit is None:
                if parent is None:
                    unit = OrgUnit.add_root(hr_code=code, name=entry["name"])
                else:
                    # A fresh parent: treebeard computes paths from numchild.
                    parent = OrgUnit.objects.get(pk=units[parent].pk)
                    unit = parent.add_child(hr_code=code, name=entry["name"])
                self.note(f"org unit {code}")
            units[code] = unit
        for entry in demo.org_units:
            unit = units[entry["hr_code"]]
            if "head" in entry and unit.head_id is None:
                unit.head = users[entry["head"]]
                unit.save(update_fields=["head"])
                self.note(f"{entry['head']} as head of {unit.hr_code}")
        return units

    def ensure_staff(self, demo, users, units):
        """Staff profiles, and users for the staff who are not demo logins."""
        for person in demo.staff:
            username = person["username"]
            user = users.get(username) or self.ensure_user(person, demo)
            users[username] = user
            if not StaffProfile.objects.filter(user=user).exists():
                StaffProfile.objects.create(
                    user=user,
                    employee_number=person["employee_number"],
                    unit=units[person["unit"]],
                    job_title=person["job_title"],
                    start_date=person.get("start_date"),
                    on_leave_until=person.get("on_leave_until"),
                    line_manager=users.get(person.get("line_manager")),
                    hr_role=person.get("hr_role", ""),
                    coordinator_of=units.get(person.get("coordinator_of")),
                )
                self.note(f"staff profile {username}")
        self.join_groups(demo.staff, users)

    def ensure_rules(self, demo, users, units, pages):
        for entry in demo.rules:
            course = pages[entry["course"]]
            rule = AssignmentRule.objects.filter(name=entry["name"]).first()
            if rule is None:
                recurrence = entry.get("recurrence", AssignmentRule.Recurrence.NONE)
                # Only certificates that expire can be kept valid, and an editor
                # may have made the course's certificates never expire.
                if course.validity_kind == Validity.Kind.NONE:
                    recurrence = AssignmentRule.Recurrence.NONE
                rule = AssignmentRule.objects.create(
                    name=entry["name"],
                    course=course,
                    due_kind=entry["due_kind"],
                    due_days=entry["due_days"],
                    recurrence=recurrence,
                    created_by=users[entry["created_by"]],
                )
                rule.units_with_subtree.set(
                    [units[code] for code in entry["units_with_subtree"]]
                )
                self.note("assignment rule")
            if not rule.active:
                activate_rule(users[entry["activated_by"]], rule)
                self.note("assignment rule activated")

    def ensure_categories(self, demo):
        categories = {}
        for entry in demo.categories:
            category, created = Category.objects.get_or_create(
                slug=entry["slug"], defaults={"name": entry["name"]}
            )
            if created:
                self.note(f"category {entry['slug']}")
            categories[entry["slug"]] = category
        return categories

    # --- Images, documents and video ------------------------------------------

    def ensure_assets(self, demo, uploader):
        """The assets by file name. One whose title is in the library already is
        used as it is."""
        assets = {}
        for kind, model, entries in (
            ("image", get_image_model(), demo.images),
            ("document", get_document_model(), demo.documents),
            ("video", get_media_model(), demo.videos),
        ):
            for entry in entries:
                found = model.objects.filter(title=entry["title"])
                asset = (
                    found.filter(type="video") if kind == "video" else found
                ).first()
                if asset is None:
                    asset = self.import_asset(kind, model, entry, uploader)
                    self.note(f"{kind} {entry['file']}")
                assets[entry["file"]] = asset
        return assets

    def import_asset(self, kind, model, entry, uploader):
        path = ASSETS_DIR / entry["file"]
        fields = {
            "title": entry["title"],
            "uploaded_by_user": uploader,
            "collection": course_material_collection(),
        }
        with path.open("rb") as f, ExitStack() as more:
            if kind == "video":
                thumbnail = ASSETS_DIR / entry["thumbnail"]
                thumbnail_file = more.enter_context(thumbnail.open("rb"))
                fields["thumbnail"] = File(thumbnail_file, name=thumbnail.name)
                fields |= {key: entry[key] for key in ("duration", "width", "height")}
                fields["type"] = "video"
            else:
                fields["file_size"] = path.stat().st_size
                fields["file_hash"] = hash_filelike(f)
                f.seek(0)
            file_class = ImageFile if kind == "image" else File
            asset = model(file=file_class(f, name=entry["file"]), **fields)
            asset.save()
        return asset

    # --- Pages -------------------------------------------------------------------

    def ensure_pages(self, demo, users, categories, assets):
        """The pages by their address under the site, in the files' order: a
        page added to an existing parent comes after its siblings, as in the
        files (a quiz after the lessons)."""
        today = swedish_date(timezone.localdate())
        pages = {}
        for spec in demo.pages:
            owner = users[spec.owner]

            def build(spec=spec, owner=owner):
                values = spec.build(assets, categories, today)
                return spec.model(**values, owner=owner)

            if spec.type == "home":
                page = self.ensure_home(spec, build, owner)
            else:
                page = self.ensure_page(pages[spec.parent_url], spec, build, owner)
            if isinstance(page, CourseIndexPage):
                # HR authors' page permissions are on the catalogue: now it exists.
                ensure_hr_author_group()
            if isinstance(page, CoursePage):
                page = self.ensure_validity(page, spec.validity, owner)
            pages[spec.url] = page
        return pages

    def ensure_home(self, spec, build, user):
        """The home page as the default site's root, replacing Wagtail's
        "Welcome to your new Wagtail site!" page."""
        home = HomePage.objects.first()
        if home is None:
            home = self.ensure_page(Page.get_first_root_node(), spec, build, user)

        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site.objects.filter(hostname="localhost").order_by("port").first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                site_name="Kompetens",
                root_page=home,
                is_default_site=True,
            )
            self.note("default site")
        elif (
            site.root_page_id != home.pk
            or not site.is_default_site
            or not site.site_name
        ):
            site.root_page = home
            site.is_default_site = True
            site.site_name = site.site_name or "Kompetens"
            site.save()
            self.note("default site points at the home page")

        # Wagtail's welcome page: a plain Page at depth 2 with nothing under it.
        # Deleted only now that no site points at it (the site would go with it).
        for page in Page.objects.filter(
            depth=2,
            numchild=0,
            content_type__app_label="wagtailcore",
            content_type__model="page",
        ).exclude(sites_rooted_here__isnull=False):
            page.delete()
            self.note("Wagtail's welcome page deleted")
        return home

    def ensure_validity(self, course, validity, user):
        """Give a course the demo's certificate validity if it has none yet.

        A validity an editor has chosen stays as it is. A course that is not
        live or has unpublished changes is left alone too: publishing would
        republish a withdrawn course, or put a draft live or drop it.
        """
        if course.validity_kind != Validity.Kind.NONE:
            return course
        changes = {
            field: value
            for field, value in validity.items()
            if getattr(course, field) != value
        }
        if not changes:
            return course
        if not course.live or course.has_unpublished_changes:
            self.stdout.write(
                self.style.WARNING(
                    f"{course.title}: not live or has unpublished changes, so its "
                    "certificate validity was not set. Set it in the admin."
                )
            )
            return course
        for field, value in changes.items():
            setattr(course, field, value)
        # save_revision() runs full_clean(), which checks the validity settings.
        course.save_revision(user=user, log_action=True).publish(user=user)
        self.note(f"certificate validity of {course.url_path}")
        return CoursePage.objects.get(pk=course.pk)

    def ensure_page(self, parent, spec, build, user):
        """The live page `spec.slug` under `parent`; built, added and published
        with a revision if it is not there yet."""
        existing = parent.get_children().filter(slug=spec.slug).first()
        if existing is not None:
            return existing.specific
        page = build()
        page.slug = spec.slug
        # Saving a live page and saving a revision both run full_clean().
        try:
            parent.add_child(instance=page)
            page.save_revision(user=user, log_action=True).publish(user=user)
        except ValidationError as error:
            raise spec.where.error(describe(error)) from error
        self.note(f"page {page.url_path}")
        return type(page).objects.get(pk=page.pk)

    # --- Summary -----------------------------------------------------------------

    def print_logins(self, demo):
        site_url = getattr(settings, "SITE_URL", "") or "http://localhost:8000"
        site_url = site_url.rstrip("/")
        width = max(len(login["username"]) for login in demo.logins)
        self.stdout.write("")
        self.stdout.write(f"Kompetens:     {site_url}/")
        self.stdout.write(f"Wagtail admin: {site_url}/admin/")
        self.stdout.write(f"Demo logins (password for all: {demo.password}):")
        for login in demo.logins:
            self.stdout.write(
                f"  {login['username'].ljust(width)}  {login['first_name']} "
                f"{login['last_name']} – {login['role']}"
            )


def swedish_date(day):
    with translation.override("sv"):
        return dateformat.format(day, "j F Y")
