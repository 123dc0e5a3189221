import json

import pytest

pytestmark = pytest.mark.slow


def test_role_arns_are_outputs_for_the_repository_variables(account):
    outputs = account.raw["Outputs"]
    roles = account.template.find_resources("AWS::IAM::Role")
    assert {outputs[name]["Value"]["Fn::GetAtt"][0] for name in ("PullRequestRoleArn", "DeployRoleArn")} == set(roles)


def test_without_a_repository_the_stack_holds_the_bucket_and_warns_instead_of_creating_roles(bucket_only):
    assert bucket_only.template.find_resources("AWS::IAM::Role") == {}
    assert bucket_only.template.find_resources("AWS::IAM::OIDCProvider") == {}
    assert bucket_only.template.find_resources("AWS::S3::Bucket")
    assert "DeployRoleArn" not in bucket_only.raw["Outputs"]
    metadata = json.loads((bucket_only.outdir / f"{bucket_only.stack_name}.metadata.json").read_text())
    warnings = [entry["data"] for entry in metadata[f"/{bucket_only.stack_name}"] if entry["type"] == "aws:cdk:warning"]
    assert any("-c githubRepository=owner/name" in warning for warning in warnings)


def test_data_sources_without_a_repository_warn_that_they_grant_nothing(synthesize_account):
    synthesized = synthesize_account({"dataSources": "s3://penguin-data/raw"})
    assert synthesized.template.find_resources("AWS::IAM::Role") == {}
    metadata = json.loads((synthesized.outdir / f"{synthesized.stack_name}.metadata.json").read_text())
    warnings = [entry["data"] for entry in metadata[f"/{synthesized.stack_name}"] if entry["type"] == "aws:cdk:warning"]
    assert any(warning.startswith("dataSources is ignored: ") for warning in warnings)
