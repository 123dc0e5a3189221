# CI/CD (cicd/, .github/workflows/): the targets the workflows call. Included by the root Makefile.
# Values that come from a pull request (branch names, repository names) reach the recipes as environment
# variables and are read by the shell ("$$VAR"), never pasted into the command text by make: a branch may be
# named `$(curl${IFS}...)`.
WORKFLOWS_DIR := .github/workflows
PR_REPORT ?= cicd/out/pr-report.md
CDK_OUTPUTS ?= serving/deployment/deployed/outputs.json
# What training changes that git (not DVC) tracks: the train workflow commits these back to the PR branch.
COMMIT_BACK_PATHS := dvc.lock reports
# Offline by default; CI clears it and passes GH_TOKEN so that zizmor also checks the pinned SHAs online.
ZIZMOR_FLAGS ?= --offline
DVC_PULL_FLAGS ?=
DVC_REMOTE := s3

## Validate the GitHub workflows against GitHub's workflow schema (check-jsonschema) and audit them (zizmor)
lint-workflows: $(SYNCED)
	check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS_DIR)/*.yml
	zizmor $(ZIZMOR_FLAGS) --no-progress $(WORKFLOWS_DIR)

## Decide whether the train workflow trains and publishes (HEAD_REPOSITORY, GITHUB_REPOSITORY, GITHUB_ACTOR, TRAIN_PUSH_ACTOR; standard library only)
train-guard:
	$(PYTHON_BOOTSTRAP) -m cicd.train_guard --head-repository "$${HEAD_REPOSITORY:?set HEAD_REPOSITORY=owner/name}" \
		--base-repository "$${GITHUB_REPOSITORY:?set GITHUB_REPOSITORY=owner/name}" --actor "$${GITHUB_ACTOR:-}" \
		$${TRAIN_PUSH_ACTOR:+--push-actor "$$TRAIN_PUSH_ACTOR"}

## Check that the DVC remote lives in the bucket DVC_BUCKET names (the repository variable), when it is set
dvc-check-remote: $(SYNCED)
	@url="$$(dvc config remote.$(DVC_REMOTE).url)"; bucket="$${url#s3://}"; bucket="$${bucket%%/*}"; \
	if [ -n "$${DVC_BUCKET:-}" ] && [ "$$bucket" != "$$DVC_BUCKET" ]; then \
		echo "error: the DVC remote '$(DVC_REMOTE)' is $$url, but DVC_BUCKET is $$DVC_BUCKET; make .dvc/config and the repository variable agree (infrastructure/README.md)" >&2; \
		exit 1; \
	fi

## Fetch from the DVC remote what dvc.lock names (DVC_PULL_FLAGS=--allow-missing: only what the remote has)
dvc-pull: dvc-check-remote
	dvc pull $(DVC_PULL_FLAGS)

## Upload to the DVC remote what `dvc repro` produced
dvc-push: dvc-check-remote
	dvc push

## Run the service's tests against the model in serving/app/model (run `make train` first; installs the browser)
test-service: $(SYNCED) chromium
	pytest serving/app

## Write the model report against BASE=<git revision> to PR_REPORT (and the job summary); BASE_NAME labels it
pr-report: $(SYNCED)
	python -m cicd.pr_report --base "$${BASE:?set BASE=<git revision>}" --base-name "$${BASE_NAME:-$$BASE}" \
		--out "$(PR_REPORT)"
	@cat "$(PR_REPORT)"
	@if [ -n "$${GITHUB_STEP_SUMMARY:-}" ]; then cat "$(PR_REPORT)" >> "$$GITHUB_STEP_SUMMARY"; fi

## Fail when the metric of params.yaml evaluate.gate got worse against BASE=<git revision> than the base's gate allows
metric-gate: $(SYNCED)
	python -m cicd.metric_gate --base "$${BASE:?set BASE=<git revision>}"

## Create or update the report comment on pull request PR=<number> (GITHUB_TOKEN; PR_COMMENT_AUTHOR: who the token acts as)
pr-comment: $(SYNCED)
	python -m cicd.pr_comment --repository "$${GITHUB_REPOSITORY:?set GITHUB_REPOSITORY=owner/name}" \
		--pull-request "$${PR:?set PR=<number>}" --body-file "$(PR_REPORT)" \
		$${PR_COMMENT_AUTHOR:+--author "$$PR_COMMENT_AUTHOR"}

## Commit dvc.lock and reports/ and push them to BRANCH=<pull request branch> (GITHUB_TOKEN; marked [skip-train])
commit-back: $(SYNCED)
	python -m cicd.commit_back --branch "$${BRANCH:?set BRANCH=<branch>}" $(COMMIT_BACK_PATHS)

## Check a running service with serving/app/model's golden records: URL=<base URL>, else the last deploy's CDK outputs
smoke-test: $(SYNCED)
	python -m cicd.smoke_test $(if $(URL),--url "$$URL",--cdk-outputs "$(CDK_OUTPUTS)")

.PHONY: lint-workflows train-guard dvc-check-remote dvc-pull dvc-push test-service pr-report metric-gate pr-comment commit-back smoke-test
