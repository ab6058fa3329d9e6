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

    python scripts/check_translations.py     # needs gettext (xgettext)
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = Path("locale") / "sv" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
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


def main():
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(ROOT, tree, ignore=COPY_IGNORE)
        extract(tree)
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
