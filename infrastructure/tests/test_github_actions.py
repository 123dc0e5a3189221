import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Capture, Match

from infrastructure.account_infrastructure.dvc_bucket import DvcBucket
from infrastructure.account_infrastructure.github_actions import GithubActionsAccess

pytestmark = pytest.mark.slow

ISSUER = "token.actions.githubusercontent.com"
REPOSITORY = "penguin-labs/penguins-mlops"
DVC_OBJECTS = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::penguins-mlops-dvc/dvc/*"]]}
DVC_BUCKET = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::penguins-mlops-dvc"]]}


def _role(synthesized, subject: str) -> dict:
    """The one role whose trust policy accepts exactly this GitHub token subject."""
    roles = synthesized.template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {"Condition": {"StringEquals": Match.object_like({f"{ISSUER}:sub": subject})}}
                        )
                    ]
                }
            }
        },
    )
    (role,) = roles.values()
    return dict(role["Properties"])


def _policies(role: dict) -> dict[str, list[dict]]:
    return {policy["PolicyName"]: policy["PolicyDocument"]["Statement"] for policy in role["Policies"]}


def test_github_oidc_provider_accepts_sts_audience(account):
    account.template.has_resource_properties(
        "AWS::IAM::OIDCProvider", {"Url": f"https://{ISSUER}", "ClientIdList": ["sts.amazonaws.com"]}
    )


@pytest.mark.parametrize("subject", [f"repo:{REPOSITORY}:pull_request", f"repo:{REPOSITORY}:environment:production"])
def test_each_role_trusts_only_this_repository_through_the_oidc_provider(account, subject):
    provider = Capture()
    account.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Effect": "Allow",
                        "Principal": {"Federated": {"Ref": provider}},
                        # StringEquals, not StringLike: no wildcard can widen the subject.
                        "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": subject}},
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )
    assert provider.as_string() in account.template.find_resources("AWS::IAM::OIDCProvider")


def test_pull_request_role_reads_and_writes_only_the_dvc_prefix(account):
    role = _role(account, f"repo:{REPOSITORY}:pull_request")
    assert _policies(role) == {
        "DvcReadWrite": [
            {
                "Action": "s3:ListBucket",
                "Condition": {"StringLike": {"s3:prefix": ["dvc", "dvc/*"]}},
                "Effect": "Allow",
                "Resource": DVC_BUCKET,
            },
            {
                "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                "Effect": "Allow",
                "Resource": DVC_OBJECTS,
            },
        ]
    }


def _arn(resource: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{resource}"]]}


def test_pull_request_role_may_only_read_and_list_the_data_sources(with_data_sources):
    role = _role(with_data_sources, f"repo:{REPOSITORY}:pull_request")
    assert (
        role["Description"]
        == f"GitHub Actions pull-request jobs of {REPOSITORY}: DVC remote read/write, data sources read"
    )
    assert _policies(role)["DataSourcesRead"] == [
        {
            # Listing only within the prefixes: both prefixes of penguin-data in one statement.
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": ["raw/houses", "raw/houses/*", "extra", "extra/*"]}},
            "Effect": "Allow",
            "Resource": _arn("penguin-data"),
        },
        {
            # s3://public-datasets is a whole bucket: no prefix to hold the listing to.
            "Action": "s3:ListBucket",
            "Effect": "Allow",
            "Resource": _arn("public-datasets"),
        },
        {
            # A prefix is a key when one file is imported, or has keys below it when a folder is.
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": [
                _arn("penguin-data/raw/houses"),
                _arn("penguin-data/raw/houses/*"),
                _arn("penguin-data/extra"),
                _arn("penguin-data/extra/*"),
                _arn("public-datasets/*"),
            ],
        },
    ]
    assert set(_policies(role)) == {"DvcReadWrite", "DataSourcesRead"}


def test_the_deploy_role_gets_no_data_source(with_data_sources):
    role = _role(with_data_sources, f"repo:{REPOSITORY}:environment:production")
    assert set(_policies(role)) == {"CdkDeploy", "DvcRead", "SmokeTestApiKey", "CanaryGate"}


def test_without_data_sources_the_pull_request_role_reads_only_the_dvc_remote(account):
    role = _role(account, f"repo:{REPOSITORY}:pull_request")
    assert set(_policies(role)) == {"DvcReadWrite"}
    assert role["Description"] == f"GitHub Actions pull-request jobs of {REPOSITORY}: DVC remote read/write"


def test_deploy_role_assumes_only_the_cdk_bootstrap_roles_and_reads_dvc(account):
    role = _role(account, f"repo:{REPOSITORY}:environment:production")
    policies = _policies(role)
    assert policies["CdkDeploy"] == [
        {
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/cdk-hnb659fds-*"],
                ]
            },
        }
    ]
    read_actions = {
        statement["Action"] if isinstance(statement["Action"], str) else tuple(statement["Action"])
        for statement in policies["DvcRead"]
    }
    assert read_actions == {"s3:ListBucket", "s3:GetObject"}
    assert set(policies) == {"CdkDeploy", "DvcRead", "SmokeTestApiKey", "CanaryGate"}


def test_deploy_role_may_only_read_the_service_api_key_secrets(account):
    from deployment.service_deployment.stack import API_KEY_SECRET_PREFIX
    from infrastructure.account_infrastructure.github_actions import SERVICE_SECRET_PREFIX

    assert SERVICE_SECRET_PREFIX == API_KEY_SECRET_PREFIX
    (statement,) = _policies(_role(account, f"repo:{REPOSITORY}:environment:production"))["SmokeTestApiKey"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Resource"]["Fn::Join"][1][-1] == f":secret:{SERVICE_SECRET_PREFIX}*"
    pull_request = _policies(_role(account, f"repo:{REPOSITORY}:pull_request"))
    assert "SmokeTestApiKey" not in pull_request


def test_deploy_role_may_only_find_continue_or_roll_back_the_service_deployments(account):
    from deployment.service_deployment.application import STACK_PREFIX
    from infrastructure.account_infrastructure.github_actions import SERVICE_STACK_PREFIX

    assert SERVICE_STACK_PREFIX == STACK_PREFIX
    statements = _policies(_role(account, f"repo:{REPOSITORY}:environment:production"))["CanaryGate"]
    granted = {
        (statement["Action"] if isinstance(statement["Action"], str) else tuple(statement["Action"])): statement[
            "Resource"
        ]["Fn::Join"][1][-1]
        for statement in statements
    }
    services = f"{SERVICE_STACK_PREFIX}*/{SERVICE_STACK_PREFIX}*"
    assert granted == {
        "cloudformation:DescribeStacks": f":stack/{SERVICE_STACK_PREFIX}*/*",
        "ecs:ListServiceDeployments": f":service/{services}",
        ("ecs:DescribeServiceDeployments", "ecs:ContinueServiceDeployment"): f":service-deployment/{services}/*",
    }
    assert "CanaryGate" not in _policies(_role(account, f"repo:{REPOSITORY}:pull_request"))


