"""Fail unless the Swedish translations are complete and compiled.

The `.po` files in locale/sv/LC_MESSAGES are the source of truth: translators
edit them (in Poedit, Weblate or a text editor) and `make messages` updates
them from the code. The compiled `.mo` files are committed too, so that the
demo runs without gettext. This check fails on
- a string in the code that is missing from the `.po` (the strings are
  extracted afresh, by `makemessages` in a copy of the tree: this checkout's
  files are not touched);
- an entry that is untranslated or fuzzy;
- a `.mo` whose translations are not exactly its `.po`'s.

locale_overrides/sv/LC_MESSAGES/django.po holds our Swedish for Wagtail's
and wagtailmedia's own msgids where theirs is missing or does not fit our
nouns (first in LOCALE_PATHS, so it wins), and djangojs.po beside it the same
for Wagtail's scripts (Django's JavaScript catalogue). Each is edited by hand,
and fails this check if
- `makemessages` changed it (it must only ever write to locale/);
- an entry is fuzzy or empty, or msgfmt finds its format wrong;
- a msgid is one of ours (it would shadow locale/'s translation) or one that
  no installed package's catalogue has (it would override nothing);
- its `.mo` is missing or not exactly its `.po`.

    python scripts/check_translations.py              # needs gettext (xgettext)
    python scripts/check_translations.py --overrides  # only the overrides, fast
"""

import filecmp
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = Path("locale") / "sv" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
OVERRIDES_DIR = Path("locale_overrides") / "sv" / "LC_MESSAGES"
# Wagtail's Python strings, and its scripts' (Django's JavaScript catalogue).
OVERRIDES = OVERRIDES_DIR / "django.po"
OVERRIDES_JS = OVERRIDES_DIR / "djangojs.po"
# What `make messages` extracts from: the same ignores.
IGNORE = [".venv", ".venv-ralph", "bench", "tests", "docs", "var", "media"]
IGNORE += ["staticfiles", "node_modules", "scripts"]
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "var",
    "media",
    "staticfiles",
    "node_modules",
    "*.sqlite3",
    "results",
)


def extract(tree):
    """Run makemessages in `tree` (a copy of the project) for both domains."""
    for domain in DOMAINS:
        command = [sys.executable, "manage.py", "makemessages", "-l", "sv"]
        command += ["-d", domain, *(f"--ignore={name}" for name in IGNORE)]
        subprocess.run(  # noqa: S603 - our own manage.py
            command, cwd=tree, check=True, capture_output=True, text=True
        )


def problems_of(po, label):
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"{label}: fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            found.append(f"{label}: untranslated: {entry.msgid!r}")
    return found


def translations(catalogue):
    """{(context, msgid, plural): msgstr or its plural forms} of a .po or .mo."""
    table = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            table[key] = tuple(
                entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)
            )
        else:
            table[key] = entry.msgstr
    return table


def third_party_msgids(domain="django"):
    """(context, msgid) of every catalogue of the installed packages (their
    English and Swedish ones, which list all their msgids)."""
    site = Path(sysconfig.get_paths()["purelib"])
    known = set()
    for depth in range(4):
        folders = "/".join(["*"] * (depth + 1))
        for language in ("en", "sv"):
            pattern = f"{folders}/locale/{language}/LC_MESSAGES/{domain}.po"
            for path in site.glob(pattern):
                known.update((e.msgctxt, e.msgid) for e in polib.pofile(str(path)))
    return known


def override_problems(ours, overrides=OVERRIDES, domain="django"):
    """What is wrong with an override catalogue; `ours` is the committed
    catalogue of the same domain in locale/sv."""
    label = str(overrides)
    source = ROOT / overrides
    if not source.exists():
        return [f"{label} is missing"]
    po = polib.pofile(str(source))
    found = problems_of(po, label)
    checked = subprocess.run(  # noqa: S603 - gettext's msgfmt on our file
        ["msgfmt", "--check-format", "-o", "/dev/null", str(source)],  # noqa: S607
        capture_output=True,
        text=True,
    )
    if checked.returncode:
        found.append(f"{label}: msgfmt: {checked.stderr.strip()}")
    own = {(e.msgctxt, e.msgid) for e in ours if not e.obsolete}
    theirs = third_party_msgids(domain)
    for entry in po:
        key = (entry.msgctxt, entry.msgid)
        if entry.obsolete:
            continue
        if key in own:
            found.append(
                f"{label}: one of our msgids (put it in locale/): {entry.msgid!r}"
            )
        elif key not in theirs:
            found.append(f"{label}: no installed package has {entry.msgid!r}")
    compiled = source.with_suffix(".mo")
    if not compiled.exists():
        found.append(f"{compiled.relative_to(ROOT)} is missing (run make messages)")
    elif translations(polib.mofile(str(compiled))) != translations(po):
        found.append(f"{compiled.relative_to(ROOT)} is out of date (run make messages)")
    return found


def all_override_problems():
    return [
        *override_problems(polib.pofile(str(ROOT / MESSAGES / "django.po"))),
        *override_problems(
            polib.pofile(str(ROOT / MESSAGES / "djangojs.po")),
            OVERRIDES_JS,
            "djangojs",
        ),
    ]


def main():
    if "--overrides" in sys.argv[1:]:
        found = all_override_problems()
        if found:
            print("Translations:", *found, sep="\n  ")
            return 1
        print("Translations: the overrides of Wagtail's Swedish are in order.")
        return 0
    found = all_override_problems()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(ROOT, tree, ignore=COPY_IGNORE)
        extract(tree)
        for overrides in (OVERRIDES, OVERRIDES_JS):
            if not filecmp.cmp(ROOT / overrides, tree / overrides, shallow=False):
                found.append(f"makemessages wrote into {overrides} (it must not)")
        for domain in DOMAINS:
            committed = polib.pofile(str(ROOT / MESSAGES / f"{domain}.po"))
            extracted = polib.pofile(str(tree / MESSAGES / f"{domain}.po"))
            known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
            for entry in extracted:
                if not entry.obsolete and (entry.msgctxt, entry.msgid) not in known:
                    found.append(
                        f"{domain}.po: not in the file (run make messages): "
                        f"{entry.msgid!r}"
                    )
            found += problems_of(committed, f"{domain}.po")
            compiled = ROOT / MESSAGES / f"{domain}.mo"
            if not compiled.exists():
                found.append(f"{domain}.mo is missing (run make messages)")
            elif translations(polib.mofile(str(compiled))) != translations(committed):
                found.append(f"{domain}.mo is out of date (run make messages)")
    if found:
        print("Translations:", *found, sep="\n  ")
        return 1
    print("Translations: every string is translated and compiled.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
