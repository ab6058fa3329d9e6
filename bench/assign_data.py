"""A city's organisation and staff as the HR system exports them, for
`bench/assignment_evaluation.py`: a units file and a staff file in the importer's format
(docs/hr-import.md), generated deterministically from a seed.

The shape: ~30 administrations and companies, each with departments, each with
units — 2,000 units in all — and 40,000 people with Swedish names and job
titles that fit their unit (pre-schools have förskollärare and barnskötare,
home care undersköterskor, schools lärare, …). Every unit has a head, who is
the line manager of its staff; a unit head reports to the department head, a
department head to the administration head. Some people are on leave, some on
fixed-term contracts, a few already past their end date, and a few percent
started in the last 90 days (the new starters).

No Django here: plain data and CSV text, so the generator can be read and
changed on its own.
"""

import random
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

UNIT_HEADER = "hr_code;name;parent_hr_code;head_employee_number;active"
STAFF_HEADER = (
    "employee_number;first_name;last_name;email;unit_hr_code;job_title;"
    "start_date;end_date;line_manager_employee_number;on_leave_until;language"
)

# --- The organisation -------------------------------------------------------------

DISTRICTS = [
    "Centrum",
    "Norr",
    "Söder",
    "Öster",
    "Väster",
    "Hägersten",
    "Skärholmen",
    "Rinkeby",
    "Bromma",
    "Farsta",
    "Enskede",
    "Skarpnäck",
    "Spånga",
    "Älvsjö",
]

# (name, kind) — kind picks the departments and the units in them.
ADMINISTRATIONS = [(f"Stadsdelsförvaltning {d}", "district") for d in DISTRICTS] + [
    ("Utbildningsförvaltningen", "education"),
    ("Förskoleförvaltningen", "preschool"),
    ("Socialförvaltningen", "social"),
    ("Äldreförvaltningen", "elderly"),
    ("Arbetsmarknadsförvaltningen", "office"),
    ("Kulturförvaltningen", "culture"),
    ("Idrottsförvaltningen", "culture"),
    ("Miljöförvaltningen", "technical"),
    ("Stadsbyggnadskontoret", "technical"),
    ("Trafikkontoret", "technical"),
    ("Fastighetskontoret", "technical"),
    ("Stadsledningskontoret", "office"),
    ("Serviceförvaltningen", "office"),
    ("Stadens bostäder AB", "company"),
    ("Stadens energi och vatten AB", "company"),
    ("Stadens hamn AB", "company"),
]
assert len(ADMINISTRATIONS) == 30

# Departments per kind of administration: (name, unit kind, weight of units).
DEPARTMENTS = {
    "district": [
        ("Förskoleavdelningen", "preschool", 5),
        ("Äldreomsorgsavdelningen", "homecare", 4),
        ("Vård- och omsorgsboenden", "carehome", 2),
        ("Individ- och familjeomsorg", "social", 2),
        ("Funktionsnedsättning", "disability", 2),
        ("Kultur och fritid", "culture", 1),
        ("Administrativa avdelningen", "office", 1),
    ],
    "education": [
        ("Grundskoleavdelningen Norr", "school", 8),
        ("Grundskoleavdelningen Syd", "school", 8),
        ("Gymnasieavdelningen", "school", 5),
        ("Elevhälsa", "studenthealth", 1),
        ("Administrativa avdelningen", "office", 1),
    ],
    "preschool": [
        ("Förskoleområde Nord", "preschool", 3),
        ("Förskoleområde Syd", "preschool", 3),
        ("Förskoleområde Väst", "preschool", 3),
        ("Administrativa avdelningen", "office", 1),
    ],
    "social": [
        ("Barn och unga", "social", 3),
        ("Vuxna", "social", 3),
        ("Socialjouren", "social", 1),
        ("Stödboenden", "disability", 2),
        ("Administrativa avdelningen", "office", 1),
    ],
    "elderly": [
        ("Hemtjänst", "homecare", 3),
        ("Vård- och omsorgsboenden", "carehome", 3),
        ("Biståndsavdelningen", "office", 1),
    ],
    "culture": [
        ("Biblioteken", "culture", 3),
        ("Fritid och anläggningar", "culture", 2),
        ("Administrativa avdelningen", "office", 1),
    ],
    "technical": [
        ("Planering", "technical", 2),
        ("Drift och underhåll", "technical", 2),
        ("Tillstånd och tillsyn", "technical", 2),
        ("Administrativa avdelningen", "office", 1),
    ],
    "office": [
        ("Ekonomiavdelningen", "office", 2),
        ("HR-avdelningen", "office", 2),
        ("Kommunikationsavdelningen", "office", 1),
        ("IT-avdelningen", "office", 2),
        ("Juridiska avdelningen", "office", 1),
    ],
    "company": [
        ("Förvaltning", "technical", 3),
        ("Kundservice", "office", 1),
        ("Projekt och utveckling", "technical", 2),
        ("Ekonomi och administration", "office", 1),
    ],
}

