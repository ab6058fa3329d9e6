"""Read and check the demo content in ``cms/demo/`` (the format: README.md there).

`read_demo()` reads every file and checks it against the page models and their
blocks before the database is touched: a missing key, an unknown one or a value
of the wrong shape raises `DemoContentError`, naming the file, the page (or the
entry) and the place in it. Reading changes nothing.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.blocks.base import get_error_json_data
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page
from wagtailmedia.blocks import AbstractMediaChooserBlock

from assignments.models import AssignmentRule
from cms.models import AccessibilityStatementPage, HomePage
from cms.roles import (
    HR_ADMINISTRATORS,
    HR_AUTHORS,
    ensure_hr_admin_group,
    ensure_hr_author_group,
)
from courses.models import (
    CourseIndexPage,
    CoursePage,
    InformationPage,
    LessonPage,
    QuizPage,
)
from organisation.models import StaffProfile

DEMO_DIR = Path(__file__).resolve().parent
ASSETS_DIR = DEMO_DIR.parent / "demo_assets"
# The groups a person in people.yaml may be in, and what sets each one up.
ROLE_GROUPS = {
    HR_AUTHORS: ensure_hr_author_group,
    HR_ADMINISTRATORS: ensure_hr_admin_group,
}

# The HR roles a staff profile may have (empty: none).
HR_ROLES = [role for role in StaffProfile.HrRole.values if role]

# A page file's `type`: its model, and the fields every page of the type must
# give. Stricter than the editor: a field left out of a demo file is a slip.
PAGE_TYPES = {
    "home": (HomePage, {"intro"}),
    "catalogue": (CourseIndexPage, {"intro"}),
    "accessibility_statement": (AccessibilityStatementPage, {"body", "contact_email"}),
    "course": (
        CoursePage,
        {"summary", "objectives", "estimated_minutes", "language", "validity_kind"},
    ),
    "lesson": (LessonPage, {"estimated_minutes", "body"}),
    "quiz": (QuizPage, {"intro", "pass_mark", "reveal_answers", "questions"}),
    "information": (InformationPage, {"summary", "estimated_minutes", "body"}),
}
# Wagtail's own page fields that a file may set; the others are its bookkeeping.
PAGE_FIELDS = {"title", "seo_title", "search_description", "show_in_menus"}

# Quiz blocks get ids derived from fixed names instead of Wagtail's random
# uuid4s: attempts record question and option ids, and the demo's ids must be
# the same on every run and in every database.
DEMO_BLOCK_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://kompetens.example.se/demo")

# Which asset list of assets.yaml a chooser block's file is in.
CHOOSERS = {
    ImageChooserBlock: "images",
    DocumentChooserBlock: "documents",
    AbstractMediaChooserBlock: "videos",
}

BLOCK_TAG = r"</?(?:p|h[1-6]|ul|ol|li|blockquote)>"
DOCUMENT_LINK = re.compile(r'linktype="document" file="([^"]*)"')
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class DemoContentError(Exception):
    """A demo file that cannot be loaded; the message says where and why."""


def block_id(*names):
    """A stable block id, for example block_id("kurs/kunskapstest", "q1", "a")."""
    return str(uuid.uuid5(DEMO_BLOCK_IDS, "/".join(names)))


def join_html(text):
    """The stored HTML of a block of HTML written over several lines: a line
    break next to a block tag (<p>, </li>, ...) is dropped, any other one is a
    space, and an empty line is kept as one line break."""
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        joined = ""
        for line in (line.strip() for line in chunk.split("\n")):
            if joined and not (
                re.search(BLOCK_TAG + "$", joined) or re.match(BLOCK_TAG, line)
            ):
                joined += " "
            joined += line
        paragraphs.append(joined)
    return "\n".join(paragraphs)


@dataclass(frozen=True)
class AssetRef:
    """An image, document or video of assets.yaml, named by its file."""

    file: str


class Where:
    """A place in a demo file, for error messages."""

    def __init__(self, file, place=""):
        self.file, self.place = file, place

    def __truediv__(self, part):
        return Where(self.file, f"{self.place}, {part}" if self.place else str(part))

    def error(self, message):
        try:
            name = self.file.relative_to(DEMO_DIR.parents[1])
        except ValueError:
            name = self.file
        return DemoContentError(
            f"{name}: {self.place}: {message}" if self.place else f"{name}: {message}"
        )


def _shape(value):
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "key: value lines"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def mapping(value, where, required=(), optional=(), *, others=False):
    """`value`, which must be key: value lines with the `required` keys and
    perhaps the `optional` ones (or any `others`, checked later)."""
    if not isinstance(value, dict):
        raise where.error(f"expected key: value lines, found {_shape(value)}")
    missing = [key for key in required if key not in value]
    if missing:
        raise where.error(f"missing {', '.join(missing)}")
    unknown = [str(key) for key in value if key not in {*required, *optional}]
    if unknown and not others:
        allowed = ", ".join(sorted({*required, *optional}))
        raise where.error(f"unknown {', '.join(unknown)} (allowed: {allowed})")
    return value


def sequence(value, where):
    if not isinstance(value, list):
        raise where.error(f"expected a list of '- ' lines, found {_shape(value)}")
    return value


TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    date: "a date (YYYY-MM-DD)",
    list: "a list of '- ' lines",
}


def scalar(value, where, kind=str, choices=None):
    # bool is an int in Python, but `true` is no number of minutes.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        expected = TYPE_NAMES.get(kind, "a number")
        raise where.error(f"expected {expected}, found {_shape(value)}")
    if choices is not None and value not in choices:
        raise where.error(f"{value!r} is not one of {', '.join(map(str, choices))}")
    return value


@dataclass(frozen=True)
class ListOf:
    """In a `record` spec: a list of some of `choices`."""

    choices: list


def record(value, where, spec):
    """`value` as key: value lines with the keys of `spec`, which maps each key
    to its type (str, int, bool, date), the list of its allowed values or a
    `ListOf` them. A key ending in "?" may be left out."""
    keys = [key.rstrip("?") for key in spec]
    required = [key for key in spec if not key.endswith("?")]
    mapping(value, where, required, keys)
    for key, expected in zip(keys, spec.values(), strict=True):
        if key not in value:
            continue
        if isinstance(expected, ListOf):
            for item in sequence(value[key], where / key):
                scalar(item, where / key, choices=expected.choices)
        elif isinstance(expected, list):
            scalar(value[key], where / key, choices=expected)
        else:
            scalar(value[key], where / key, expected)
    return value


def read_yaml(path):
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except OSError as error:
        raise Where(path).error(f"cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or error
        raise Where(path).error(f"not valid YAML{where}: {problem}") from error


def describe(error):
    """A validation error of a page or of its blocks, nested errors included,
    as one line."""
    if hasattr(error, "error_dict"):
        data = {
            "blockErrors": {
                field: {"messages": messages}
                for field, messages in error.message_dict.items()
            }
        }
    else:
        data = get_error_json_data(error)

    def messages(data, where):
        for message in data.get("messages", []):
            yield f"{where}: {message}" if where else str(message)
        for key, child in data.get("blockErrors", {}).items():
            label = f"block {int(key) + 1}" if str(key).isdigit() else str(key)
            yield from messages(child, f"{where}, {label}" if where else label)

    return "; ".join(messages(data, ""))


def content_fields(model):
    """The fields of a page model that a demo file may set, by name."""
    return {
        field.name: field
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
        and field.editable
        and not field.auto_created
        and (field.model is not Page or field.name in PAGE_FIELDS)
    }


@dataclass
class DemoPage:
    """One page of the page files, its fields as read (not yet in the database)."""

    file: Path
    url: str  # under the site, "/" for the home page
    slug: str
    type: str
    owner: str
    fields: dict

    @property
    def model(self):
        return PAGE_TYPES[self.type][0]

    @property
    def parent_url(self):
        if self.url == "/":
            return None
        return self.url.rstrip("/").rsplit("/", 1)[0] + "/"

    @property
    def where(self):
        return Where(self.file, f"page {self.url}")

    @property
    def validity(self):
        """A course's certificate validity fields."""
        return {k: v for k, v in self.fields.items() if k.startswith("validity_")}

    def build(self, assets, categories, today):
        """The model's field values: files, categories and {today} filled in,
        StreamFields validated as the editor would."""
        values = {}
        for name, value in self.fields.items():
            field = self.model._meta.get_field(name)
            if isinstance(field, StreamField):
                block = field.stream_block
                try:
                    value = block.clean(block.to_python(fill(value, assets, today)))
                except ValidationError as error:
                    raise (self.where / name).error(describe(error)) from error
            elif isinstance(field, ParentalManyToManyField):
                value = [categories[slug] for slug in value]
            elif isinstance(value, AssetRef):
                value = assets[value.file]
            else:
                value = fill(value, assets, today)
            values[name] = value
        return values


