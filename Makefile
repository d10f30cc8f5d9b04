# Diabetes Education Finder. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := finder

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F ':.*?## ' '{printf "  %-16s %s\n", $$1, $$2}'

# Serving needs only the runtime packages; tests, linters and the catalogue tools need the
# `test` extras too (Playwright, sqlmap, mypy...), which `make run` never waits for.
RUN_DEPS := $(BIN)/.installed-run
TEST_DEPS := $(BIN)/.installed-test

$(RUN_DEPS): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_DEPS): $(RUN_DEPS)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

ASSET_SOURCES := $(wildcard assets/*)
build/assets/.built: node_modules/.installed $(ASSET_SOURCES) scripts/fingerprint.py
	npm run --silent build
	python3 scripts/fingerprint.py build/assets
	touch $@

.PHONY: install
install: $(TEST_DEPS) build/assets/.built translations ## Install Python (with the test tools) and npm packages, build assets and catalogues

.PHONY: translations
translations: $(RUN_DEPS) ## Compile the translation catalogues
	$(BIN)/pybabel compile -d translations --statistics

EXTRACT = $(BIN)/pybabel extract -k N_ -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	--add-comments=Translators: --no-location --omit-header --sort-output

.PHONY: extract
extract: $(TEST_DEPS) ## Update translations/messages.pot and staff.pot from the code and templates
	$(EXTRACT) -F babel.cfg -o translations/messages.pot .
	$(EXTRACT) -F babel-staff.cfg -o translations/staff.pot .

.PHONY: update-catalogues
update-catalogues: extract ## Merge new strings from messages.pot into every language's .po file
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	@for po in translations/*/LC_MESSAGES/staff.po; do [ -f "$$po" ] || continue; \
	  $(BIN)/pybabel update -D staff -i translations/staff.pot -d translations --no-fuzzy-matching --ignore-obsolete; break; done

.PHONY: translation-pack
translation-pack: $(TEST_DEPS) ## One CSV per language for a qualified translator's review (build/translation-pack/)
	$(BIN)/python scripts/translations.py pack

.PHONY: translation-merge
translation-merge: $(TEST_DEPS) ## Read a reviewed CSV back into its .po file: make translation-merge FILE=bn.csv
	@[ -n "$(FILE)" ] || { echo "usage: make translation-merge FILE=path/to/<lang>.csv"; exit 2; }
	$(BIN)/python scripts/translations.py merge $(FILE)
	$(BIN)/pybabel compile -d translations --statistics

.PHONY: translation-status
translation-status: $(TEST_DEPS) ## Copy translations/status.yml (each language's review) into README.md
	$(BIN)/python scripts/translations.py status

.PHONY: check-strings
check-strings: $(TEST_DEPS) ## Fail if translations/messages.pot or staff.pot is stale
	@tmp=$$(mktemp -d) && \
	  $(EXTRACT) -F babel.cfg -o $$tmp/messages.pot . >/dev/null 2>&1 && \
	  $(EXTRACT) -F babel-staff.cfg -o $$tmp/staff.pot . >/dev/null 2>&1 && \
	  if diff -q $$tmp/messages.pot translations/messages.pot >/dev/null && diff -q $$tmp/staff.pot translations/staff.pot >/dev/null; \
	  then echo "messages.pot and staff.pot are current"; rm -r $$tmp; \
	  else diff -u translations/messages.pot $$tmp/messages.pot | head -30; diff -u translations/staff.pot $$tmp/staff.pot | head -30; \
	    rm -r $$tmp; echo "a .pot file is stale: run 'make update-catalogues'"; exit 1; fi

.PHONY: db
db: $(RUN_DEPS) ## Migrate the database and seed the directory (demo data unless FINDER_DEMO=0)
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed

.PHONY: run
run: $(RUN_DEPS) build/assets/.built translations db ## Set everything up and serve the site at http://127.0.0.1:$(PORT) with a job worker (Ctrl-C stops both)
	FINDER_RUN_WORKER=1 $(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) 'finder:create_app()'

.PHONY: browser
browser: ## Install Debian's Chromium (browser tests) and nginx (slow-client tests), as root, when missing
	@if command -v chromium >/dev/null 2>&1 && [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation fonts-noto-core nginx-light >/dev/null; \
	  nginx -s stop 2>/dev/null || true; \
	else echo "Chromium or nginx is missing: install Debian's chromium and nginx-light packages to run every test"; fi

.PHONY: lint
lint: $(TEST_DEPS) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -r finder -ll

POSTGRES_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# pytest-xdist workers (PYTEST_WORKERS=0: none). A file's tests stay on one worker, so its
# module fixtures are made once; each worker has a database of its own (tests/conftest.py) and
# server ports of its own (tests/security/servers.py).
PYTEST_WORKERS ?= 2
XDIST = -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: test-fast
test-fast: install ## While working, under a minute: unit, pages, API, access matrix; no browser, no servers, no scanners, no long hypothesis runs
	$(BIN)/pytest $(XDIST) -m "not browser and not stack and not slow" --hypothesis-profile=fast $(PYTEST_ARGS)

.PHONY: test
test: install browser check-strings lint ## Before pushing: install what the tests need and run the whole suite, on SQLite then PostgreSQL
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-postgres

.PHONY: test-postgres
test-postgres: install ## Run the suite again on PostgreSQL (skips when it is not there, fails in CI)
	FINDER_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/pytest $(XDIST) -m "not browser and not stack" $(PYTEST_ARGS)

.PHONY: bench
bench: install browser tools/lighthouse/node_modules/.installed ## Measure the production stack against its budgets (prints a table, writes bench-results/bench.json)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python scripts/bench.py

tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

.PHONY: lighthouse
lighthouse: install tools/lighthouse/node_modules/.installed ## Lighthouse (mobile) of the start, results and programme pages against their budgets (prints a table)
	$(BIN)/python scripts/lighthouse.py

.PHONY: clean
clean: ## Remove the build output (keeps the database)
	rm -rf build node_modules $(VENV)
