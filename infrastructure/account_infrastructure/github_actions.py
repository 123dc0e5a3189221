from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from .dvc_bucket import DvcBucket
from .settings import DataSource

GITHUB_OIDC_ISSUER = "token.actions.githubusercontent.com"
# The service stack names its generated API key secrets under this prefix (service_deployment/stack.py).
SERVICE_SECRET_PREFIX = "penguins-service/"  # noqa: S105 - a name prefix, not a secret
# The service's stacks, and so its ECS clusters and services (CloudFormation names them after the stack).
SERVICE_STACK_PREFIX = "PenguinsService-"
STS_AUDIENCE = "sts.amazonaws.com"


class GithubActionsAccess(Construct):
    """GitHub Actions reaches AWS through OIDC only: one role for pull-request jobs, one for deploying.

    Each trust policy pins the token's audience and its `sub` claim to this repository, so no other
    repository, branch or event can assume the roles. The pull-request role, which trains, may also read
    `data_sources`: the S3 locations that `dvc import-url` fetches data from.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        dvc: DvcBucket,
        deploy_environment: str = "production",
        cdk_qualifier: str = "hnb659fds",
        existing_provider_arn: str | None = None,
        data_sources: Sequence[DataSource] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"repository must be owner/name, got {repository!r}")
        # An account holds one provider per issuer URL: reuse it when another stack created it already.
        self.provider_arn = existing_provider_arn or self._create_provider()
        self.pull_request_role = iam.Role(
            self,
            "PullRequestRole",
            description=f"GitHub Actions pull-request jobs of {repository}: DVC remote read/write"
            + (", data sources read" if data_sources else ""),
            assumed_by=self._github_principal(f"repo:{repository}:pull_request"),
            inline_policies={
                "DvcReadWrite": _dvc_policy(dvc, write=True),
                **({"DataSourcesRead": _data_sources_policy(data_sources)} if data_sources else {}),
            },
        )
        self.deploy_role = iam.Role(
            self,
            "DeployRole",
            description=f"GitHub Actions deploy job of {repository} in environment {deploy_environment}: CDK deploy",
            assumed_by=self._github_principal(f"repo:{repository}:environment:{deploy_environment}"),
            inline_policies={
                "DvcRead": _dvc_policy(dvc, write=False),
                "CdkDeploy": _cdk_bootstrap_policy(cdk_qualifier),
                "SmokeTestApiKey": _service_secret_policy(),
                "CanaryGate": _canary_gate_policy(),
            },
        )
        self._acknowledge_findings(dvc, cdk_qualifier)
        self._acknowledge_canary_gate()
        self._acknowledge_data_sources(data_sources)

    def _create_provider(self) -> str:
        provider = iam.OidcProviderNative(
            self, "Provider", url=f"https://{GITHUB_OIDC_ISSUER}", client_ids=[STS_AUDIENCE]
        )
        return provider.oidc_provider_arn

    def _github_principal(self, subject: str) -> iam.IPrincipal:
        return iam.WebIdentityPrincipal(
            self.provider_arn,
            conditions={
                "StringEquals": {
                    f"{GITHUB_OIDC_ISSUER}:aud": STS_AUDIENCE,
                    f"{GITHUB_OIDC_ISSUER}:sub": subject,
                }
            },
        )

    def _acknowledge_findings(self, dvc: DvcBucket, cdk_qualifier: str) -> None:
        objects = f"Resource::arn:<AWS::Partition>:s3:::{dvc.bucket_name}/{dvc.prefix}/*"
        reason = (
            f"Scoped to the DVC prefix '{dvc.prefix}/' of the DVC bucket: DVC names objects by content "
            "hash, so they cannot be listed individually."
        )
        for role in (self.pull_request_role, self.deploy_role):
            cdk.Validations.of(role).acknowledge(cdk.Acknowledgment(id=f"AwsSolutions-IAM5[{objects}]", reason=reason))
        secrets = (
            "Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:"
            f"secret:{SERVICE_SECRET_PREFIX}*"
        )
        cdk.Validations.of(self.deploy_role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[{secrets}]",
                reason=(
                    "Read-only access to the service's API key secrets, whose names Secrets Manager "
                    "suffixes with random characters, so that the deploy job's smoke test can call the service."
                ),
            )
        )
        bootstrap_roles = f"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-{cdk_qualifier}-*"
        cdk.Validations.of(self.deploy_role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[{bootstrap_roles}]",
                reason=(
                    "The CDK CLI deploys by assuming the bootstrap roles of this account (deploy, "
                    "file and image publishing, lookup), whose names end in the region."
                ),
            )
        )

    def _acknowledge_canary_gate(self) -> None:
        prefix = "Resource::arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:"
        services = f"{SERVICE_STACK_PREFIX}*/{SERVICE_STACK_PREFIX}*"
        reason = (
            "CloudFormation names the service's stacks, ECS clusters, services and deployments after the stack "
            f"with random suffixes: the canary gate reaches only those under the {SERVICE_STACK_PREFIX} prefix."
        )
        for resource in (
            prefix.format(service="cloudformation") + f"stack/{SERVICE_STACK_PREFIX}*/*",
            prefix.format(service="ecs") + f"service/{services}",
            prefix.format(service="ecs") + f"service-deployment/{services}/*",
        ):
            cdk.Validations.of(self.deploy_role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions-IAM5[{resource}]", reason=reason)
            )

    def _acknowledge_data_sources(self, sources: Sequence[DataSource]) -> None:
        for bucket, prefixes in _by_bucket(sources).items():
            for prefix in prefixes or (None,):
                where = f"s3://{bucket}/{prefix}/" if prefix else f"s3://{bucket}"
                wildcard = f"{bucket}/{prefix}/*" if prefix else f"{bucket}/*"
                cdk.Validations.of(self.pull_request_role).acknowledge(
                    cdk.Acknowledgment(
                        id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{wildcard}]",
                        reason=(
                            f"Read-only (s3:GetObject) below the data source {where}, set by the dataSources "
                            "context, so that pull-request jobs can fetch what `dvc import-url` imported from there; "
                            "a data set is a folder of files whose names are not known in advance."
                        ),
                    )
                )


def _bucket_arn(dvc: DvcBucket) -> str:
    # Built from the literal name (not the bucket's GetAtt) so the policy reads like the bucket it names.
    return _s3_arn(dvc.bucket_name)


def _s3_arn(bucket: str, key: str | None = None) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def _by_bucket(sources: Sequence[DataSource]) -> dict[str, tuple[str, ...]]:
    """bucket -> its prefixes, in the order given; () for a whole bucket, which no prefix can widen."""
    grouped: dict[str, tuple[str, ...]] = {}
    for source in sources:
        known = grouped.get(source.bucket)
        if source.prefix is None or known == ():
            grouped[source.bucket] = ()
        elif source.prefix not in (known or ()):
            grouped[source.bucket] = (*(known or ()), source.prefix)
    return grouped


def _data_sources_policy(sources: Sequence[DataSource]) -> iam.PolicyDocument:
    """Read-only access to the data sources: list each bucket within its prefixes, get the objects under them."""
    grouped = _by_bucket(sources)
    statements = [
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[_s3_arn(bucket)],
            conditions={"StringLike": {"s3:prefix": [p for prefix in prefixes for p in (prefix, f"{prefix}/*")]}}
            if prefixes
            else None,
        )
        for bucket, prefixes in grouped.items()
    ]
    # A prefix is itself a key when one file was imported, and has keys below it when a folder was.
    objects = [
        _s3_arn(bucket, key)
        for bucket, prefixes in grouped.items()
        for key in ([k for prefix in prefixes for k in (prefix, f"{prefix}/*")] if prefixes else ["*"])
    ]
    statements.append(iam.PolicyStatement(actions=["s3:GetObject"], resources=objects))
    return iam.PolicyDocument(statements=statements)


def _dvc_policy(dvc: DvcBucket, *, write: bool) -> iam.PolicyDocument:
    object_actions = ["s3:GetObject"]
    if write:
        object_actions += ["s3:PutObject", "s3:AbortMultipartUpload"]
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[_bucket_arn(dvc)],
                conditions={"StringLike": {"s3:prefix": [dvc.prefix, f"{dvc.prefix}/*"]}},
            ),
            iam.PolicyStatement(actions=object_actions, resources=[f"{_bucket_arn(dvc)}/{dvc.prefix}/*"]),
        ]
    )


def _service_secret_policy() -> iam.PolicyDocument:
    """The deploy job's smoke test reads the service's API key: only that secret, only reading."""
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[_service_secret_arn()],
            )
        ]
    )


def _canary_gate_policy() -> iam.PolicyDocument:
    """The deploy job's canary gate (cicd/canary_gate.py): find the service in the stack's outputs, find its
    deployment paused for the smoke test, and continue or roll it back. Nothing else in ECS."""
    services = f"{SERVICE_STACK_PREFIX}*/{SERVICE_STACK_PREFIX}*"
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                actions=["cloudformation:DescribeStacks"],
                resources=[_arn("cloudformation", f"stack/{SERVICE_STACK_PREFIX}*/*")],
            ),
            iam.PolicyStatement(actions=["ecs:ListServiceDeployments"], resources=[_arn("ecs", f"service/{services}")]),
            iam.PolicyStatement(
                actions=["ecs:DescribeServiceDeployments", "ecs:ContinueServiceDeployment"],
                resources=[_arn("ecs", f"service-deployment/{services}/*")],
            ),
        ]
    )


def _arn(service: str, resource: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:{service}:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:{resource}"


def _service_secret_arn() -> str:
    # Secrets Manager appends six random characters to a secret's ARN, hence the trailing wildcard.
    return (
        f"arn:{cdk.Aws.PARTITION}:secretsmanager:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:secret:{SERVICE_SECRET_PREFIX}*"
    )


def _cdk_bootstrap_policy(qualifier: str) -> iam.PolicyDocument:
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                # TagSession: the CLI may pass session tags, which the bootstrap roles' trust allows.
                actions=["sts:AssumeRole", "sts:TagSession"],
                resources=[f"arn:{cdk.Aws.PARTITION}:iam::{cdk.Aws.ACCOUNT_ID}:role/cdk-{qualifier}-*"],
            )
        ]
    )
