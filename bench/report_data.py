"""The data for `bench/report_pages.py`: a city with its training record, seeded
in bulk (COPY), deterministic from a seed and relative to the seeding day.

- The organisation and the staff are the #4 benchmark's generator
  (`bench/assign_data.py`: 30 administrations → departments → units, 2,000
  units; 40,000 people with names, job titles that fit their unit, heads and
  line managers), written straight to the tables with valid treebeard paths
  (steplen 4, siblings in name order as `node_order_by` keeps them) instead
  of going through the HR import. Also: 1,200 former staff (inactive, with
  their history) and 60 active people without a unit, whom the reports must
  not count.
- 200 courses published through the Wagtail page API (one or two lessons
  each): 6 for all staff, 2 per administration, 12 per kind of unit (each
  person has 4 of their kind's), 10 for heads (3 each), 4 voluntary;
  13 are valid for 12 months.
- Per person and course, the assignment's cycles: two in five of the people
  on a course valid for 12 months have an earlier, completed cycle (some
  two); one in a hundred on any course an earlier, withdrawn one. The
  latest cycle is withdrawn (3 %), exempt (2 %), completed (by the course's
  rate, the administration's and how long ago it was assigned) or open — of
  the open ones some are in progress (an enrolment of that cycle with
  activity), some enrolled but not started, some overdue. Every completed
  cycle has its enrolment, its lesson progress and its certificate (a few
  revoked); voluntary courses add enrolments without assignments.
- Goals: three for the whole city, three for administrations.

No Django at import time: `seed()` is called once Django is set up.
"""

import json
import os
import random
import tempfile
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import assign_data

SEED = 6
TZ = ZoneInfo("Europe/Stockholm")
LEAVERS = 1200
NO_UNIT = 60

ALL_STAFF = [
    # (title, valid 12 months)
    ("Informationssäkerhet för medarbetare", True),
    ("Dataskydd och GDPR i vardagen", True),
    ("Brandskydd på arbetsplatsen", True),
    ("Arbetsmiljö och systematiskt arbetsmiljöarbete", False),
    ("Likabehandling och diskriminering", False),
    ("Mutor, jäv och gåvor", False),
]

# Per kind of unit: six topics, each a basic and an advanced course; a topic
# ending in "*" is valid for 12 months (its basic course).
ROLE_TOPICS = {
    "preschool": [
        "Barns lärande i förskolan",
        "Språkutveckling i förskolan",
        "Första hjälpen för barn*",
        "Barnkonventionen i praktiken",
        "Anmälan vid oro för barn",
        "Allergier och specialkost",
    ],
    "homecare": [
        "Hygienrutiner i hemtjänsten",
        "Förflyttningsteknik",
        "Läkemedelshantering*",
        "Demens och bemötande",
        "Social dokumentation i hemtjänsten",
        "Ensamhet och psykisk hälsa hos äldre",
    ],
    "carehome": [
        "Basala hygienrutiner*",
        "Nutrition och måltider",
        "Palliativ vård",
        "Fallprevention",
        "Trycksårsprevention",
        "Lex Sarah",
    ],
    "social": [
        "Barnavårdsutredningar",
        "Motiverande samtal",
        "Våld i nära relationer",
        "Socialtjänstlagen",
        "Dokumentation inom socialtjänsten",
        "Hot och våld i arbetet*",
    ],
    "disability": [
        "Lågaffektivt bemötande",
        "LSS i praktiken",
        "Tydliggörande pedagogik",
        "Alternativ och kompletterande kommunikation",
        "Epilepsi och akuta tillstånd*",
        "Genomförandeplaner",
    ],
    "school": [
        "Betyg och bedömning",
        "Extra anpassningar och särskilt stöd",
        "Digitala verktyg i undervisningen",
        "Kränkande behandling",
        "Skolans värdegrund",
        "Första hjälpen i skolan*",
    ],
    "studenthealth": [
        "Elevhälsans arbete",
        "Psykisk ohälsa hos unga",
        "Journalföring i elevhälsan",
        "Sekretess i skolan",
        "Vaccinationer i skolan*",
        "Suicidprevention",
    ],
    "culture": [
        "Bemötande av besökare",
        "Programverksamhet",
        "Tillgänglighet i lokaler",
        "Barn och unga i kulturen",
        "Säkerhet vid evenemang*",
        "Mediehantering",
    ],
    "office": [
        "Offentlighet och sekretess",
        "Diarieföring",
        "Offentlig upphandling",
        "Klarspråk",
        "Budget och prognos",
        "Informationshantering*",
    ],
    "technical": [
        "Arbete på väg*",
        "Heta arbeten",
        "Miljötillsyn",
        "Plan- och bygglagen",
        "Elsäkerhet",
        "Fastighetsdrift",
    ],
}
HEAD_COURSES = [
    "Chefsintroduktion",
    "Arbetsrätt för chefer",
    "Budget och uppföljning för chefer",
    "Kompetensbaserad rekrytering",
    "Rehabilitering och sjukfrånvaro",
    "Lönesättning",
    "Arbetsmiljöansvar för chefer",
    "Att leda förändring",
    "Krisledning",
    "Medarbetarsamtal",
]
VOLUNTARY = [
    "Klarspråk i stadens texter",
    "Att leda möten digitalt",
    "Hållbara resor i tjänsten",
    "Kalkylprogram för nybörjare",
]


