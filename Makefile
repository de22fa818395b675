# 重点项目挂图作战 — the commands people and CI use. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | sha1sum | cut -c1-12)
PORT ?= 8000

.PHONY: setup run test bench lint migrate demo messages backup restore system-deps clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

# Demo data as of today, then the two nightly jobs and this week's delay report once, so
# colours, growth and the weekly report show from the first page.
demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py flag_delays
	$(PY) manage.py compute_industry_growth
	$(PY) manage.py weekly_delay_report

# Web + Celery worker + Celery beat with embedded defaults (SQLite, SQLite-backed broker).
run: demo
	@PORT=$(PORT) bash scripts/run_all.sh

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

messages: setup
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l en --ignore=.venv

# PostgreSQL backups (custom format) of $$DATABASE_URL into var/backups/.
backup: setup
	@bash scripts/backup.sh

restore: setup
	@bash scripts/restore.sh $(FILE)

# Debian packages for the PDF fonts and the browser tests (run as root; CI does this itself).
system-deps:
	bash scripts/system_deps.sh

clean:
	rm -rf $(VENV) var/db.sqlite3* var/celery-broker.sqlite3*