def fill(value, assets, today):
    """`value` with the assets' database ids in place of their files, and the
    date in place of {today}."""
    if isinstance(value, AssetRef):
        return assets[value.file].pk
    if isinstance(value, dict):
        return {key: fill(item, assets, today) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, assets, today) for item in value]
    if isinstance(value, str):
        value = DOCUMENT_LINK.sub(
            lambda m: f'linktype="document" id="{assets[m.group(1)].pk}"', value
        )
        return value.replace("{today}", today)
    return value


@dataclass
class Demo:
    """Everything in the demo files, checked."""

    password: str
    logins: list
    org_units: list  # parents before their children, each with its "parent"
    staff: list
    rules: list
    categories: list
    uploaded_by: str
    images: list
    documents: list
    videos: list
    pages: list  # in the order they are made: a page before its children

    def page(self, url):
        return next(page for page in self.pages if page.url == url)


def read_demo(directory=DEMO_DIR, assets_dir=ASSETS_DIR):
    """Every demo file, read and checked."""
    return _Reader(Path(directory), Path(assets_dir)).read()


def _needed(block):
    """Whether a StructBlock's child must be given: required, with no default."""
    if isinstance(block, blocks.ListBlock):
        return bool(block.meta.min_num)
    if isinstance(block, blocks.BooleanBlock):
        return False
    return block.required and block.meta.default is None