# --- Writing COPY text -------------------------------------------------------------


def _text(value):
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    elif hasattr(value, "isoformat"):
        return value.isoformat()
    else:
        value = str(value)
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class Table:
    """Rows for one table, spooled to a file in COPY text format."""

    def __init__(self, model, columns, workdir):
        self.model = model
        self.columns = columns
        self.rows = 0
        self.file = tempfile.TemporaryFile(
            "w+", encoding="utf-8", dir=workdir, prefix=model._meta.db_table
        )

    def add(self, *values):
        self.file.write("\t".join(_text(v) for v in values) + "\n")
        self.rows += 1

    def copy(self, cursor):
        table = self.model._meta.db_table
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.file.flush()
        self.file.seek(0)
        with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            while block := self.file.read(1 << 20):
                copy.write(block)
        self.file.close()
        return self.rows


def _moment(rng, day):
    """A working-hours moment on `day`, Stockholm time."""
    return datetime.combine(
        day, time(rng.randint(7, 16), rng.randint(0, 59), rng.randint(0, 59)), TZ
    )


# --- Courses (Wagtail) -------------------------------------------------------------


def publish_courses(rng):
    """200 courses (and their lessons) through the page API. Returns a list
    of dicts: pk, title, kind, group, valid, lessons [(pk, title)]."""
    from django.utils.text import slugify
    from wagtail.models import Page, Site

    from cms.models import HomePage
    from courses.models import CourseIndexPage, CoursePage, LessonPage

    def publish(parent, page):
        page.live = False
        parent.add_child(instance=page)
        page.save_revision().publish()
        return type(page).objects.get(pk=page.pk)

    root = Page.get_first_root_node()
    home = publish(root, HomePage(title="Välkommen till Kompetens", slug="hem"))
    site = Site.objects.filter(is_default_site=True).first()
    site.root_page = home
    site.save()
    catalogue = publish(home, CourseIndexPage(title="Kurser", slug="kurser"))
    block = LessonPage._meta.get_field("body").stream_block

    specs = [(title, "all", None, valid) for title, valid in ALL_STAFF]
    for index, (name, _kind) in enumerate(assign_data.ADMINISTRATIONS, start=1):
        code = f"F{index:02d}"
        specs.append((f"Introduktion: {name}", "admin", code, False))
        specs.append((f"Rutiner och system: {name}", "admin", code, False))
    for kind, topics in ROLE_TOPICS.items():
        for topic in topics:
            valid = topic.endswith("*")
            topic = topic.rstrip("*")
            specs.append((f"{topic}: grundkurs", "role", kind, valid))
            specs.append((f"{topic}: fördjupning", "role", kind, False))
    specs += [(title, "head", None, False) for title in HEAD_COURSES]
    specs += [(title, "voluntary", None, False) for title in VOLUNTARY]
    assert len(specs) == 200, len(specs)

    courses = []
    for title, kind, group, valid in specs:
        slug = slugify(title.replace("å", "a").replace("ä", "a").replace("ö", "o"))[:80]
        course = publish(
            catalogue,
            CoursePage(
                title=title,
                slug=slug,
                summary=f"En kurs om {title.lower()} för stadens medarbetare.",
                objectives="<ul><li>Känna till reglerna</li></ul>",
                estimated_minutes=rng.choice([15, 20, 30, 45]),
                validity_kind="months" if valid else "none",
                validity_months=12 if valid else None,
            ),
        )
        lessons = []
        for n, lesson_title in enumerate(
            ["Introduktion", "Fördjupning"][: rng.choice([1, 2])], start=1
        ):
            body = block.clean(
                block.to_python(
                    [{"type": "text", "value": f"<h2>{title}</h2><p>Del {n}.</p>"}]
                )
            )
            lesson = publish(
                course,
                LessonPage(title=lesson_title, slug=slugify(lesson_title), body=body),
            )
            lessons.append((lesson.pk, lesson_title))
        courses.append(
            {
                "pk": course.pk,
                "title": title,
                "kind": kind,
                "group": group,
                "valid": valid,
                "lessons": lessons,
                # Per course: when the campaign started, how long people
                # have, and how keen they are.
                "assigned": rng.randint(15, 330),
                "due_days": rng.choice([30, 45, 60, 90, 120, 180]),
                "rate": rng.uniform(0.35, 0.92),
            }
        )
    return courses