PLACE_NAMES = [
    "Ekorren",
    "Solrosen",
    "Blåklockan",
    "Humlan",
    "Lärkan",
    "Tallen",
    "Eken",
    "Björken",
    "Vitsippan",
    "Månen",
    "Stjärnan",
    "Regnbågen",
    "Myran",
    "Ugglan",
    "Räven",
    "Igelkotten",
    "Linden",
    "Rönnen",
    "Näckrosen",
    "Skogsbrynet",
    "Ängen",
    "Backen",
    "Kastanjen",
    "Sjöstjärnan",
    "Fjärilen",
    "Snäckan",
    "Trollet",
    "Vallmon",
    "Haren",
    "Tranan",
    "Hasseln",
    "Lönnen",
    "Aspen",
    "Granen",
    "Havsörnen",
    "Ljungen",
]
SCHOOL_NAMES = [
    "Björkhaga",
    "Ekbacka",
    "Sjövik",
    "Tallbacka",
    "Ängby",
    "Hagalund",
    "Solberga",
    "Fruängen",
    "Rågsved",
    "Hökarängen",
    "Kärrtorp",
    "Bagarmossen",
    "Västertorp",
    "Midsommarkransen",
    "Aspudden",
    "Vasa",
    "Katarina",
    "Sofia",
    "Engelbrekt",
    "Adolf Fredrik",
    "Kungsholmen",
    "Mälarhöjden",
]
OFFICE_FUNCTIONS = [
    "Ekonomi",
    "Löner",
    "Rekrytering",
    "Arbetsrätt",
    "Kommunikation",
    "Webb och intranät",
    "Registratur",
    "Upphandling",
    "Utredning",
    "Kvalitet och utveckling",
    "Systemförvaltning",
    "IT-support",
    "Kansli",
    "Planering och uppföljning",
    "Juridik",
    "Säkerhet",
    "Lokaler",
]
TECHNICAL_FUNCTIONS = [
    "Gata och park",
    "Trafikplanering",
    "Bygglov",
    "Miljötillsyn",
    "Livsmedelskontroll",
    "Fastighetsdrift",
    "Projektering",
    "Mätning och GIS",
    "Vatten och avlopp",
    "Energi",
    "Markförvaltning",
    "Detaljplan",
]