def test_deploy_environment_and_bootstrap_qualifier_come_from_context(synthesize_account):
    other = synthesize_account(
        {"githubRepository": REPOSITORY, "deployEnvironment": "release", "cdkQualifier": "penguins1"}
    )
    role = _role(other, f"repo:{REPOSITORY}:environment:release")
    (statement,) = _policies(role)["CdkDeploy"]
    assert statement["Resource"]["Fn::Join"][1][-1] == ":role/cdk-penguins1-*"


def test_an_existing_oidc_provider_is_reused_not_created(synthesize_account):
    arn = f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"
    other = synthesize_account({"githubRepository": REPOSITORY, "githubOidcProviderArn": arn})
    assert other.template.find_resources("AWS::IAM::OIDCProvider") == {}
    role = _role(other, f"repo:{REPOSITORY}:pull_request")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Federated": arn}


def test_no_iam_users_or_access_keys(account):
    assert account.template.find_resources("AWS::IAM::User") == {}
    assert account.template.find_resources("AWS::IAM::AccessKey") == {}


@pytest.mark.parametrize("repository", ["penguins-mlops", "penguin-labs/", "a/b/c", "/penguins-mlops"])
def test_repository_must_be_owner_slash_name(repository):
    stack = cdk.Stack(cdk.App())
    dvc = DvcBucket(stack, "Dvc", bucket_name="penguins-mlops-dvc", prefix="dvc")
    with pytest.raises(ValueError, match="repository must be owner/name"):
        GithubActionsAccess(stack, "GithubActions", repository=repository, dvc=dvc)
