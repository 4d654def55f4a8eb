# The two commands: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
TESTS ?= tests
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)

.PHONY: run setup test test-sqlite lint format bench clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var/celery/queue var/celery/processed var/celery/control var/static
	$(MANAGE) compile_translations
	$(MANAGE) migrate --no-input
	$(MANAGE) demo

run: setup
	$(MANAGE) serve_all

test: $(STAMP)
	@mkdir -p var
	$(MANAGE) compile_translations
	$(PY) -m pytest $(TESTS) --ignore=tests/bench -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(MANAGE) compile_translations
	$(PY) -m pytest tests/bench -q -s -p no:randomly $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/test-media var/celery
