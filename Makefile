# The two commands: `make run` and `make test`. Everything else is set up by them.
# Operations: `make deploy-check`, `make backup`, `make restore BACKUP=…` (README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
TESTS ?= tests
# Direct dependencies: requirements/runtime.txt (production), s3.txt (media on S3) and
# dev.txt (tests and tools); exact versions of everything: requirements/constraints.txt.
REQUIREMENTS := $(wildcard requirements/*.txt)
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | cksum | cut -d' ' -f1)

.PHONY: run setup test test-sqlite lint format bench clean deploy-check backup restore lock

# pip reads PIP_INDEX_URL (a PyPI mirror) and the other PIP_* variables itself: never
# pass --index-url here.
$(STAMP): $(REQUIREMENTS)
	@echo "==> [1/2] 创建 Python 虚拟环境 $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/2] 安装依赖（requirements/dev.txt，版本见 requirements/constraints.txt）；首次约需一两分钟"
	$(PY) -m pip install --progress-bar on -r requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@echo "==> 依赖已安装"

setup: $(STAMP)
	@mkdir -p var/celery/queue var/celery/processed var/celery/control var/static
	@echo "==> 编译翻译"
	$(MANAGE) compile_translations
	@echo "==> 迁移数据库"
	$(MANAGE) migrate --no-input
	@echo "==> 载入工作日历和演示公司"
	$(MANAGE) demo

run: setup
	$(MANAGE) serve_all

# Two pytest-xdist workers, each with its own test database (a machine of two cores runs
# the suite in about half the time); TEST_WORKERS=0 runs it in one process. Tests that start
# processes of their own run one after another (tests/conftest.py SERIAL_FILES).
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadgroup)

test: $(STAMP)
	@mkdir -p var
	$(MANAGE) compile_translations
	$(PY) -m pytest $(TESTS) --ignore=tests/bench -q $(XDIST) $(PYTEST_ARGS)

bench: $(STAMP)
	$(MANAGE) compile_translations
	$(PY) -m pytest tests/bench -q -s -p no:randomly $(PYTEST_ARGS)

# ruff, then mypy over the services and selectors ([tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The production install of README.md ("Production") on PostgreSQL and Redis, and beside
# it the deployment tests (static files through gunicorn, plain-HTTP login, serve_all, beat
# lock; their own SQLite site, ports and memory broker): each mostly waits on pip or one
# migrate, so side by side they take the time of one. The tests' output follows the check's.
deploy-check: $(STAMP)
	$(MANAGE) compile_translations
	@log=$$(mktemp); \
	$(PY) -m pytest tests/deploy -q $(PYTEST_ARGS) >"$$log" 2>&1 & tests=$$!; \
	bash deploy/check.sh; check=$$?; \
	wait $$tests; status=$$?; \
	echo "==> tests/deploy"; cat "$$log"; rm -f "$$log"; \
	test $$check -eq 0 -a $$status -eq 0

# Database and media into var/backups/<time>/ (BACKUP_DIR=… elsewhere).
backup: $(STAMP)
	$(MANAGE) backup $(if $(BACKUP_DIR),--output $(BACKUP_DIR))

# make restore BACKUP=var/backups/<time>  (into an empty database; then verifies).
restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "用法：make restore BACKUP=备份目录"; exit 2; }
	$(MANAGE) restore $(BACKUP)

# Re-resolve the newest versions of requirements/*.txt into requirements/constraints.txt.
lock:
	rm -rf var/lock && mkdir -p var/lock/requirements
	for f in runtime s3 dev; do grep -v '^-c' requirements/$$f.txt > var/lock/requirements/$$f.txt; done
	$(PYTHON) -m venv var/lock/venv
	var/lock/venv/bin/pip install -r var/lock/requirements/dev.txt
	{ head -2 requirements/constraints.txt; var/lock/venv/bin/pip freeze; } > var/lock/constraints.txt
	mv var/lock/constraints.txt requirements/constraints.txt && rm -rf var/lock

clean:
	rm -rf var/test-media var/celery
