"""make/deploy.mk's batch scoring targets, as developers and CI call them (dry runs: no AWS, no synthesis)."""

from __future__ import annotations

import shlex

from deployment.service_deployment import batch_contract
from deployment.service_deployment.settings import S3Prefix
from testkit.processes import VENV_BIN
from testkit.project import REPOSITORY, run

SYNTH = "cd serving/deployment && python app.py "


def make(*args: str, check: bool = True) -> str:
    result = run(["make", "--no-print-directory", f"VENV={VENV_BIN.parent}", *args], REPOSITORY, check=check)
    return result.stdout + result.stderr


def _command_after(output: str, marker: str) -> list[str]:
    (line,) = (line for line in output.splitlines() if marker in line)
    return shlex.split(line.split(marker, 1)[1].rstrip("\\"))


def test_deploy_batch_deploys_the_batch_stack_with_the_prefixes_and_extra_context():
    output = make(
        "-n",
        "deploy-batch",
        "SERVICE_ENVIRONMENT=production",
        "BATCH_INPUT=s3://in-bucket/a,s3://in-bucket/b",
        "BATCH_OUTPUT=s3://out-bucket/scores",
        "SERVICE_CONTEXT=-c batchSpot=true",
    )
    stack, *arguments = _command_after(output, " deploy ")
    assert stack == batch_contract.stack_name("production")
    assert arguments == [
        "--no-notices",
        *("-c", "environment=production"),
        *("-c", "batchInput=s3://in-bucket/a,s3://in-bucket/b"),
        *("-c", "batchOutput=s3://out-bucket/scores"),
        *("-c", "batchSpot=true"),
    ]


def test_deploy_batch_names_the_missing_prefixes_before_anything_runs():
    output = make("deploy-batch", "BATCH_INPUT=s3://in-bucket/a", check=False)
    assert output.startswith("set BATCH_INPUT=s3://bucket/prefix[,s3://...] and BATCH_OUTPUT=s3://bucket/prefix\n")


def test_lint_cfn_synthesizes_the_batch_stack_with_valid_example_prefixes():
    arguments = _command_after(make("-n", "lint-cfn"), SYNTH)
    context = dict(arguments[index + 1].split("=", 1) for index in range(0, len(arguments), 2))
    assert set(context) == {"environment", "batchInput", "batchOutput"}
    assert S3Prefix.parse(context["batchInput"]) != S3Prefix.parse(context["batchOutput"])
    # Without the prefixes `make synth` leaves the batch stack out; with them (as the README shows) it is in.
    assert _command_after(make("-n", "synth"), SYNTH) == ["-c", "environment=staging"]
    with_prefixes = make("-n", "synth", "BATCH_INPUT=s3://my-data/tables", "BATCH_OUTPUT=s3://my-scores/runs")
    assert _command_after(with_prefixes, SYNTH) == [
        *("-c", "environment=staging"),
        *("-c", "batchInput=s3://my-data/tables"),
        *("-c", "batchOutput=s3://my-scores/runs"),
    ]


def test_synth_leaves_the_outputs_the_deploys_wrote_for_the_smoke_test():
    # Reported from the field: `make synth` deleted cdk.out, and with it the outputs file of the
    # last deploy that `make smoke-test` reads.
    removed = [
        path
        for line in make("-n", "synth").splitlines()
        if line.startswith("rm -rf ")
        for path in shlex.split(line)[2:]
    ]
    written = [
        f"serving/deployment/{_command_after(make('-n', target, *variables), ' --outputs-file ')[0]}"
        for target, variables in (
            ("deploy-service", ()),
            ("deploy-batch", ("BATCH_INPUT=s3://in-bucket/a", "BATCH_OUTPUT=s3://out-bucket/scores")),
        )
    ]
    read = _command_after(make("-n", "smoke-test"), " --cdk-outputs ")[0]

    assert set(removed) == {"infrastructure/cdk.out", "serving/deployment/cdk.out"}
    assert read in written
    assert not [path for path in written if any(path.startswith(f"{folder}/") for folder in removed)]