# A question type's list of parts (options, pairs or items) and the keys of
# each part; a true or false question has none.
OPTION = {"key": str, "text": str, "correct?": bool, "feedback?": str}
QUESTION_PARTS = {
    "single_choice": ("options", OPTION),
    "multiple_choice": ("options", OPTION),
    "true_false": (None, None),
    "matching": ("pairs", {"key": str, "item": str, "match": str}),
    "ordering": ("items", {"key": str, "text": str}),
}


class _Reader:
    """Reads the files in the order they depend on each other: people (page
    owners), categories and assets (what pages refer to), pages, rules."""

    def __init__(self, directory, assets_dir):
        self.directory, self.assets_dir = directory, assets_dir
        self.pages = []

    def read(self):
        people = self.read_people()
        categories = self.read_categories()
        assets = self.read_assets()
        pages = self.read_pages()
        rules = self.read_rules()
        return Demo(**people, rules=rules, categories=categories, **assets, pages=pages)

    def entries(self, data, key, where):
        """The items of the list `data[key]`, each with where it is."""
        items = sequence(data[key], where / key)
        return [(item, where / f"{key}, entry {n}") for n, item in enumerate(items, 1)]

    def unique(self, values, where, what):
        seen = set()
        for value in values:
            if value in seen:
                raise where.error(f"{what} {value!r} appears twice")
            seen.add(value)
        return values

    # --- People, categories and assets ------------------------------------------

    def read_people(self):
        where = Where(self.directory / "people.yaml")
        sections = ["password", "logins", "org_units", "staff", "assignment_rules"]
        data = mapping(read_yaml(where.file), where, sections)
        self.people = (data, where)
        scalar(data["password"], where / "password")
        login = {"username": str, "first_name": str, "last_name": str, "email": str}
        login |= {"role": str, "superuser?": bool, "groups?": ListOf(list(ROLE_GROUPS))}
        for entry, here in self.entries(data, "logins", where):
            record(entry, here, login)
        self.usernames = [entry["username"] for entry in data["logins"]]
        self.unique(self.usernames, where / "logins", "username")

        org_units = []

        def read_units(data, key, parent, where):
            unit = {
                "hr_code": str,
                "name": str,
                "head?": self.usernames,
                "units?": list,
            }
            for entry, here in self.entries(data, key, where):
                record(entry, here, unit)
                org_units.append({**entry, "parent": parent})
                if "units" in entry:
                    read_units(entry, "units", entry["hr_code"], here)

        read_units(data, "org_units", None, where)
        codes = self.unique([unit["hr_code"] for unit in org_units], where, "hr_code")

        known = list(self.usernames)
        for entry, here in self.entries(data, "staff", where):
            profile = {"username": str, "employee_number": str, "unit": codes}
            # Someone who is not a demo login is made with their staff profile.
            if not isinstance(entry, dict) or entry.get("username") not in known:
                profile |= {"first_name": str, "last_name": str, "email": str}
            profile |= {"job_title": str, "start_date?": date, "on_leave_until?": date}
            profile |= {"line_manager?": known, "hr_role?": HR_ROLES}
            profile |= {"coordinator_of?": codes}
            record(entry, here, {**profile, "groups?": ListOf(list(ROLE_GROUPS))})
            # One without the other gives the person no administration, and
            # nothing would say so: a slip in the file.
            coordinator = entry.get("hr_role") == StaffProfile.HrRole.COORDINATOR
            if coordinator != ("coordinator_of" in entry):
                raise here.error(
                    "coordinator_of (their administration) goes with "
                    "hr_role: coordinator, and a coordinator needs it"
                )
            known.append(entry["username"])
        self.unique(known[len(self.usernames) :], where / "staff", "username")
        self.unit_codes = codes
        return {
            "password": data["password"],
            "logins": data["logins"],
            "org_units": org_units,
            "staff": data["staff"],
        }

    def read_rules(self):
        data, where = self.people
        rule = {
            "name": str,
            "course": [page.url for page in self.pages if page.type == "course"],
            "units_with_subtree": ListOf(self.unit_codes),
            "due_kind": AssignmentRule.DueKind.values,
            "due_days": int,
            "recurrence?": AssignmentRule.Recurrence.values,
            "created_by": self.usernames,
            "activated_by": self.usernames,
        }
        for entry, here in self.entries(data, "assignment_rules", where):
            record(entry, here, rule)
        return data["assignment_rules"]

    def read_categories(self):
        where = Where(self.directory / "categories.yaml")
        data = mapping(read_yaml(where.file), where, ["categories"])
        for entry, here in self.entries(data, "categories", where):
            record(entry, here, {"slug": str, "name": str})
        slugs = [entry["slug"] for entry in data["categories"]]
        self.category_slugs = self.unique(slugs, where, "slug")
        return data["categories"]

    def read_assets(self):
        where = Where(self.directory / "assets.yaml")
        kinds = ["images", "documents", "videos"]
        data = mapping(read_yaml(where.file), where, ["uploaded_by", *kinds])
        scalar(data["uploaded_by"], where / "uploaded_by", choices=self.usernames)
        self.asset_kinds = {}
        for kind in kinds:
            spec = {"file": str, "title": str}
            if kind == "videos":
                spec |= {"thumbnail": str, "duration": (int, float)}
                spec |= {"width": int, "height": int}
            for entry, here in self.entries(data, kind, where):
                record(entry, here, spec)
                for key in ("file", "thumbnail"):
                    if key in entry and not (self.assets_dir / entry[key]).is_file():
                        raise (here / key).error(
                            f"no file {entry[key]} in {self.assets_dir.name}/"
                        )
                if entry["file"] in self.asset_kinds:
                    raise (here / "file").error(f"{entry['file']} is listed twice")
                self.asset_kinds[entry["file"]] = kind
        return {key: data[key] for key in ["uploaded_by", *kinds]}

    def asset(self, name, where, kind):
        scalar(name, where)
        if self.asset_kinds.get(name) != kind:
            raise where.error(f"no {kind[:-1]} {name} in assets.yaml")
        return AssetRef(name)

    def html(self, value, where):
        html = join_html(scalar(value, where))
        for name in DOCUMENT_LINK.findall(html):
            self.asset(name, where, "documents")
        return html

    # --- Pages -----------------------------------------------------------------

    def read_pages(self):
        """The pages in the order they are made: the files by name, each page
        before its children."""
        files = sorted((self.directory / "pages").glob("*.yaml"))
        if not files:
            raise Where(self.directory / "pages").error("no page files (*.yaml)")
        for n, path in enumerate(files):
            where = Where(path)
            data = mapping(read_yaml(path), where, ["type"], others=True)
            parent = data.get("parent")
            if n == 0 and (data["type"] != "home" or parent is not None):
                raise where.error("the first file is the home page's: type home")
            if n > 0 and parent not in [page.url for page in self.pages]:
                raise (where / "parent").error(
                    "expected the address of a page in an earlier file, such as "
                    f"'/' or '/kurser/', found {_shape(parent)}"
                )
            self.read_page(data, where, where, parent, owner=None)
        return self.pages

    def read_page(self, data, file_where, at, parent_url, owner):
        """The page `data` (at `at` in its file) and its children."""
        top = owner is None
        mapping(data, at, ["type", "slug"], others=True)
        kind, slug = data["type"], data["slug"]
        if kind not in PAGE_TYPES:
            raise (at / "type").error(
                f"expected one of {', '.join(PAGE_TYPES)}, found {_shape(kind)}"
            )
        if not isinstance(slug, str) or not SLUG.fullmatch(slug):
            raise (at / "slug").error(
                f"expected lower-case letters, digits and hyphens, found {_shape(slug)}"
            )
        url = "/" if kind == "home" else f"{parent_url}{slug}/"
        where = file_where / f"page {url}"
        if url in [page.url for page in self.pages]:
            raise where.error("a page with this address is in the files twice")
        model, required = PAGE_TYPES[kind]
        fields = content_fields(model)
        structure = ["type", "slug", "owner", "children", *(["parent"] if top else [])]
        required = ["type", "slug", "title", *sorted(required)]
        mapping(
            data, where, required + (["owner"] if top else []), structure + [*fields]
        )
        owner = scalar(
            data.get("owner", owner), where / "owner", choices=self.usernames
        )
        values = {
            name: self.field(model, fields[name], value, where / name, url)
            for name, value in data.items()
            if name not in structure
        }
        self.pages.append(DemoPage(file_where.file, url, slug, kind, owner, values))
        if "children" in data:
            for child, here in self.entries(data, "children", where):
                self.read_page(child, file_where, here, url, owner)

    def field(self, model, field, value, where, url):
        if value is None:
            if not field.null:
                raise where.error("must not be empty")
            return None
        if isinstance(field, StreamField):
            if model is QuizPage and field.name == "questions":
                return self.questions(value, where, url)
            return self.block(field.stream_block, value, where)
        if isinstance(field, RichTextField):
            return self.html(value, where)
        if isinstance(field, ParentalManyToManyField):
            return [
                scalar(slug, where, choices=self.category_slugs)
                for slug in sequence(value, where)
            ]
        if field.is_relation and field.related_model is get_image_model():
            return self.asset(value, where, "images")
        if field.is_relation:
            raise where.error("cannot be set in a demo file")
        if isinstance(field, models.BooleanField):
            return scalar(value, where, bool)
        if isinstance(field, models.IntegerField):
            return scalar(value, where, int)
        choices = [choice for choice, _label in field.choices or []] or None
        return scalar(value, where, str, choices)

    def block(self, block, value, where):
        """`value` as the JSON of `block`, checked against its definition."""
        if isinstance(block, blocks.StreamBlock):
            result = []
            for n, item in enumerate(sequence(value, where), 1):
                if not isinstance(item, dict) or len(item) != 1:
                    raise (where / f"block {n}").error(
                        "expected one block, such as '- text: |'"
                    )
                ((name, content),) = item.items()
                if name not in block.child_blocks:
                    allowed = ", ".join(block.child_blocks)
                    raise (where / f"block {n}").error(
                        f"unknown block {name!r} (allowed: {allowed})"
                    )
                child = block.child_blocks[name]
                content = self.block(child, content, where / f"block {n} ({name})")
                result.append({"type": name, "value": content})
            return result
        if isinstance(block, blocks.StructBlock):
            children = block.child_blocks
            needed = [name for name, child in children.items() if _needed(child)]
            mapping(value, where, needed, children)
            return {
                name: self.block(children[name], item, where / name)
                for name, item in value.items()
            }
        if isinstance(block, blocks.ListBlock):
            return [
                self.block(block.child_block, item, where / f"item {n}")
                for n, item in enumerate(sequence(value, where), 1)
            ]
        if isinstance(block, blocks.RichTextBlock):
            return self.html(value, where)
        for chooser, kind in CHOOSERS.items():
            if isinstance(block, chooser):
                return self.asset(value, where, kind)
        if isinstance(block, blocks.BooleanBlock):
            return scalar(value, where, bool)
        if isinstance(block, blocks.ChoiceBlock):
            choices = [choice for choice, _label in block.field.choices]
            return scalar(value, where, str, choices)
        return scalar(value, where)

    # --- Quiz questions ---------------------------------------------------------

    def questions(self, value, where, url):
        """The compact questions of a quiz as the quiz's StreamField JSON, with
        ids derived from the course's and the quiz's slugs and the keys."""
        quiz = "/".join(url.strip("/").split("/")[-2:])
        result, keys = [], []
        for n, data in enumerate(sequence(value, where), 1):
            key = data.get("key") if isinstance(data, dict) else None
            here = where / (f"question {n} ({key})" if key else f"question {n}")
            mapping(data, here, ["type"], others=True)
            kind = scalar(data["type"], here / "type", choices=list(QUESTION_PARTS))
            parts, part = QUESTION_PARTS[kind]
            spec = {"type": str, "key": str, "prompt": str}
            if parts:
                spec |= {parts: list}
            else:
                spec |= {"answer": bool, "feedback_true?": str, "feedback_false?": str}
            record(data, here, {**spec, "explanation?": str})
            keys.append(key)
            question = {
                "prompt": f"<p>{data['prompt']}</p>",
                "explanation": self.html(
                    data.get("explanation", ""), here / "explanation"
                ),
            }
            if parts:
                entries = self.entries(data, parts, here)
                for entry, at in entries:
                    record(entry, at, part)
                self.unique([entry["key"] for entry, _at in entries], here, "key")
                question[parts] = [
                    {
                        "type": "item",
                        "id": block_id(quiz, key, entry["key"]),
                        "value": _part_value(parts, entry),
                    }
                    for entry, _at in entries
                ]
            else:
                question["correct_answer"] = "true" if data["answer"] else "false"
                question["feedback_true"] = data.get("feedback_true", "")
                question["feedback_false"] = data.get("feedback_false", "")
            result.append({"type": kind, "id": block_id(quiz, key), "value": question})
        self.unique(keys, where, "question key")
        return result


def _part_value(parts, entry):
    """An option, pair or item of a question as its block's value."""
    if parts == "options":
        return {
            "text": entry["text"],
            "correct": entry.get("correct", False),
            "feedback": entry.get("feedback", ""),
        }
    if parts == "pairs":
        return {"item": entry["item"], "match": entry["match"]}
    return entry["text"]
