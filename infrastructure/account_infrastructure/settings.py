from dataclasses import dataclass

# The bucket .dvc/config points at; a test keeps the two equal.
DEFAULT_DVC_BUCKET = "penguins-mlops-dvc"


@dataclass(frozen=True, kw_only=True)
class AccountSettings:
    github_repository: str | None = None
    dvc_bucket_name: str = DEFAULT_DVC_BUCKET
    dvc_prefix: str = "dvc"
    deploy_environment: str = "production"
    # The `cdk bootstrap` qualifier; hnb659fds is the CLI's default.
    cdk_qualifier: str = "hnb659fds"
    github_oidc_provider_arn: str | None = None
