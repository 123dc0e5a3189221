# AWS: the one-time account infrastructure (infrastructure/), the service stack and the batch scoring
# stack (serving/deployment/).
# Included by the root Makefile, which puts .venv/bin first on PATH and exports the JSII/AWS variables.
INFRASTRUCTURE_DIR := infrastructure
DEPLOYMENT_DIR := serving/deployment
# The only place the CDK CLI comes from: newer majors reject this aws-cdk-lib's cloud assembly.
CDK := CDK_DISABLE_CLI_TELEMETRY=true npx --yes aws-cdk@2.1148.1
CDK_FLAGS := --no-notices
# What the deploys wrote (stack outputs: URLs, ARNs), relative to DEPLOYMENT_DIR: beside cdk.out,
# which `make synth` deletes, so that the smoke test still finds the last deploy's.
DEPLOYED := deployed

# staging or production (serving/deployment/service_deployment/settings.py).
SERVICE_ENVIRONMENT ?= staging
# Extra `-c key=value` pairs for the service stack, e.g. -c certificateArn=arn:aws:acm:... -c alarmEmail=...
SERVICE_CONTEXT ?=
# Batch scoring: the S3 prefixes its jobs may read (comma-separated) and write. With both, the app also
# synthesizes the PenguinsBatchScoring-<environment> stack; more settings go in SERVICE_CONTEXT
# (-c batchSpot=false -c batchMaxVcpus=32).
BATCH_INPUT ?=
BATCH_OUTPUT ?=
# Extra `-c key=value` pairs for the infrastructure, e.g. -c githubOidcProviderArn=arn:aws:iam::... or
# -c dataSources=s3://bucket/prefix,s3://other (infrastructure/README.md)
INFRASTRUCTURE_CONTEXT ?=
# owner/name: GitHub Actions sets it; locally it comes from the `origin` remote.
GITHUB_REPOSITORY ?= $(shell git remote get-url origin 2>/dev/null | sed -nE 's#^.*github\.com[:/]([^/]+/[^/]+)$$#\1#p' | sed 's/\.git$$//')

SERVICE_ARGS = -c environment=$(SERVICE_ENVIRONMENT) $(BATCH_ARGS) $(SERVICE_CONTEXT)
BATCH_ARGS = $(if $(BATCH_INPUT),-c batchInput=$(BATCH_INPUT)) $(if $(BATCH_OUTPUT),-c batchOutput=$(BATCH_OUTPUT))
INFRASTRUCTURE_ARGS = $(if $(GITHUB_REPOSITORY),-c githubRepository=$(GITHUB_REPOSITORY)) $(INFRASTRUCTURE_CONTEXT)

## Synthesize both CDK apps into their cdk.out folders, offline (the batch stack too with BATCH_INPUT and BATCH_OUTPUT)
synth: $(SYNCED)
	rm -rf $(INFRASTRUCTURE_DIR)/cdk.out $(DEPLOYMENT_DIR)/cdk.out
	cd $(INFRASTRUCTURE_DIR) && python app.py $(INFRASTRUCTURE_ARGS)
	cd $(DEPLOYMENT_DIR) && python app.py $(SERVICE_ARGS)

## Run cfn-lint on every template that `make synth` writes, the batch stack's included (example prefixes)
lint-cfn: BATCH_INPUT := $(or $(BATCH_INPUT),s3://example-scoring-input/penguins)
lint-cfn: BATCH_OUTPUT := $(or $(BATCH_OUTPUT),s3://example-scoring-output/penguins)
lint-cfn: synth
	cfn-lint $(INFRASTRUCTURE_DIR)/cdk.out/*.template.json $(DEPLOYMENT_DIR)/cdk.out/*.template.json

## Deploy the DVC bucket and GitHub OIDC roles with the CDK CLI (AWS credentials; once per account)
deploy-infrastructure: $(SYNCED)
	@test -n "$(GITHUB_REPOSITORY)" || { echo "set GITHUB_REPOSITORY=owner/name" >&2; exit 1; }
	cd $(INFRASTRUCTURE_DIR) && $(CDK) deploy $(CDK_FLAGS) $(INFRASTRUCTURE_ARGS)

## Build the image and deploy the service stack of SERVICE_ENVIRONMENT (AWS credentials, Docker, model pulled)
deploy-service: $(SYNCED)
	@test -f serving/app/model/metadata.json || { echo "no model in serving/app/model: run dvc pull" >&2; exit 1; }
	@# Lambda rejects an image index, which buildx's default provenance attestation makes of a one-platform image.
	mkdir -p $(DEPLOYMENT_DIR)/$(DEPLOYED)
	cd $(DEPLOYMENT_DIR) && BUILDX_NO_DEFAULT_ATTESTATIONS=1 $(CDK) deploy PenguinsService-$(SERVICE_ENVIRONMENT) $(CDK_FLAGS) $(SERVICE_ARGS) \
		--require-approval never --outputs-file $(DEPLOYED)/outputs.json

## Build the image and deploy the batch scoring stack of SERVICE_ENVIRONMENT for BATCH_INPUT and BATCH_OUTPUT
deploy-batch: $(SYNCED)
	@test -n "$(BATCH_INPUT)" -a -n "$(BATCH_OUTPUT)" || \
		{ echo "set BATCH_INPUT=s3://bucket/prefix[,s3://...] and BATCH_OUTPUT=s3://bucket/prefix" >&2; exit 1; }
	@test -f serving/app/model/metadata.json || { echo "no model in serving/app/model: run dvc pull" >&2; exit 1; }
	mkdir -p $(DEPLOYMENT_DIR)/$(DEPLOYED)
	cd $(DEPLOYMENT_DIR) && $(CDK) deploy PenguinsBatchScoring-$(SERVICE_ENVIRONMENT) $(CDK_FLAGS) $(SERVICE_ARGS) \
		--require-approval never --outputs-file $(DEPLOYED)/batch-outputs.json

## deploy-service, smoke-testing a canary release on its test listener before it takes traffic (cicd/canary_gate.py)
deploy-service-gated: $(SYNCED)
	python -m cicd.canary_gate --stack PenguinsService-$(SERVICE_ENVIRONMENT) -- \
		$(MAKE) --no-print-directory deploy-service SERVICE_ENVIRONMENT=$(SERVICE_ENVIRONMENT)

## Submit a batch scoring run to the deployed batch stack and follow it (INPUT=s3://... OUTPUT=s3://.../run SHARDS=N)
score-aws: $(SYNCED)
	@test -n "$(INPUT)" && test -n "$(OUTPUT)" && test -n "$(SHARDS)" || { \
		echo "usage: make score-aws INPUT=s3://bucket/key OUTPUT=s3://bucket/prefix/run SHARDS=N [ARGS='--max-error-rate 0.01']" >&2; exit 2; }
	python -m deployment.batch_jobs submit "$(INPUT)" "$(OUTPUT)" --shards "$(SHARDS)" --environment $(SERVICE_ENVIRONMENT) $(ARGS)

.PHONY: synth lint-cfn deploy-infrastructure deploy-service deploy-service-gated deploy-batch score-aws
