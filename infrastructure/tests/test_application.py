import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from infrastructure.account_infrastructure.application import STACK_NAME, build_app, settings_from_context
from infrastructure.account_infrastructure.settings import AccountSettings, DataSource, SettingsError
from testkit.cdk import nag_report

pytestmark = pytest.mark.slow

INFRASTRUCTURE = Path(__file__).resolve().parents[1]
CFN_LINT = Path(sys.executable).parent / "cfn-lint"

# Every AwsSolutions finding we accept, where we accept it; the reasons live next to the constructs.
DVC_OBJECTS = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::penguins-mlops-dvc/dvc/*]"
BOOTSTRAP_ROLES = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-*]"
SERVICE_SECRETS = (
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:"
    "secret:penguins-service/*]"
)
# The deploy job's canary gate reaches the service stacks' ECS services, named after the stack.
_ACCOUNT = "<AWS::Partition>:{}:<AWS::Region>:<AWS::AccountId>"
CANARY_GATE = (
    f"arn:{_ACCOUNT.format('cloudformation')}:stack/PenguinsService-*/*",
    f"arn:{_ACCOUNT.format('ecs')}:service/PenguinsService-*/PenguinsService-*",
    f"arn:{_ACCOUNT.format('ecs')}:service-deployment/PenguinsService-*/PenguinsService-*/*",
)
ACKNOWLEDGED = {
    ("Dvc/Bucket", "AwsSolutions-S1"),
    ("GithubActions/PullRequestRole", DVC_OBJECTS),
    ("GithubActions/DeployRole", DVC_OBJECTS),
    ("GithubActions/DeployRole", BOOTSTRAP_ROLES),
    ("GithubActions/DeployRole", SERVICE_SECRETS),
    *(("GithubActions/DeployRole", f"AwsSolutions-IAM5[Resource::{arn}]") for arn in CANARY_GATE),
}


def test_defaults_without_context():
    assert settings_from_context(cdk.App().node) == AccountSettings()


def test_context_sets_every_setting():
    context = {
        "githubRepository": "penguin-labs/penguins-mlops",
        "dvcBucketName": "other-bucket",
        "dvcPrefix": "cache",
        "deployEnvironment": "release",
        "cdkQualifier": "abc123",
        "githubOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        "dataSources": "s3://penguin-data/raw,s3://public-datasets",
    }
    assert settings_from_context(cdk.App(context=context).node) == AccountSettings(
        github_repository="penguin-labs/penguins-mlops",
        dvc_bucket_name="other-bucket",
        dvc_prefix="cache",
        deploy_environment="release",
        cdk_qualifier="abc123",
        github_oidc_provider_arn=context["githubOidcProviderArn"],
        data_sources=(DataSource(bucket="penguin-data", prefix="raw"), DataSource(bucket="public-datasets")),
    )


@pytest.mark.parametrize("value", ["", []])
def test_empty_data_sources_grant_nothing(value):
    assert settings_from_context(cdk.App(context={"dataSources": value}).node).data_sources == ()


def test_an_invalid_data_source_stops_synthesis_with_one_line(tmp_path):
    with pytest.raises(SettingsError, match=r"^dataSources: 'http://penguin-data/raw' is not an s3:// URL; "):
        build_app(outdir=str(tmp_path), context={"githubRepository": "a/b", "dataSources": "http://penguin-data/raw"})
    result = subprocess.run(
        [sys.executable, "app.py", "-c", "githubRepository=penguin-labs/penguins-mlops", "-c", "dataSources=s3://"],
        cwd=INFRASTRUCTURE,
        env={**os.environ, "CDK_OUTDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: dataSources: 's3://' names no bucket; expected s3://bucket or s3://bucket/prefix"
    )
    assert not (tmp_path / f"{STACK_NAME}.template.json").exists()


def test_synthesis_fails_on_a_finding_that_is_not_acknowledged(tmp_path):
    app = build_app(outdir=str(tmp_path), context={"githubRepository": "penguin-labs/penguins-mlops"})
    stack = app.node.find_child(STACK_NAME)
    s3.Bucket(stack, "Unreviewed", enforce_ssl=True)

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()

    conclusion, violations = nag_report(tmp_path)
    assert conclusion == "failure"
    assert violations == {("AwsSolutions-S1", f"{STACK_NAME}/Unreviewed/Resource")}


def test_only_the_reviewed_findings_are_acknowledged_each_with_a_reason(account):
    acknowledged = account.acknowledged_findings()
    assert set(acknowledged) == ACKNOWLEDGED
    assert all(len(reason.split()) >= 15 for reason in acknowledged.values())


def test_no_allow_statement_grants_a_wildcard_action(account):
    found = []
    for logical_id, resource in account.raw["Resources"].items():
        for statement in _statements(resource.get("Properties", {})):
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if statement["Effect"] == "Allow":
                found += [f"{logical_id}: {action}" for action in actions if "*" in action]
    assert found == []


def test_each_data_source_wildcard_is_acknowledged_on_the_pull_request_role_only(with_data_sources):
    acknowledged = with_data_sources.acknowledged_findings()
    data_sources = {
        ("GithubActions/PullRequestRole", f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{objects}]")
        for objects in ("penguin-data/raw/houses/*", "penguin-data/extra/*", "public-datasets/*")
    }
    assert set(acknowledged) == ACKNOWLEDGED | data_sources
    assert all("s3:GetObject" in acknowledged[finding] for finding in data_sources)


def test_cfn_lint_passes_on_every_synthesized_template(account, bucket_only, with_data_sources):
    templates = [str(account.template_file), str(bucket_only.template_file), str(with_data_sources.template_file)]
    result = subprocess.run([str(CFN_LINT), *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_app_py_passes_its_command_line_context(tmp_path):
    result = subprocess.run(
        [sys.executable, "app.py", "-c", "githubRepository=penguin-labs/penguins-mlops", "-c", "dvcPrefix=cache"],
        cwd=INFRASTRUCTURE,
        env={**os.environ, "CDK_OUTDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / f"{STACK_NAME}.template.json").read_text())
    assert template["Outputs"]["DvcRemoteUrl"]["Value"] == "s3://penguins-mlops-dvc/cache"
    assert {"PullRequestRoleArn", "DeployRoleArn"} <= set(template["Outputs"])


def _statements(value):
    if isinstance(value, dict):
        if "Statement" in value:
            yield from value["Statement"]
        for child in value.values():
            yield from _statements(child)
    elif isinstance(value, list):
        for child in value:
            yield from _statements(child)
