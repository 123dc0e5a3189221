import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct


class DvcBucket(Construct):
    """The DVC remote: versioned, encrypted, private, TLS-only, and kept when the stack is deleted."""

    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket_name = bucket_name
        self.prefix = prefix.strip("/")
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            lifecycle_rules=[
                # DVC objects are content-addressed and never overwritten: old versions only come from
                # deletions (`dvc gc`), so keep them long enough to undo a mistake, then stop paying.
                s3.LifecycleRule(
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
        )
        cdk.Validations.of(self.bucket).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "Only the two GitHub OIDC roles and account administrators reach this bucket; "
                    "their sessions are attributable through CloudTrail, and S3 data events can be "
                    "enabled there if per-object audit is ever needed, without a second log bucket."
                ),
            )
        )

    @property
    def remote_url(self) -> str:
        return f"s3://{self.bucket_name}/{self.prefix}"
