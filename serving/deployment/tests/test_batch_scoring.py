"""The batch scoring stack's intent, read from synthesized templates: compute, jobs, retries, IAM scope."""

import fnmatch
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Match

from deployment.service_deployment import batch_contract as contract
from deployment.service_deployment.application import batch_settings_from_context, settings_from_context
from deployment.service_deployment.batch_scoring import BatchScoring
from deployment.service_deployment.settings import S3Prefix

pytestmark = pytest.mark.slow

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
INPUTS = ("s3://penguins-raw/scoring/in", "s3://penguins-archive/2026")
OUTPUT = "s3://penguins-scores/batch"
BATCH_CONTEXT = {"batchInput": ",".join(INPUTS), "batchOutput": OUTPUT}
# Every AwsSolutions finding the batch stack accepts; the reasons live next to the constructs.
ACKNOWLEDGED = {
    ("Network/Vpc", "AwsSolutions-VPC7"),
    *(
        (f"Scoring/{role}", f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{prefix}/*]")
        for role, prefixes in {
            "ScoreRole": ("penguins-raw/scoring/in", "penguins-archive/2026", "penguins-scores/batch"),
            "FinalizeRole": ("penguins-scores/batch",),
        }.items()
        for prefix in prefixes
    ),
    ("Scoring/ScoreContainer/ExecutionRole", "AwsSolutions-IAM5[Resource::*]"),
    ("Scoring/FinalizeContainer/ExecutionRole", "AwsSolutions-IAM5[Resource::*]"),
}


@pytest.fixture(scope="module")
def staging(synthesize_app):
    """The staging app with batch prefixes: the batch stack and, for comparison, the service stack."""
    return synthesize_app(BATCH_CONTEXT)


@pytest.fixture(scope="module")
def batch(staging):
    return staging[contract.stack_name("staging")]


@pytest.fixture(scope="module")
def production_batch(synthesize_app):
    stacks = synthesize_app({**BATCH_CONTEXT, "environment": "production", "privateSubnets": "true"})
    return stacks[contract.stack_name("production")]


def _job(synthesized, command_word: str) -> dict:
    (job,) = (
        resource["Properties"]
        for resource in synthesized.raw["Resources"].values()
        if resource["Type"] == "AWS::Batch::JobDefinition"
        and resource["Properties"]["ContainerProperties"]["Command"][3] == command_word
    )
    return job


def _subnets(synthesized, *, public: bool) -> set[str]:
    subnets = synthesized.template.find_resources("AWS::EC2::Subnet", {"Properties": {"MapPublicIpOnLaunch": public}})
    return set(subnets)


def test_staging_runs_on_fargate_spot_in_the_public_subnets(batch):
    (environment,) = batch.template.find_resources("AWS::Batch::ComputeEnvironment").values()
    resources = environment["Properties"]["ComputeResources"]
    assert (environment["Properties"]["Type"], resources["Type"], resources["MaxvCpus"]) == (
        "managed",
        "FARGATE_SPOT",
        16,
    )
    assert {subnet["Ref"] for subnet in resources["Subnets"]} == _subnets(batch, public=True)
    assert batch.template.find_resources("AWS::EC2::NatGateway") == {}
    for command in ("score", "finalize"):
        # Without a public address a task in a public subnet cannot pull its image.
        assert _job(batch, command)["ContainerProperties"]["NetworkConfiguration"] == {"AssignPublicIp": "ENABLED"}


def test_production_runs_on_demand_fargate_in_private_subnets(production_batch):
    (environment,) = production_batch.template.find_resources("AWS::Batch::ComputeEnvironment").values()
    resources = environment["Properties"]["ComputeResources"]
    assert (resources["Type"], resources["MaxvCpus"]) == ("FARGATE", 64)
    assert {subnet["Ref"] for subnet in resources["Subnets"]} == _subnets(production_batch, public=False)
    assert _job(production_batch, "score")["ContainerProperties"]["NetworkConfiguration"] == {
        "AssignPublicIp": "DISABLED"
    }


def test_the_queue_sends_jobs_to_the_compute_environment(batch):
    (environment_id,) = batch.template.find_resources("AWS::Batch::ComputeEnvironment")
    batch.template.has_resource_properties(
        "AWS::Batch::JobQueue",
        {
            "State": "ENABLED",
            "ComputeEnvironmentOrder": [
                {"ComputeEnvironment": {"Fn::GetAtt": [environment_id, "ComputeEnvironmentArn"]}, "Order": 1}
            ],
        },
    )


def test_both_jobs_run_the_services_own_image(staging, batch):
    (task_definition,) = staging["PenguinsService-staging"].template.find_resources("AWS::ECS::TaskDefinition").values()
    (service_container,) = task_definition["Properties"]["ContainerDefinitions"]
    for command in ("score", "finalize"):
        container = _job(batch, command)["ContainerProperties"]
        assert container["Image"] == service_container["Image"]
        assert container["RuntimePlatform"] == {"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"}


def test_the_commands_and_parameters_are_the_contracts(batch):
    score, finalize = _job(batch, "score"), _job(batch, "finalize")
    assert score["ContainerProperties"]["Command"] == contract.score_command()
    assert finalize["ContainerProperties"]["Command"] == contract.finalize_command()
    for job in (score, finalize):
        assert job["Parameters"] == {contract.PARAMETER_MAX_ERROR_RATE: contract.DEFAULT_MAX_ERROR_RATE}
        assert job["PlatformCapabilities"] == ["FARGATE"]


def batch_action(evaluate_on_exit: list[dict], *, exit_code: int | None, status_reason: str = "") -> str:
    """What AWS Batch does after a failed attempt (attempts left): the first entry whose globs all
    match, and RETRY when none does (AWS Batch User Guide, "Automated job retries")."""
    observed = {"OnExitCode": "" if exit_code is None else str(exit_code), "OnStatusReason": status_reason}
    for entry in evaluate_on_exit:
        conditions = {key: entry[key] for key in ("OnExitCode", "OnStatusReason", "OnReason") if key in entry}
        if all(fnmatch.fnmatchcase(observed.get(key, ""), pattern) for key, pattern in conditions.items()):
            return entry["Action"]
    return "RETRY"


@pytest.mark.parametrize("command", ["score", "finalize"])
def test_retries_interruptions_but_not_the_scorers_verdicts(batch, command):
    strategy = _job(batch, command)["RetryStrategy"]
    rules = strategy["EvaluateOnExit"]
    assert strategy["Attempts"] == 3
    assert batch_action(rules, exit_code=2) == "EXIT"  # a bad command, input or output
    assert batch_action(rules, exit_code=1) == "EXIT"  # too many failed rows, or a shard missing
    assert batch_action(rules, exit_code=143) == "RETRY"  # SIGTERM: a Fargate Spot interruption
    assert batch_action(rules, exit_code=137) == "RETRY"  # SIGKILL: out of memory, or no exit in time
    assert batch_action(rules, exit_code=None, status_reason="Host EC2 (instance i-0abc) terminated.") == "RETRY"
    assert batch_action(rules, exit_code=None, status_reason="Task failed to start") == "RETRY"


def test_each_attempt_has_a_timeout_and_logs_are_kept_a_month(batch):
    assert _job(batch, "score")["Timeout"] == {"AttemptDurationSeconds": 2 * 60 * 60}
    assert _job(batch, "finalize")["Timeout"] == {"AttemptDurationSeconds": 15 * 60}
    (log_group_id,) = batch.template.find_resources("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 30}})
    for command in ("score", "finalize"):
        options = _job(batch, command)["ContainerProperties"]["LogConfiguration"]["Options"]
        assert (options["awslogs-group"], options["awslogs-stream-prefix"]) == ({"Ref": log_group_id}, command)


def _render(value) -> str:
    """An ARN as the template builds it, in the standard partition."""
    if isinstance(value, str):
        return value
    if value == {"Ref": "AWS::Partition"}:
        return "aws"
    (separator, parts) = value["Fn::Join"]
    return separator.join(_render(part) for part in parts)


def _role_statements(synthesized, command: str) -> list[dict]:
    role_id = _job(synthesized, command)["ContainerProperties"]["JobRoleArn"]["Fn::GetAtt"][0]
    (policy,) = (
        resource["Properties"]["PolicyDocument"]
        for resource in synthesized.raw["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
    )
    assert synthesized.raw["Resources"][role_id]["Properties"].get("ManagedPolicyArns") is None
    return [{**statement, "Resource": _as_list(statement["Resource"])} for statement in policy["Statement"]]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _grants(statements: list[dict]) -> set[tuple[str, str]]:
    assert all(statement["Effect"] == "Allow" for statement in statements)
    return {
        (action, _render(resource))
        for statement in statements
        for action in _as_list(statement["Action"])
        for resource in statement["Resource"]
    }


def _allows(statements: list[dict], action: str, resource: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action, granted) and fnmatch.fnmatchcase(resource, pattern)
        for granted, pattern in _grants(statements)
    )


def _listable_prefixes(statements: list[dict]) -> dict[str, list[str]]:
    return {
        _render(statement["Resource"][0]): statement["Condition"]["StringLikeIfExists"]["s3:prefix"]
        for statement in statements
        if statement["Action"] == "s3:ListBucket"
    }


def test_the_score_role_reads_the_inputs_and_writes_the_output_only(batch):
    statements = _role_statements(batch, "score")
    readable = ["penguins-raw/scoring/in", "penguins-archive/2026", "penguins-scores/batch"]
    writes = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
    assert _grants(statements) == {
        *(("s3:GetObject", f"arn:aws:s3:::{key}{suffix}") for key in readable for suffix in ("", "/*")),
        *((action, "arn:aws:s3:::penguins-scores/batch/*") for action in writes),
        ("s3:ListBucket", "arn:aws:s3:::penguins-raw"),
        ("s3:ListBucket", "arn:aws:s3:::penguins-archive"),
        ("s3:ListBucket", "arn:aws:s3:::penguins-scores"),
    }
    assert _listable_prefixes(statements) == {
        "arn:aws:s3:::penguins-raw": ["scoring/in/*"],
        "arn:aws:s3:::penguins-archive": ["2026/*"],
        "arn:aws:s3:::penguins-scores": ["batch/*"],
    }
    assert _allows(statements, "s3:GetObject", "arn:aws:s3:::penguins-raw/scoring/in/2026/day.csv")
    assert not _allows(statements, "s3:PutObject", "arn:aws:s3:::penguins-raw/scoring/in/day.csv")
    assert not _allows(statements, "s3:DeleteObject", "arn:aws:s3:::penguins-archive/2026/day.parquet")
    assert not _allows(statements, "s3:GetObject", "arn:aws:s3:::penguins-raw/scoring/other.csv")
    assert not any(resource == "*" for _, resource in _grants(statements))


def test_the_finalize_role_touches_the_output_prefix_only(batch):
    statements = _role_statements(batch, "finalize")
    assert {resource for _, resource in _grants(statements)} == {
        "arn:aws:s3:::penguins-scores/batch",
        "arn:aws:s3:::penguins-scores/batch/*",
        "arn:aws:s3:::penguins-scores",
    }
    assert _listable_prefixes(statements) == {"arn:aws:s3:::penguins-scores": ["batch/*"]}


def test_job_roles_are_for_ecs_tasks_alone(batch):
    for command in ("score", "finalize"):
        role_id = _job(batch, command)["ContainerProperties"]["JobRoleArn"]["Fn::GetAtt"][0]
        trust = batch.raw["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
        ]


def test_outputs_are_named_by_the_contract(batch):
    batch.template.has_output(contract.OUTPUT_INPUT_PREFIXES, {"Value": ",".join(INPUTS)})
    batch.template.has_output(contract.OUTPUT_OUTPUT_PREFIX, {"Value": OUTPUT})
    batch.template.has_output(contract.OUTPUT_JOB_QUEUE, {"Value": {"Fn::GetAtt": [Match.any_value(), "JobQueueArn"]}})
    for name, command in (
        (contract.OUTPUT_SCORE_JOB_DEFINITION, "score"),
        (contract.OUTPUT_FINALIZE_JOB_DEFINITION, "finalize"),
    ):
        (job_id,) = (
            logical_id
            for logical_id, resource in batch.raw["Resources"].items()
            if resource["Type"] == "AWS::Batch::JobDefinition"
            and resource["Properties"]["ContainerProperties"]["Command"][3] == command
        )
        batch.template.has_output(name, {"Value": {"Ref": job_id}})


def test_only_the_reviewed_findings_are_acknowledged_each_with_a_reason(batch):
    acknowledged = batch.acknowledged_findings()
    assert set(acknowledged) == ACKNOWLEDGED
    assert all(len(reason.split()) >= 15 for reason in acknowledged.values())


def test_cfn_lint_passes_on_the_batch_templates(batch, production_batch):
    templates = [str(synthesized.template_file) for synthesized in (batch, production_batch)]
    result = subprocess.run([str(CFN_LINT), *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_batch_context_there_is_no_batch_stack(default_service):
    assert list(default_service.outdir.glob("PenguinsBatchScoring*")) == []
    assert [path.name for path in default_service.outdir.glob("*.template.json")] == [
        "PenguinsService-staging.template.json"
    ]


def _batch_settings(**context):
    node = cdk.App(context=context).node
    return batch_settings_from_context(node, settings_from_context(node))


def test_context_gives_the_prefixes_and_overrides_the_presets():
    settings = _batch_settings(**BATCH_CONTEXT, batchSpot="false", batchMaxVcpus="8")
    assert settings.input_prefixes == (S3Prefix("penguins-raw", "scoring/in"), S3Prefix("penguins-archive", "2026"))
    assert settings.output_prefix == S3Prefix("penguins-scores", "batch")
    assert (settings.enabled, settings.spot, settings.max_vcpus) == (True, False, 8)
    assert _batch_settings(batchInput="s3://in-bucket/a/", batchOutput="s3://out-bucket/b/c/").output_prefix == (
        S3Prefix("out-bucket", "b/c")
    )
    assert not _batch_settings().enabled


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            {"batchInput": "https://bucket/in"},
            "context batchInput: 'https://bucket/in' is not an s3://bucket/prefix URI",
        ),
        (
            {"batchInput": "s3://Penguins_Raw/in"},
            "context batchInput: 's3://Penguins_Raw/in': 'Penguins_Raw' is not a valid S3 bucket name",
        ),
        ({"batchInput": "s3://in-bucket/a,"}, "context batchInput: '' is not an s3://bucket/prefix URI"),
        (
            {"batchInput": "s3://in-bucket/data/*.csv"},
            r"wildcards \(\*, \?\) and \$\{...\} are not allowed in a prefix",
        ),
        ({"batchOutput": "s3://out-bucket"}, "context batchOutput: 's3://out-bucket': name a prefix under the bucket"),
        ({"batchOutput": "s3://out-bucket/${aws:username}"}, "are not allowed in a prefix"),
        ({"batchOutput": None}, r"needs both input prefixes \(batchInput\) and an output prefix \(batchOutput\)"),
        (
            {"batchOutput": "s3://penguins-raw/scoring/in/scores"},
            "the output prefix s3://penguins-raw/scoring/in/scores overlaps the input prefix",
        ),
        ({"batchOutput": "s3://penguins-raw/scoring"}, "overlaps the input prefix"),
        ({"batchMaxVcpus": "many"}, "context batchMaxVcpus must be a whole number of at least 1, got 'many'"),
        ({"batchMaxVcpus": "0"}, "context batchMaxVcpus must be a whole number of at least 1, got '0'"),
        ({"batchSpot": "maybe"}, "context batchSpot must be true or false, got 'maybe'"),
    ],
)
def test_bad_batch_context_is_rejected_with_the_key_named(context, message):
    full = {key: value for key, value in {**BATCH_CONTEXT, **context}.items() if value is not None}
    with pytest.raises(ValueError, match=message):
        _batch_settings(**full)


def test_the_construct_refuses_no_inputs_and_more_attempts_than_batch_allows():
    stack = cdk.Stack(cdk.App())
    vpc = ec2.Vpc(stack, "Vpc")
    common = {
        "vpc": vpc,
        "subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        "assign_public_ip": True,
        "image": ecs.ContainerImage.from_registry("model-service"),
        "git_commit": "unknown",
        "output_prefix": S3Prefix("out-bucket", "scores"),
        "spot": True,
        "max_vcpus": 4,
    }
    with pytest.raises(ValueError, match="needs at least one input prefix"):
        BatchScoring(stack, "NoInput", input_prefixes=[], **common)
    with pytest.raises(ValueError, match="AWS Batch allows 1-10 attempts, got 11"):
        BatchScoring(stack, "TooMany", input_prefixes=[S3Prefix("in-bucket", "data")], retry_attempts=11, **common)