# Per unit kind: how a unit is named, its head's title, and its staff's titles
# (title, weight) — the mix a unit of that kind has.
UNIT_KINDS = {
    "preschool": (
        "Förskolan {place}",
        "Förskolechef",
        [
            ("Förskollärare", 40),
            ("Barnskötare", 45),
            ("Kock", 4),
            ("Lokalvårdare", 4),
            ("Specialpedagog", 3),
            ("Pedagogista", 2),
        ],
    ),
    "homecare": (
        "Hemtjänst {district} {n}",
        "Enhetschef",
        [
            ("Undersköterska", 55),
            ("Vårdbiträde", 35),
            ("Samordnare", 5),
            ("Planerare", 5),
        ],
    ),
    "carehome": (
        "{place}s vård- och omsorgsboende",
        "Enhetschef",
        [
            ("Undersköterska", 50),
            ("Vårdbiträde", 25),
            ("Sjuksköterska", 10),
            ("Arbetsterapeut", 4),
            ("Fysioterapeut", 4),
            ("Kock", 4),
            ("Aktivitetssamordnare", 3),
        ],
    ),
    "social": (
        "Socialtjänst {district} {n}",
        "Enhetschef",
        [
            ("Socialsekreterare", 65),
            ("Familjebehandlare", 15),
            ("Biståndshandläggare", 10),
            ("Administratör", 10),
        ],
    ),
    "disability": (
        "Gruppbostad {place}",
        "Enhetschef",
        [("Stödassistent", 55), ("Personlig assistent", 30), ("Boendestödjare", 15)],
    ),
    "school": (
        "{school}skolan",
        "Rektor",
        [
            ("Grundskollärare", 45),
            ("Gymnasielärare", 8),
            ("Fritidspedagog", 10),
            ("Elevassistent", 14),
            ("Speciallärare", 6),
            ("Måltidsbiträde", 6),
            ("Lokalvårdare", 5),
            ("Studie- och yrkesvägledare", 2),
            ("Skoladministratör", 4),
        ],
    ),
    "studenthealth": (
        "Elevhälsan {district} {n}",
        "Enhetschef",
        [
            ("Skolsköterska", 35),
            ("Kurator", 35),
            ("Skolpsykolog", 20),
            ("Specialpedagog", 10),
        ],
    ),
    "culture": (
        "{culture} {place}",
        "Enhetschef",
        [
            ("Bibliotekarie", 40),
            ("Fritidsledare", 40),
            ("Kulturpedagog", 10),
            ("Badmästare", 10),
        ],
    ),
    "office": (
        "{function} {n}",
        "Enhetschef",
        [
            ("Handläggare", 30),
            ("Administratör", 20),
            ("Ekonom", 12),
            ("HR-specialist", 10),
            ("Kommunikatör", 7),
            ("IT-tekniker", 8),
            ("Jurist", 4),
            ("Upphandlare", 4),
            ("Utredare", 5),
        ],
    ),
    "technical": (
        "{technical} {n}",
        "Enhetschef",
        [
            ("Ingenjör", 28),
            ("Handläggare", 18),
            ("Projektledare", 16),
            ("Fastighetsskötare", 16),
            ("Inspektör", 12),
            ("Arkitekt", 5),
            ("Driftstekniker", 5),
        ],
    ),
}
# Relative staff size of a unit by kind (a school or care home is large, an
# office unit small).
KIND_SIZE = {
    "school": 3.0,
    "carehome": 2.0,
    "homecare": 1.5,
    "preschool": 0.8,
    "office": 0.6,
    "technical": 0.8,
    "culture": 0.6,
}
CULTURE_KINDS = ["Biblioteket", "Fritidsgården", "Simhallen", "Kulturhuset"]
DEPARTMENT_STAFF = [
    ("Administratör", 40),
    ("Utvecklingsledare", 30),
    ("Controller", 30),
]

FIRST_NAMES = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Lena",
    "Kerstin",
    "Emma",
    "Ingrid",
    "Malin",
    "Linnéa",
    "Åsa",
    "Sofia",
    "Elin",
    "Johanna",
    "Fatima",
    "Amina",
    "Maryam",
    "Zeynep",
    "Agnieszka",
    "Tiina",
    "Hanna",
    "Ida",
    "Märta",
    "Ebba",
    "Erik",
    "Lars",
    "Karl",
    "Anders",
    "Johan",
    "Per",
    "Nils",
    "Mikael",
    "Jan",
    "Hans",
    "Peter",
    "Björn",
    "Göran",
    "Mohammed",
    "Ali",
    "Ahmed",
    "Omar",
    "Nikola",
    "Dragan",
    "Juan",
    "Oskar",
    "Lukas",
    "Viktor",
    "Jörgen",
    "Åke",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Olofsson",
    "Lindström",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lundgren",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Håkansson",
    "Eklund",
    "Björk",
    "Holm",
    "Nyström",
    "Söderberg",
    "Åberg",
    "Öberg",
    "Ek",
    "Löfgren",
    "Mårtensson",
    "Ali",
    "Mohammed",
    "Hussein",
    "Ahmed",
    "Hassan",
    "Yilmaz",
    "Nowak",
    "Kovačević",
    "Virtanen",
    "García",
    "Nguyen",
    "Pålsson",
    "Åkesson",
]