# --- The organisation and the people -----------------------------------------------


def seed_units(city, cursor, workdir):
    """Units with their treebeard paths. Returns {code: (id, path)}."""
    from organisation.models import OrgUnit

    children = {}
    for unit in city.units:
        children.setdefault(unit.parent, []).append(unit)
    table = Table(
        OrgUnit,
        ["id", "path", "depth", "numchild", "hr_code", "name", "head_id", "active"],
        workdir,
    )
    start = (OrgUnit.objects.order_by("-id").values_list("id", flat=True).first()) or 0
    ids = {}

    def walk(parent_code, parent_path, depth):
        siblings = sorted(children.get(parent_code, []), key=lambda u: (u.name, u.code))
        for step, unit in enumerate(siblings, start=1):
            path = OrgUnit._get_path(parent_path, depth, step)
            pk = start + len(ids) + 1
            ids[unit.code] = (pk, path)
            table.add(
                pk,
                path,
                depth,
                len(children.get(unit.code, [])),
                unit.code,
                unit.name,
                None,
                True,
            )
            walk(unit.code, path, depth + 1)

    walk("", None, 1)
    table.copy(cursor)
    return ids


def seed_people(city, units, day, rng, cursor, workdir):
    """Users and staff profiles: the city's staff (active unless their end
    date has passed), former staff (inactive), people without a unit.
    Returns a list of people dicts."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from organisation.models import StaffProfile

    User = get_user_model()
    start = User.objects.order_by("-id").values_list("id", flat=True).first() or 0
    unusable = make_password(None)
    now = datetime.combine(day, time(6), TZ)
    leaf_units = [u for u in city.units if u.level == 3]
    unit_kind = {u.code: u.kind for u in city.units}
    admin_of = {u.code: u.admin for u in city.units}

    people = []
    for p in city.people:
        people.append(
            {
                "p": p,
                "active": not (p.end and p.end < day),
                "unit": p.unit,
                "head": p.is_head,
            }
        )
    numbers = iter(rng.sample(range(1000000, 1999999), LEAVERS + NO_UNIT))
    for n in range(LEAVERS + NO_UNIT):
        unit = rng.choice(leaf_units)
        first = rng.choice(assign_data.FIRST_NAMES)
        last = rng.choice(assign_data.LAST_NAMES)
        p = assign_data.Person(
            number=str(next(numbers)),
            first=first,
            last=last,
            email="",
            unit=unit.code,
            title=assign_data._weighted(rng, assign_data.UNIT_KINDS[unit.kind][2]),
            start=day - timedelta(days=rng.randint(400, 4000)),
            end=day - timedelta(days=rng.randint(1, 300)) if n < LEAVERS else None,
            manager=unit.head,
        )
        people.append(
            {
                "p": p,
                "active": n >= LEAVERS,
                # Without a unit: the unit's history is kept for their items.
                "unit": unit.code if n < LEAVERS else None,
                "kind_unit": unit.code,
                "head": False,
            }
        )
    users = Table(
        User,
        [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        workdir,
    )
    by_number = {}
    for index, person in enumerate(people, start=1):
        person["id"] = start + index
        by_number[person["p"].number] = person["id"]
    profiles = Table(
        StaffProfile,
        [
            "id",
            "user_id",
            "employee_number",
            "unit_id",
            "job_title",
            "start_date",
            "end_date",
            "line_manager_id",
            "on_leave_until",
            "preferred_language",
            "opaque_id",
            "hr_role",
            "coordinator_of_id",
            "created_at",
            "updated_at",
        ],
        workdir,
    )
    profile_start = (
        StaffProfile.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )
    for index, person in enumerate(people, start=1):
        p = person["p"]
        users.add(
            person["id"],
            unusable,
            None,
            False,
            p.number.lower(),
            p.first,
            p.last,
            p.email,
            False,
            person["active"],
            now,
        )
        code = person["unit"]
        kind_code = person.get("kind_unit", code)
        kind = unit_kind[kind_code]  # an administration's: its head's office
        person["kind"] = kind if kind in ROLE_TOPICS else "office"
        person["admin"] = admin_of[kind_code]
        person["start"] = p.start
        person["name"] = f"{p.first} {p.last}"
        profiles.add(
            profile_start + index,
            person["id"],
            p.number,
            units[code][0] if code else None,
            p.title,
            p.start,
            p.end,
            by_number.get(p.manager),
            p.leave,
            p.language,
            f"{rng.getrandbits(128):032x}",
            "",
            None,
            now,
            now,
        )
    users.copy(cursor)
    profiles.copy(cursor)
    heads = [(units[u.code][0], by_number[u.head]) for u in city.units if u.head]
    cursor.execute(
        'UPDATE "organisation_orgunit" AS u SET head_id = v.head '
        "FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::int[]) AS head) AS v "
        "WHERE u.id = v.id",
        [[h[0] for h in heads], [h[1] for h in heads]],
    )
    return people


# --- The training record -----------------------------------------------------------


class Record:
    def __init__(self, day, rng, workdir):
        from assignments.models import Assignment
        from learners.models import Certificate, Enrolment, LessonProgress

        self.day = day
        self.rng = rng
        self.now = datetime.combine(day, time(6), TZ)
        self.assignments = Table(
            Assignment,
            [
                "id",
                "person_id",
                "course_id",
                "course_title",
                "cycle",
                "source",
                "state",
                "assigned_on",
                "due_date",
                "reasons",
                "completed_at",
                "withdrawn_on",
                "updated_at",
            ],
            workdir,
        )
        self.enrolments = Table(
            Enrolment,
            [
                "id",
                "learner_id",
                "course_id",
                "course_title",
                "cycle",
                "registration",
                "source",
                "note",
                "attachment_id",
                "recorded_by_id",
                "enrolled_at",
                "last_activity_at",
                "completed_at",
            ],
            workdir,
        )
        self.progress = Table(
            LessonProgress,
            [
                "id",
                "enrolment_id",
                "lesson_id",
                "lesson_title",
                "progress",
                "last_position",
                "time_spent_seconds",
                "started_at",
                "updated_at",
                "completed_at",
            ],
            workdir,
        )
        self.certificates = Table(
            Certificate,
            [
                "id",
                "enrolment_id",
                "learner_id",
                "holder_name",
                "course_id",
                "course_title",
                "code",
                "completed_at",
                "valid_from",
                "valid_until",
                "issued_at",
                "language",
                "pdf",
                "revoked_at",
                "revoked_reason",
                "revoked_by_id",
            ],
            workdir,
        )

    def moment_between(self, first, last):
        """A moment on a day between `first` and `last` (dates), not after now."""
        last = min(last, self.day)
        first = min(first, last)
        when = _moment(
            self.rng, first + timedelta(days=self.rng.randint(0, (last - first).days))
        )
        return min(when, self.now)

    def enrolment(self, person, course, cycle, started, active, completed):
        rng = self.rng
        pk = self.enrolments.rows + 1
        imported = completed is not None and rng.random() < 0.05
        self.enrolments.add(
            pk,
            person["id"],
            course["pk"],
            course["title"],
            cycle,
            uuid.UUID(int=rng.getrandbits(128), version=4),
            "imported" if imported else "platform",
            "",
            None,
            None,
            started,
            active,
            completed,
        )
        if imported or active is None:
            return pk
        lessons = course["lessons"]
        done = len(lessons) if completed else rng.randint(0, len(lessons) - 1)
        for index, (lesson_pk, lesson_title) in enumerate(lessons):
            if index > done or (index == done and completed):
                break
            finished = index < done
            at = (
                started + (active - started) * (index + 1) / len(lessons)
                if finished
                else None
            )
            progress = 100 if finished else rng.choice([10, 25, 40, 60, 85])
            self.progress.add(
                self.progress.rows + 1,
                pk,
                lesson_pk,
                lesson_title,
                progress,
                progress,
                rng.randint(120, 1500),
                started,
                at or active,
                at,
            )
        if completed:
            valid_from = completed.astimezone(TZ).date()
            valid_until = None
            if course["valid"]:
                valid_until = _add_year(valid_from)
            revoked = self.now if rng.random() < 0.002 else None
            self.certificates.add(
                self.certificates.rows + 1,
                pk,
                person["id"],
                person["name"],
                course["pk"],
                course["title"],
                _code(rng),
                completed,
                valid_from,
                valid_until,
                completed,
                "sv",
                "",
                revoked,
                "Registrerad av misstag" if revoked else "",
                None,
            )
        return pk

    def assignment(self, person, course, cycle, state, assigned, due, completed=None):
        withdrawn = None
        if state == "withdrawn":
            withdrawn = min(
                assigned + timedelta(days=self.rng.randint(1, 60)), self.day
            )
        self.assignments.add(
            self.assignments.rows + 1,
            person["id"],
            course["pk"],
            course["title"],
            cycle,
            "rule",
            state,
            assigned,
            due,
            [{"rule": None, "name": course["reason"], "matched": []}],
            completed,
            withdrawn,
            self.now,
        )

    def completed_cycle(self, person, course, cycle, assigned, due, completed):
        started = completed - timedelta(days=self.rng.randint(0, 20), hours=1)
        self.enrolment(person, course, cycle, started, completed, completed)
        self.assignment(person, course, cycle, "completed", assigned, due, completed)

    def current_cycle(self, person, course, cycle, assigned, due, admin_factor):
        """The latest cycle: withdrawn, exempt, completed or open."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            self.assignment(person, course, cycle, "withdrawn", assigned, due)
            return
        if roll < 0.05:
            self.assignment(person, course, cycle, "exempt", assigned, due)
            return
        elapsed = max((self.day - assigned).days, 0)
        span = max((due - assigned).days, 1)
        keen = course["rate"] * admin_factor * min(1.0, elapsed / span) ** 0.5
        if rng.random() < keen:
            completed = self.moment_between(
                assigned, min(due + timedelta(30), self.day)
            )
            self.completed_cycle(person, course, cycle, assigned, due, completed)
            return
        self.assignment(person, course, cycle, "open", assigned, due)
        roll = rng.random()
        if roll < 0.35:  # in progress in this cycle
            active = self.moment_between(assigned, self.day)
            started = active - timedelta(days=rng.randint(0, 10), hours=1)
            self.enrolment(person, course, cycle, started, active, None)
        elif roll < 0.40:  # enrolled, nothing done yet
            started = self.moment_between(assigned, self.day)
            self.enrolment(person, course, cycle, started, None, None)

    def item(self, person, course, admin_factor):
        rng = self.rng
        day = self.day
        campaign = day - timedelta(days=course["assigned"])
        start = person["start"]
        assigned = campaign if not start or start <= campaign else min(start, day)
        due = assigned + timedelta(days=course["due_days"])
        roll = rng.random()
        if course["valid"] and roll < 0.40:
            # Earlier cycles completed; the latest opened 30 days before the
            # last certificate expires.
            cycles = 3 if roll < 0.06 else 2
            last_done = day - timedelta(days=rng.randint(330, 420))
            first_done = last_done - timedelta(days=rng.randint(360, 380))
            dones = [first_done, last_done][-(cycles - 1) :]
            for n, done in enumerate(dones, start=1):
                a = done - timedelta(days=rng.randint(10, 60))
                completed = self.moment_between(done, done)
                self.completed_cycle(person, course, n, a, a + timedelta(60), completed)
            expiry = _add_year(dones[-1])
            assigned = min(expiry - timedelta(days=30), day)
            self.current_cycle(person, course, cycles, assigned, expiry, admin_factor)
        elif roll > 0.99:
            # An earlier round withdrawn (moved away and back).
            early = assigned - timedelta(days=rng.randint(100, 300))
            self.assignment(
                person, course, 1, "withdrawn", early, early + timedelta(60)
            )
            self.current_cycle(person, course, 2, assigned, due, admin_factor)
        else:
            self.current_cycle(person, course, 1, assigned, due, admin_factor)


