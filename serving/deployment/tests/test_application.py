import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

from deployment.service_deployment.application import build_app, settings_from_context
from deployment.service_deployment.https import HttpsOptions
from testkit.cdk import nag_report

pytestmark = pytest.mark.slow

DEPLOYMENT = Path(__file__).resolve().parents[1]
CFN_LINT = Path(sys.executable).parent / "cfn-lint"

# Every AwsSolutions finding we accept, where we accept it; the reasons live next to the constructs.
ACKNOWLEDGED = {
    ("Network/Vpc", "AwsSolutions-VPC7"),
    ("ApiKey", "AwsSolutions-SMG4"),
    ("Service/Task", "AwsSolutions-ECS2"),
    ("Service/Task/ExecutionRole", "AwsSolutions-IAM5[Resource::*]"),
    ("Service/Web/LB", "AwsSolutions-ELB2"),
    ("Service/Web/LB", "AwsSolutions-EC23"),
    ("Monitoring/Alarms", "AwsSolutions-SNS2"),
}


def _settings(**context):
    return settings_from_context(cdk.App(context=context).node)


def test_staging_is_the_default_environment():
    settings = _settings()
    assert (settings.environment, settings.cpu, settings.min_capacity) == ("staging", 256, 1)
    assert not settings.private_subnets
    assert settings.https == HttpsOptions()


def test_context_selects_production_and_overrides_its_network():
    settings = _settings(environment="production", privateSubnets="true", natGateways="2")
    assert (settings.environment, settings.cpu, settings.memory_limit_mib) == ("production", 512, 1024)
    assert (settings.min_capacity, settings.max_capacity) == (2, 6)
    assert (settings.private_subnets, settings.nat_gateways) == (True, 2)


def test_context_selects_lambda_and_its_concurrency_cap():
    assert _settings().target == "ecs"
    settings = _settings(target="lambda", environment="production")
    assert (settings.target, settings.lambda_memory_mib, settings.lambda_reserved_concurrency) == ("lambda", 1769, 10)
    assert _settings(target="lambda", lambdaReservedConcurrency="5").lambda_reserved_concurrency == 5
    assert _settings(target="lambda", lambdaReservedConcurrency="none").lambda_reserved_concurrency is None


def test_production_releases_canaries_by_default_and_either_environment_may_choose():
    assert (_settings().deployment, _settings(environment="production").deployment) == ("rolling", "canary")
    assert _settings(environment="production", deployment="rolling").deployment == "rolling"
    assert _settings(deployment="canary").deployment == "canary"
    # A function releases at once: production's canary preset gives way, an explicit canary is refused.
    assert _settings(environment="production", target="lambda").deployment == "rolling"


def test_context_flags_accept_booleans_from_cdk_json_and_strings_from_the_command_line():
    assert _settings(generateApiKey=False).generate_api_key is False
    assert _settings(generateApiKey="FALSE").generate_api_key is False


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"environment": "qa"}, "unknown environment 'qa'; expected one of"),
        ({"privateSubnets": "yes"}, "context privateSubnets must be true or false, got 'yes'"),
        ({"domainName": "api.example.com"}, "domain_name needs hosted_zone_id"),
        ({"target": "ec2"}, "unknown target 'ec2'; expected one of ecs, lambda"),
        ({"target": "lambda", "privateSubnets": "true"}, "target lambda takes no certificateArn"),
        ({"target": "lambda", "certificateArn": "arn:aws:acm:x"}, "target lambda takes no certificateArn"),
        ({"target": "lambda", "deployment": "canary"}, "target lambda releases a new image at once"),
        ({"lambdaReservedConcurrency": "many"}, "lambdaReservedConcurrency must be a whole number or none"),
        ({"deployment": "bluegreen"}, "unknown deployment 'bluegreen'; expected one of rolling, canary"),
    ],
)
def test_invalid_context_is_rejected(context, message):
    with pytest.raises(ValueError, match=message):
        _settings(**context)


def test_synthesis_fails_on_a_finding_that_is_not_acknowledged(tmp_path):
    app = build_app(outdir=str(tmp_path), context={"gitCommit": "unknown"}, image_directory=DEPLOYMENT.parent / "app")
    (stack,) = (child for child in app.node.children if isinstance(child, cdk.Stack))
    vpc = ec2.Vpc.from_vpc_attributes(stack, "Imported", vpc_id="vpc-12345678", availability_zones=["us-east-1a"])
    open_ssh = ec2.SecurityGroup(stack, "OpenSsh", vpc=vpc)
    open_ssh.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()

    conclusion, violations = nag_report(tmp_path)
    assert conclusion == "failure"
    assert violations == {("AwsSolutions-EC23", f"{stack.stack_name}/OpenSsh/Resource")}


def test_only_the_reviewed_findings_are_acknowledged_each_with_a_reason(default_service):
    acknowledged = default_service.acknowledged_findings()
    assert set(acknowledged) == ACKNOWLEDGED
    assert all(len(reason.split()) >= 15 for reason in acknowledged.values())


def test_no_allow_statement_grants_a_wildcard_action(default_service, https_service, domain_service):
    for synthesized in (default_service, https_service, domain_service):
        assert _wildcard_actions(synthesized.raw) == []
        assert synthesized.template.find_resources("AWS::IAM::User") == {}
        assert synthesized.template.find_resources("AWS::IAM::AccessKey") == {}


def test_cfn_lint_passes_on_every_synthesized_template(default_service, https_service, domain_service):
    templates = [str(synthesized.template_file) for synthesized in (default_service, https_service, domain_service)]
    result = subprocess.run([str(CFN_LINT), *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def app_py(outdir, *context: str) -> subprocess.CompletedProcess[str]:
    """`python app.py -c ...` as the CDK CLI runs it, writing into `outdir`."""
    return subprocess.run(
        [sys.executable, "app.py", *(arg for pair in context for arg in ("-c", pair))],
        cwd=DEPLOYMENT,
        env={**os.environ, "CDK_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_app_py_synthesizes_the_environment_given_on_its_command_line(tmp_path):
    result = app_py(tmp_path, "environment=production", "gitCommit=abc123")
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "PenguinsService-production.template.json").read_text())
    (task_definition,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition")
    (container,) = task_definition["Properties"]["ContainerDefinitions"]
    assert container["DockerLabels"] == {"org.opencontainers.image.revision": "abc123"}


def test_app_py_synthesizes_the_lambda_target_given_on_its_command_line(tmp_path):
    result = app_py(tmp_path, "target=lambda", "gitCommit=abc123")
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "PenguinsService-staging.template.json").read_text())
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::Url"} <= types
    assert "AWS::ECS::Service" not in types


def _wildcard_actions(template: dict) -> list[str]:
    found = []
    for logical_id, resource in template["Resources"].items():
        for statement in _statements(resource.get("Properties", {})):
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if statement["Effect"] == "Allow":
                found += [f"{logical_id}: {action}" for action in actions if "*" in action]
    return found


def _statements(value):
    if isinstance(value, dict):
        if "Statement" in value:
            yield from value["Statement"]
        for child in value.values():
            yield from _statements(child)
    elif isinstance(value, list):
        for child in value:
            yield from _statements(child)


def test_app_py_stops_on_bad_context_with_one_line_not_a_traceback(tmp_path):
    # Reported from the field: an output prefix inside an input prefix ended in a ValueError traceback.
    result = app_py(tmp_path, "batchInput=s3://my-data/tables", "batchOutput=s3://my-data/tables/out")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ")
    assert "overlaps" in result.stderr.splitlines()[-1]
    assert not list(tmp_path.glob("*.template.json"))
