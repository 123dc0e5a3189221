# The one entry point: developers and CI run these same targets. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
# The interpreter that runs pipenv: the first python3 on PATH that is not the project's own.
PYTHON_BOOTSTRAP ?= $(shell PATH="$$(tr : '\n' <<<"$$PATH" | grep -vxF '$(abspath $(VENV))/bin' | paste -sd:)" command -v python3)
PIPENV_VERSION := 2026.10.3
CATEGORIES := packages dev-packages training serving deploy
# The stamp names the lock's content, not its mtime: a checkout or clone re-dates the
# file without changing it, and that must not cost a re-install.
SYNCED := $(VENV)/.synced-$(shell sha256sum Pipfile.lock | cut -c1-16)

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export DVC_NO_ANALYTICS := 1
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Stage commands in dvc.yaml say `python`: make it the project's interpreter.
export PATH := $(abspath $(VENV))/bin:$(PATH)

## Install pipenv if missing and create .venv with every category from Pipfile.lock (never re-locks)
setup-development-pipenv: $(SYNCED)

$(SYNCED):
	@$(PYTHON_BOOTSTRAP) -m pipenv --version >/dev/null 2>&1 || \
		$(PYTHON_BOOTSTRAP) -m pip install --quiet --user "pipenv==$(PIPENV_VERSION)"
	$(PYTHON_BOOTSTRAP) -m pipenv sync --categories "$(CATEGORIES)"
	$(VENV)/bin/python -m pip check
	@# The project's packages (training, cicd, bench, and the service's `app`) importable by the venv's
	@# python from any folder, as an editable install would make them: DVC stages import `app.bundle`.
	printf '%s\n' "$(CURDIR)" "$(CURDIR)/serving" > "$$($(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/project.pth"
	@rm -f $(VENV)/.synced-* && touch $@

## Re-resolve Pipfile into Pipfile.lock (after editing Pipfile), then re-sync .venv
lock:
	@$(PYTHON_BOOTSTRAP) -m pipenv --version >/dev/null 2>&1 || \
		$(PYTHON_BOOTSTRAP) -m pip install --quiet --user "pipenv==$(PIPENV_VERSION)"
	$(PYTHON_BOOTSTRAP) -m pipenv lock
	$(MAKE) setup-development-pipenv

## Check params.yaml and the data, then run the DVC pipeline (prepare, train, convert, evaluate); unchanged stages are skipped
train: $(SYNCED)
	python -m training.check
	dvc repro

## Show the test-split metrics and how they differ from the last commit
metrics: $(SYNCED)
	dvc metrics show
	dvc metrics diff

## Use a local folder as the DVC remote (written to .dvc/config.local, not committed)
dvc-remote-local: $(SYNCED)
	dvc remote add --local --force --default local "$(or $(DVC_LOCAL_REMOTE),$(HOME)/.cache/mlops-dvc-remote)"
	@echo "dvc push/pull now use $(or $(DVC_LOCAL_REMOTE),$(HOME)/.cache/mlops-dvc-remote)"

## Lint everything: ruff and mypy here; workflows, Dockerfile, security and templates in make/*.mk
lint: $(SYNCED) lint-workflows lint-docker lint-cfn lint-security
	ruff check .
	ruff format --check .
	mypy

## Run every test (sets up the environment, the load generator, the browser and the model first if needed)
test: $(SYNCED) train hey chromium
	$(MAKE) --no-print-directory test-fast
	pytest -m slow

## The inner loop: every test not marked slow (no servers, no DVC runs, no training; run `make train` once first)
test-fast: $(SYNCED)
	pytest -m "not slow"

## List the targets with their descriptions
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z0-9_.-]+:/{if(doc){split($$0,t,":"); printf "  %-26s %s\n", t[1], doc}; doc=""; next} {doc=""}' $(MAKEFILE_LIST)

-include make/*.mk

.PHONY: setup-development-pipenv lock train metrics dvc-remote-local lint test test-fast help
