# The model service (serving/app). Included by the root Makefile.
SERVING_DIR := serving/app
SERVING_CATEGORIES := packages serving

# `make serve EXAMPLE=iris` serves an example (examples/), trained in its own work folder.
SERVE_MODEL_DIR = $(if $(EXAMPLE),$(abspath $(EXAMPLES_WORK_DIR)/$(EXAMPLE)/serving/app/model),$(abspath $(SERVING_DIR)/model))

# `make serve PORT=8011` when 8000 is taken.
PORT ?= 8000

## Train if needed, then serve under gunicorn's production config on 127.0.0.1:8000 (PORT=<n>: another port; EXAMPLE=<name>: an example)
serve: $(if $(EXAMPLE),train-example,train)
	cd serving && MODEL_SERVICE_MODEL_DIR="$(SERVE_MODEL_DIR)" MODEL_SERVICE_HOST=127.0.0.1 MODEL_SERVICE_PORT=$(PORT) \
		gunicorn --config app/gunicorn.conf.py

## Train if needed, then score a CSV/Parquet file or folder, local or s3:// (INPUT=..., OUTPUT=...; ARGS="--chunk-rows ...")
score: $(if $(and $(INPUT),$(OUTPUT)),$(if $(EXAMPLE),train-example,train),score-usage)
	python -m app.scoring score "$(INPUT)" "$(OUTPUT)" --model "$(SERVE_MODEL_DIR)" $(ARGS)

score-usage:
	@echo "usage: make score INPUT=<file, folder or s3://bucket/key> OUTPUT=<file.parquet or file.csv, local or s3://> [ARGS=...]" >&2
	@exit 2

## Regenerate serving/app/requirements.txt (the image's pinned, hashed dependencies) from Pipfile.lock
requirements: Pipfile.lock
	@$(PYTHON_BOOTSTRAP) -m pipenv --version >/dev/null 2>&1 || \
		$(PYTHON_BOOTSTRAP) -m pip install --quiet --user "pipenv==$(PIPENV_VERSION)"
	{ echo "# Generated from Pipfile.lock by \`make requirements\` (categories: $(SERVING_CATEGORIES)). Do not edit."; \
	  $(PYTHON_BOOTSTRAP) -m pipenv requirements --categories "$(SERVING_CATEGORIES)" --hash; } > $(SERVING_DIR)/requirements.txt.tmp
	mv $(SERVING_DIR)/requirements.txt.tmp $(SERVING_DIR)/requirements.txt

# The page tests drive a real browser: Debian's Chromium, never a browser that playwright downloads.
CHROMIUM := /usr/bin/chromium

## Install headless Chromium (Debian's package, /usr/bin/chromium) for the page tests if it is missing
chromium:
	@test -x $(CHROMIUM) || { \
		if command -v apt-get >/dev/null 2>&1; then \
			SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
			$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
		else echo "install Chromium at $(CHROMIUM) (Debian's 'chromium' package); the page tests drive it" >&2; exit 1; fi; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing after installing 'chromium'" >&2; exit 1; }

## Lint the service's Dockerfile with hadolint
lint-docker: $(SYNCED)
	hadolint $(SERVING_DIR)/Dockerfile

.PHONY: serve score score-usage requirements chromium lint-docker