@dataclass
class Unit:
    code: str
    name: str
    parent: str  # "" for an administration
    level: int  # 1 administration, 2 department, 3 unit
    kind: str  # the unit kind (for level 3) or the department's
    admin: str  # the administration's code
    head: str = ""  # employee number


@dataclass
class Person:
    number: str
    first: str
    last: str
    email: str
    unit: str
    title: str
    start: date | None
    end: date | None = None
    manager: str = ""
    leave: date | None = None
    language: str = "sv"
    is_head: bool = False


@dataclass
class City:
    units: list = field(default_factory=list)
    people: list = field(default_factory=list)

    @property
    def leaf_units(self):
        return [u for u in self.units if u.level == 3]


def _ascii(text):
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def _weighted(rng, pairs):
    titles, weights = zip(*pairs, strict=True)
    return rng.choices(titles, weights)[0]


def generate(today: date, *, units=2000, staff=40000, seed=4) -> City:
    """The city: `units` units in three levels and `staff` people."""
    rng = random.Random(seed)
    city = City()
    admins = []
    for index, (name, kind) in enumerate(ADMINISTRATIONS, start=1):
        unit = Unit(f"F{index:02d}", name, "", 1, kind, f"F{index:02d}")
        admins.append(unit)
        city.units.append(unit)
    departments = []
    for admin in admins:
        district = admin.name.split()[-1] if admin.kind == "district" else "Staden"
        for number, (name, kind, weight) in enumerate(DEPARTMENTS[admin.kind], 1):
            dept = Unit(
                f"{admin.code}-{number:02d}", name, admin.code, 2, kind, admin.code
            )
            dept.weight = weight
            dept.district = district
            departments.append(dept)
            city.units.append(dept)
    # The rest are units under the departments, spread by the departments'
    # weights (a district's pre-school department has many pre-schools).
    leaves = units - len(city.units)
    total_weight = sum(d.weight for d in departments)
    counts = [max(1, round(leaves * d.weight / total_weight)) for d in departments]
    while sum(counts) != leaves:  # rounding: adjust the largest departments
        step = 1 if sum(counts) < leaves else -1
        order = sorted(range(len(counts)), key=lambda i: -counts[i])
        for i in order[: abs(leaves - sum(counts))]:
            counts[i] += step
    for dept, count in zip(departments, counts, strict=True):
        template = UNIT_KINDS[dept.kind][0]
        for n in range(1, count + 1):
            name = template.format(
                place=rng.choice(PLACE_NAMES),
                school=rng.choice(SCHOOL_NAMES),
                district=dept.district,
                function=rng.choice(OFFICE_FUNCTIONS),
                technical=rng.choice(TECHNICAL_FUNCTIONS),
                culture=rng.choice(CULTURE_KINDS),
                n=n,
            )
            city.units.append(
                Unit(f"{dept.code}-{n:03d}", name, dept.code, 3, dept.kind, dept.admin)
            )
    assert len(city.units) == units, len(city.units)

    numbers = iter(rng.sample(range(100000, 999999), staff))
    emails = set()

    def person(unit, title, manager, is_head=False):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = ""
        if rng.random() > 0.03:  # a few (hourly staff) have no email
            base = f"{_ascii(first)}.{_ascii(last)}"
            email, n = f"{base}@stad.example.se", 1
            while email in emails:
                n += 1
                email = f"{base}{n}@stad.example.se"
            emails.add(email)
        roll = rng.random()
        if roll < 0.04:  # new starters: the last 90 days
            start = today - timedelta(days=rng.randint(0, 89))
        elif roll < 0.045:  # starting soon
            start = today + timedelta(days=rng.randint(1, 30))
        else:
            start = today - timedelta(days=rng.randint(90, 35 * 365))
        end = None
        roll = rng.random()
        if not is_head and roll < 0.06:  # fixed-term contracts
            end = today + timedelta(days=rng.randint(1, 365))
        elif not is_head and roll < 0.063:  # already left; still in the export
            end = today - timedelta(days=rng.randint(1, 20))
        leave = None
        if rng.random() < 0.03:
            leave = today + timedelta(days=rng.randint(1, 300))
        p = Person(
            number=str(next(numbers)),
            first=first,
            last=last,
            email=email,
            unit=unit.code,
            title=title,
            start=start,
            end=end,
            manager=manager,
            leave=leave,
            language="en" if rng.random() < 0.03 else "sv",
            is_head=is_head,
        )
        city.people.append(p)
        return p

    heads = {}
    for admin in admins:
        title = (
            "Verkställande direktör" if admin.kind == "company" else "Förvaltningschef"
        )
        heads[admin.code] = person(admin, title, "", is_head=True).number
    for dept in departments:
        heads[dept.code] = person(
            dept, "Avdelningschef", heads[dept.parent], is_head=True
        ).number
    leaf_units = city.leaf_units
    for unit in leaf_units:
        heads[unit.code] = person(
            unit, UNIT_KINDS[unit.kind][1], heads[unit.parent], is_head=True
        ).number
    for unit in city.units:
        unit.head = heads[unit.code]
    # A few staff at department level; everyone else in the units, unevenly
    # (a pre-school of 8, a care home of 60).
    for dept in departments:
        for _ in range(rng.randint(1, 4)):
            person(dept, _weighted(rng, DEPARTMENT_STAFF), dept.head)
    remaining = staff - len(city.people)
    sizes = [rng.lognormvariate(0, 0.5) * KIND_SIZE.get(u.kind, 1) for u in leaf_units]
    scale = (remaining - 2 * len(leaf_units)) / sum(sizes)
    counts = [2 + int(s * scale) for s in sizes]
    for i in range(remaining - sum(counts)):
        counts[i % len(counts)] += 1
    for unit, count in zip(leaf_units, counts, strict=True):
        titles = UNIT_KINDS[unit.kind][2]
        for _ in range(count):
            person(unit, _weighted(rng, titles), unit.head)
    assert len(city.people) == staff, len(city.people)
    rng.shuffle(city.people)  # an export in no particular order
    return city


