# Yorisoi: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint fmt messages migrate bench bench-import load audit clean browser-tools

$(STAMP): requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-virtualenv -r requirements/lock.txt
	touch $(STAMP)

venv: $(STAMP)

# Compiled translations are build output (git-ignored); Django's own compiler needs gettext's msgfmt,
# so we compile with a pure-Python step when msgfmt is missing.
messages: $(STAMP)
	$(BIN)/python -m config.compilemessages

demo: $(STAMP) messages
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 LOG_FORMAT=plain $(BIN)/python manage.py runserver $(HOST):$(PORT)

# axe-core for the accessibility tests (tests/e2e/package.json, pinned in its package-lock.json). Without
# npm the browser tests that need it say so (and fail under CI=true).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/e2e && npm ci --no-audit --no-fund --silent && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the accessibility tests need axe-core (cd tests/e2e && npm ci)"; fi

browser-tools: $(AXE)

test: $(STAMP) messages browser-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# City-scale benchmarks into their own database (rebuilt only when the parameters change); prints one table
# of ratios against same-run baselines (docs/benchmarks.md): everything at scale 1, the report again at scale
# 3 (its own database, <name>_s3). BENCH_ARGS="--scale 0.01" for a quick run at one scale.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/yorisoi_bench
BENCH_SCALES ?= 1,3
bench: $(STAMP) messages
	$(BIN)/python -m bench --scales $(BENCH_SCALES) --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

# Bounded load run (and fault runs) against two bin/web behind nginx (the compose proxy's configuration),
# bin/worker and bin/beat on a scratch PostgreSQL database; needs DATABASE_URL (the server), REDIS_URL and
# nginx (apt-get install nginx-light). LOAD_ARGS="--duration 60 --fault redis|worker --web-processes 1|2".
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
REDIS_URL ?= redis://127.0.0.1:6379/0
load: $(STAMP) messages
	DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) $(BIN)/python scripts/load.py $(LOAD_ARGS)

# bandit (fails on high severity) and pip-audit of requirements/lock.txt (see docs/operations.md).
audit: $(STAMP)
	$(BIN)/python scripts/audit.py $(AUDIT_ARGS)

lock:
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --output-file requirements/lock.txt pyproject.toml

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

# Ledger import at adoption scale (issue #14): a 20,000-case / 200,000-activity workbook imported by
# `import_ledger` in a fresh process; rows per second and peak RSS. Its own database (name contains "bench").
BENCH_IMPORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/yorisoi_bench_import
bench-import: $(STAMP) messages
	$(BIN)/python -m bench.ledger_import --database-url $(BENCH_IMPORT_DATABASE_URL) $(BENCH_IMPORT_ARGS)
