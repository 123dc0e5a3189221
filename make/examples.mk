# Examples (examples/<name>/: params.yaml and data.py) and bringing your own data. Included by the root Makefile.
EXAMPLES_WORK_DIR := .work/examples

## Train EXAMPLE=<name> in its own work folder (.work/examples/<name>); params.yaml and dvc.lock stay as they are
train-example: $(SYNCED)
	@test -n "$(EXAMPLE)" || { echo "set EXAMPLE=<name>, one of: $$(python -c 'from examples.workspace import names; print(*names())')" >&2; exit 2; }
	folder="$$(python -m examples.workspace "$(EXAMPLE)")" && cd "$$folder" && python -m training.check && dvc repro

## Write params.yaml's data section for a new file: DATA=<csv or parquet> TARGET=<column> (infers columns and task)
init-params: $(SYNCED)
	python -m training.init_params --data "$${DATA:?set DATA=<path to a CSV or Parquet file>}" \
		--target "$${TARGET:?set TARGET=<the column to predict>}"

.PHONY: train-example init-params