def moved(city: City, *, move_share=0.02, leave_share=0.01, seed=44) -> City:
    """The next month's export: `move_share` of the staff (not heads) in
    another unit — mostly within their administration — and `leave_share`
    gone from the file (leavers)."""
    rng = random.Random(seed)
    staff = [p for p in city.people if not p.is_head]
    chosen = rng.sample(staff, round(len(city.people) * (move_share + leave_share)))
    n_move = round(len(city.people) * move_share)
    movers = {p.number for p in chosen[:n_move]}
    leavers = {p.number for p in chosen[n_move:]}
    units = {u.code: u for u in city.units}
    leaves_by_admin = {}
    for unit in city.leaf_units:
        leaves_by_admin.setdefault(unit.admin, []).append(unit)
    all_leaves = city.leaf_units
    people = []
    for p in city.people:
        if p.number in leavers:
            continue
        if p.number in movers:
            here = units[p.unit]
            pool = leaves_by_admin[here.admin] if rng.random() < 0.7 else all_leaves
            target = rng.choice([u for u in pool if u.code != p.unit])
            p = replace(p, unit=target.code, manager=target.head)
        people.append(p)
    return City(units=city.units, people=people)


# --- CSV ---------------------------------------------------------------------------


def _d(value):
    return value.isoformat() if value else ""


def units_csv(city: City) -> bytes:
    lines = [UNIT_HEADER]
    for u in city.units:
        lines.append(f"{u.code};{u.name};{u.parent};{u.head};1")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def staff_csv(city: City) -> bytes:
    lines = [STAFF_HEADER]
    for p in city.people:
        lines.append(
            ";".join(
                [
                    p.number,
                    p.first,
                    p.last,
                    p.email,
                    p.unit,
                    p.title,
                    _d(p.start),
                    _d(p.end),
                    p.manager,
                    _d(p.leave),
                    p.language,
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
