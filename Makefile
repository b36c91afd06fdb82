# Lejek: `make run` tries it out (SQLite, eager tasks, demo data); `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Tests run on PostgreSQL, as in CI and production.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lejek
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the emails `make run` sends point at the server it starts, unless given.
LEJEK_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run install system-deps messages test lint check migrate seed backup-check

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Chromium for the browser tests, gettext for the catalogues, wrk for the intake
# benchmark (its test too) and Dovecot for the tests' own IMAP server, from Debian's packages.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v dovecot >/dev/null || missing="$$missing dovecot-imapd"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (Debian packages)"; exit 1; fi; \
	fi

messages: install
	@if command -v msgfmt >/dev/null; then DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv' -v 0; fi

migrate: install messages
	DEBUG=1 $(PY) manage.py migrate --no-input -v 0

seed: migrate
	DEBUG=1 $(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "Lejek runs at http://$(HOST):$(PORT)/ (log in with one of the demo users above)"
	LEJEK_BASE_URL='$(LEJEK_BASE_URL)' DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	DATABASE_URL=$(TEST_DATABASE_URL) DEBUG=1 $(PY) manage.py check
	DATABASE_URL=$(TEST_DATABASE_URL) DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

test: install system-deps messages
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The speed benchmark (README "Benchmark") against a database filled by generate_bench_data.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lejek_bench
BENCH_ARGS ?=
.PHONY: bench
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=0 SECRET_KEY=bench-only-not-a-secret \
	  $(PY) manage.py bench $(BENCH_ARGS)

# The intake API under load (README "Benchmark"): gunicorn on the million-lead database,
# driven by wrk, Redis db 12 as its cache and broker (emptied afterwards). Migrates first:
# the intake's models may have moved on.
BENCH_INTAKE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lejek_bench_1m
BENCH_INTAKE_ARGS ?=
.PHONY: bench-intake
bench-intake: install system-deps
	DATABASE_URL=$(BENCH_INTAKE_DATABASE_URL) DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DATABASE_URL=$(BENCH_INTAKE_DATABASE_URL) DEBUG=0 SECRET_KEY=bench-only-not-a-secret \
	  $(PY) manage.py bench_intake $(BENCH_INTAKE_ARGS)

# Working a lead (README "Benchmark"): a heavy lead's page and tabs, "My day" and the
# reminder sweep, on a database filled by generate_bench_data, then `bench_work --setup`
# (e.g. BENCH_WORK_ARGS="--setup"). Migrates first.
BENCH_WORK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lejek_bench_work
BENCH_WORK_ARGS ?=
.PHONY: bench-work
bench-work: install
	DATABASE_URL=$(BENCH_WORK_DATABASE_URL) DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DATABASE_URL=$(BENCH_WORK_DATABASE_URL) DEBUG=0 SECRET_KEY=bench-only-not-a-secret \
	  $(PY) manage.py bench_work $(BENCH_WORK_ARGS)

# Reports and import (README "Benchmark"): every report at a million leads, the sources
# export and a 10 000-row import, on a database filled by generate_bench_data, then
# `bench_reports --setup` (e.g. BENCH_REPORTS_ARGS="--setup"). Migrates first.
BENCH_REPORTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lejek_bench_reports
BENCH_REPORTS_ARGS ?=
.PHONY: bench-reports
bench-reports: install
	DATABASE_URL=$(BENCH_REPORTS_DATABASE_URL) DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DATABASE_URL=$(BENCH_REPORTS_DATABASE_URL) DEBUG=0 SECRET_KEY=bench-only-not-a-secret \
	  $(PY) manage.py bench_reports $(BENCH_REPORTS_ARGS)

# Backups (README "Production"): the database of DATABASE_URL (pg_dump -Fc) and MEDIA_ROOT
# into BACKUP_DIR (backups/); `make restore FILE=backups/lejek-<timestamp>.dump` puts one
# back (pg_restore --clean into DATABASE_URL, the media archive into MEDIA_ROOT).
.PHONY: backup restore
backup:
	scripts/backup.sh
restore:
	scripts/restore.sh "$(FILE)"

# The restore drill: seeded data backed up, restored into a fresh database, a lead served.
backup-check: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest -q tests/test_backup.py