def _add_year(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


_CODE = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code(rng):
    bits = rng.getrandbits(100)
    raw = "".join(_CODE[(bits >> (5 * i)) & 31] for i in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def seed_record(people, courses, day, rng, cursor, workdir):
    record = Record(day, rng, workdir)
    everyone = [c for c in courses if c["kind"] == "all"]
    by_admin, by_kind = {}, {}
    for c in courses:
        c["reason"] = {
            "all": "Alla medarbetare",
            "admin": "Förvaltningens medarbetare",
            "role": "Befattning och enhet",
            "head": "Chefer",
            "voluntary": "",
        }[c["kind"]]
        if c["kind"] == "admin":
            by_admin.setdefault(c["group"], []).append(c)
        elif c["kind"] == "role":
            by_kind.setdefault(c["group"], []).append(c)
    heads = [c for c in courses if c["kind"] == "head"]
    voluntary = [c for c in courses if c["kind"] == "voluntary"]
    admin_factor = {
        f"F{n:02d}": rng.uniform(0.8, 1.12)
        for n in range(1, len(assign_data.ADMINISTRATIONS) + 1)
    }
    for person in people:
        mine = everyone + by_admin[person["admin"]]
        mine += rng.sample(by_kind[person["kind"]], 4)
        if person["head"]:
            mine += rng.sample(heads, 3)
        for course in mine:
            record.item(person, course, admin_factor[person["admin"]])
        if rng.random() < 0.12:  # something voluntary
            course = rng.choice(voluntary)
            started = record.moment_between(day - timedelta(400), day)
            completed = started + timedelta(days=rng.randint(0, 30))
            completed = (
                completed if completed <= record.now and rng.random() < 0.6 else None
            )
            record.enrolment(
                person, course, 1, started, completed or started, completed
            )
    counts = {}
    for name in ("assignments", "enrolments", "progress", "certificates"):
        counts[name] = getattr(record, name).copy(cursor)
    return counts


def seed_goals(courses, units, day, central):
    from courses.models import CoursePage
    from organisation.models import OrgUnit
    from reports.models import ReportGoal

    pages = CoursePage.objects.in_bulk([c["pk"] for c in courses])
    everyone = [c for c in courses if c["kind"] == "all"]
    goals = [
        (everyone[0], None, 90, day + timedelta(days=60)),
        (everyone[3], None, 80, day + timedelta(days=120)),
        (everyone[4], None, 95, day - timedelta(days=10)),
    ]
    for code, offset in ((units["admin"], 0), (units["admin"], 1), ("F20", 0)):
        course = [c for c in courses if c["kind"] == "admin" and c["group"] == code][
            offset
        ]
        goals.append((course, code, 85, day + timedelta(days=45)))
    for course, code, target, deadline in goals:
        ReportGoal.objects.create(
            course=pages[course["pk"]],
            unit=OrgUnit.objects.get(hr_code=code) if code else None,
            target_percent=target,
            deadline=deadline,
            created_by_id=central,
        )
    return len(goals)


def seed(day, *, units=2000, staff=40000, workdir=None, log=print):
    """Seed everything; returns the facts the benchmark needs (ids, counts)."""
    import time as clock

    from django.db import connection, transaction

    rng = random.Random(SEED)
    workdir = workdir or tempfile.gettempdir()
    facts = {"counts": {}}
    started = clock.perf_counter()
    courses = publish_courses(rng)
    seconds = clock.perf_counter() - started
    log(f"  200 courses published through Wagtail: {seconds:.0f} s")
    started = clock.perf_counter()
    city = assign_data.generate(day, units=units, staff=staff)
    with transaction.atomic():
        cursor = connection.cursor().cursor  # the psycopg cursor, for COPY
        unit_ids = seed_units(city, cursor, workdir)
        people = seed_people(city, unit_ids, day, rng, cursor, workdir)
        # Who looks: a central HR specialist, and the head of the largest
        # district administration.
        size = {}
        for person in people:
            if person["active"] and person["unit"]:
                size[person["admin"]] = size.get(person["admin"], 0) + 1
        admins = {u.code: u for u in city.units if u.level == 1}
        admin = max(
            (code for code in size if admins[code].kind == "district"),
            key=lambda c: size[c],
        )
        office = next(c for c, u in admins.items() if u.name == "Stadsledningskontoret")
        central = next(
            p
            for p in people
            if p["active"] and p["unit"] and p["admin"] == office and not p["head"]
        )
        cursor.execute(
            "UPDATE organisation_staffprofile SET hr_role = 'central' "
            "WHERE user_id = %s",
            [central["id"]],
        )
        log(
            f"  {len(unit_ids):,} units, {len(people):,} people: "
            f"{clock.perf_counter() - started:.0f} s"
        )
        started = clock.perf_counter()
        facts["counts"] = seed_record(people, courses, day, rng, cursor, workdir)
        log(
            "  training record: "
            + ", ".join(f"{v:,} {k}" for k, v in facts["counts"].items())
            + f": {clock.perf_counter() - started:.0f} s"
        )
        for table in (
            "auth_user",
            "organisation_staffprofile",
            "organisation_orgunit",
            "assignments_assignment",
            "learners_enrolment",
            "learners_lessonprogress",
            "learners_certificate",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        facts["admin"] = admin
        facts["central"] = central["id"]
        facts["manager"] = next(
            p["id"] for p in people if p["head"] and p["unit"] == admin
        )
        facts["goals"] = seed_goals(courses, {"admin": admin}, day, central["id"])
    facts["counts"]["users"] = len(people)
    facts["counts"]["units"] = len(unit_ids)
    facts["counts"]["courses"] = len(courses)
    facts["courses_everyone"] = [c["pk"] for c in courses if c["kind"] == "all"]
    facts["courses_admin"] = [
        c["pk"] for c in courses if c["kind"] == "admin" and c["group"] == admin
    ]
    return facts


def vacuum():
    """Statistics and the visibility map, as autovacuum would leave them."""
    from django.db import connection

    if os.environ.get("BENCH_NO_VACUUM"):
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
