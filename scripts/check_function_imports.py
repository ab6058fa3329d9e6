"""Fail on an import of project code inside a function, outside management
commands and migrations.

An import inside a function hides a dependency from the reader and from
import-linter's picture of the layers, and usually papers over a cycle. The
layers contract (pyproject.toml) checks the direction; this checks that
nothing hides. Allowed: management commands and migrations (run once, by
hand or by Django), and `AppConfig.ready()` in an app's `apps.py`, where
Django wants receivers connected once the app registry is loaded.

    python scripts/check_function_imports.py     # exit 1 and a list if any
"""

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's packages: import-linter's root packages, read from
# pyproject.toml so that a new app cannot be left out of either check.
PACKAGES = tuple(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "root_packages"
    ]
)


def _allowed(path):
    parts = path.relative_to(ROOT).parts
    return "migrations" in parts or ("management" in parts and "commands" in parts)


def _is_ours(module):
    return bool(module) and module.split(".")[0] in PACKAGES


class Finder(ast.NodeVisitor):
    def __init__(self, path):
        self.path = path
        self.functions = []
        self.classes = []
        self.found = []

    def visit_ClassDef(self, node):
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def _function(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _in_app_ready(self):
        return (
            self.path.name == "apps.py"
            and self.functions == ["ready"]
            and len(self.classes) == 1
        )

    def _check(self, node, modules, relative=False):
        if not self.functions or self._in_app_ready():
            return
        for module in modules:
            if relative or _is_ours(module):
                where = ".".join(self.functions)
                self.found.append(f"{self.path}:{node.lineno}: {module} in {where}()")

    def visit_Import(self, node):
        self._check(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node):
        if node.level:  # relative: always our own code
            self._check(node, ["." * node.level + (node.module or "")], relative=True)
            return
        self._check(node, [node.module])


def main():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if _allowed(path):
                continue
            finder = Finder(path.relative_to(ROOT))
            finder.visit(ast.parse(path.read_text(), filename=str(path)))
            found += finder.found
    if found:
        print("Imports of project code inside functions:", *found, sep="\n  ")
        return 1
    print(f"No function-level imports of project code in {', '.join(PACKAGES)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
