import aws_cdk as cdk
from constructs import Construct

from .dvc_bucket import DvcBucket
from .github_actions import GithubActionsAccess
from .settings import AccountSettings


class AccountInfrastructureStack(cdk.Stack):
    """Created once per AWS account: the DVC remote and GitHub Actions' OIDC access.

    Without a GitHub repository the stack holds the bucket only: roles that trust no repository
    would be useless, and a guessed one would be a hole.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: AccountSettings) -> None:
        super().__init__(scope, construct_id, description="Penguins MLOps: DVC remote and GitHub Actions OIDC roles")
        dvc = DvcBucket(self, "Dvc", bucket_name=settings.dvc_bucket_name, prefix=settings.dvc_prefix)
        cdk.CfnOutput(self, "DvcBucketName", value=dvc.bucket.bucket_name, description="The bucket in .dvc/config")
        cdk.CfnOutput(self, "DvcRemoteUrl", value=dvc.remote_url, description="url of the DVC remote")
        if settings.github_repository is None:
            cdk.Annotations.of(self).add_warning_v2(
                "penguins:no-github-repository",
                "No GitHub Actions roles: set -c githubRepository=owner/name to create them.",
            )
            if settings.data_sources:
                cdk.Annotations.of(self).add_warning_v2(
                    "penguins:unused-data-sources",
                    "dataSources is ignored: it grants the pull-request role, which needs -c githubRepository.",
                )
            return
        github = GithubActionsAccess(
            self,
            "GithubActions",
            repository=settings.github_repository,
            dvc=dvc,
            deploy_environment=settings.deploy_environment,
            cdk_qualifier=settings.cdk_qualifier,
            existing_provider_arn=settings.github_oidc_provider_arn,
            data_sources=settings.data_sources,
        )
        cdk.CfnOutput(self, "PullRequestRoleArn", value=github.pull_request_role.role_arn)
        cdk.CfnOutput(self, "DeployRoleArn", value=github.deploy_role.role_arn)
