# Two commands matter: `make demo` and `make test`. Both work on a fresh machine
# with Python 3.11; they create .venv and install what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
LOCK := requirements/lock.txt
# Ralph LRS for the integration tests, in a venv of its own (its pins clash
# with ours; see requirements/ralph.txt).
RALPH_VENV := .venv-ralph
RALPH_PY := $(RALPH_VENV)/bin/python
RALPH_LOCK := requirements/ralph.txt
RALPH_STAMP := $(RALPH_VENV)/.installed
PORT ?= 8000
# The suite runs in PYTEST_WORKERS processes (pytest-xdist), each with a test
# database of its own (test_kompetens_gw0, ...); 0 runs it in one. The
# integration tests (real worker processes, leases of seconds) run afterwards
# on their own, with the machine to themselves. PYTEST_ARGS (a part of the
# suite, options) runs just that, in one go.
PYTEST_WORKERS ?= 2

.PHONY: venv install system-deps ralph node demo serve test test-fast lint format migrations-check messages check-translations bench clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

venv: $(PY)

install: $(PY)
	$(PIP) install -q -c $(LOCK) -e '.[test]'

$(RALPH_PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(RALPH_VENV)
	$(RALPH_VENV)/bin/pip install -q --upgrade pip

# Reinstalled only when requirements/ralph.txt is newer than the last install.
$(RALPH_STAMP): $(RALPH_LOCK) | $(RALPH_PY)
	$(RALPH_VENV)/bin/pip install -q -r $(RALPH_LOCK)
	touch $@

ralph: $(RALPH_STAMP)

# The OpenID provider of the sign-in tests (npm oidc-provider, package.json):
# `npm ci` only when package-lock.json is newer than the last install.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package-lock.json package.json
	@command -v npm >/dev/null || { echo "npm is needed for the sign-in tests (make system-deps installs it)."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_STAMP)

# Debian packages the tests need: Chromium for the browser tests, gettext for
# the translations. Installed only if missing.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	bash scripts/system-deps.sh demo
	bash scripts/demo.sh $(PORT)

test: install system-deps ralph node
ifeq ($(strip $(PYTEST_ARGS)),)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --ignore=tests/integration
	$(PY) -m pytest tests/integration
else
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
endif

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

migrations-check: install
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run

# The Swedish translations live in locale/sv/LC_MESSAGES/*.po, the source of
# truth that translators edit (English is the source language). This brings
# the .po files in step with the code (new strings come in untranslated) and
# compiles the .mo files, which are committed so that the demo runs without
# gettext. `make check-translations` (in CI) fails on anything untranslated,
# fuzzy or not compiled.
MESSAGE_IGNORES := --ignore=.venv --ignore=.venv-ralph --ignore=bench --ignore=tests --ignore=docs --ignore=var --ignore=media --ignore=staticfiles --ignore=node_modules --ignore=scripts
# makemessages writes our strings to locale/ only; locale_overrides/ (our
# Swedish for Wagtail's own msgids, edited by hand) is compiled, then checked.
messages: install system-deps
	$(PY) manage.py makemessages -l sv $(MESSAGE_IGNORES)
	$(PY) manage.py makemessages -d djangojs -l sv $(MESSAGE_IGNORES)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.venv-ralph
	$(PY) scripts/check_translations.py --overrides

check-translations: install system-deps
	$(PY) scripts/check_translations.py

bench: install system-deps ralph
	bash scripts/system-deps.sh bench
	bash bench/run.sh

clean:
	rm -rf $(VENV) $(RALPH_VENV) var staticfiles db.sqlite3 media
