# Reliability: the service under fuzzing, load, shutdowns, crashes and tampering (serving/app/tests/reliability,
# serving/app/RELIABILITY.md), and the security scan of the code. Included by the root Makefile.
RELIABILITY_TESTS := serving/app/tests/reliability
# The project's own code; tests start processes and hold throw-away secrets by design.
BANDIT_PATHS := training examples serving/app serving/deployment infrastructure bench testkit $(wildcard cicd)
BANDIT_EXCLUDE := */tests/*,*/cdk.out/*,*/node_modules/*
# Skipped here because ruff's flake8-bandit port (the S rules in make lint) already reviews them, and each
# exception carries one inline justification there (`# noqa: S310 - ...`) rather than two:
# B104/S104 binding to all interfaces, B105/S105 hard-coded passwords, B310/S310 urlopen schemes,
# B404/S404 importing subprocess, B603/S603 subprocess without a shell, B607/S607 a partial executable path.
BANDIT_SKIPS := B104,B105,B310,B404,B603,B607

## Fuzz the running service from its OpenAPI schema, deeply (2000 examples per operation and mode, random seeds; ~2 min)
fuzz: $(SYNCED) train
	pytest $(RELIABILITY_TESTS)/test_fuzz.py --hypothesis-profile=fuzz-deep

## Run the reliability tests alone: fuzzing (quick), load, SIGTERM, worker kill, tampering, hostile payloads, slow clients
test-reliability: $(SYNCED) train
	pytest $(RELIABILITY_TESTS)

## Scan the project's code with bandit (checks ruff's S rules already review are skipped); every finding fails it
lint-security: $(SYNCED)
	bandit --quiet --recursive $(BANDIT_PATHS) --exclude '$(BANDIT_EXCLUDE)' --skip $(BANDIT_SKIPS)

.PHONY: fuzz test-reliability lint-security
