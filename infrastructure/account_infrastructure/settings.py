import re
from collections.abc import Sequence
from dataclasses import dataclass

# The bucket .dvc/config points at; a test keeps the two equal.
DEFAULT_DVC_BUCKET = "penguins-mlops-dvc"
S3_SCHEME = "s3://"
# S3's rules for new bucket names: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each end.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class SettingsError(ValueError):
    """A CDK context value that cannot be used; the message is one line naming the key."""


@dataclass(frozen=True, kw_only=True)
class DataSource:
    """An S3 location that `dvc import-url` reads data from: a whole bucket, or one key and the keys below it."""

    bucket: str
    # Without leading or trailing slash; None for the whole bucket.
    prefix: str | None = None

    @property
    def url(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix or ''}"


@dataclass(frozen=True, kw_only=True)
class AccountSettings:
    github_repository: str | None = None
    dvc_bucket_name: str = DEFAULT_DVC_BUCKET
    dvc_prefix: str = "dvc"
    deploy_environment: str = "production"
    # The `cdk bootstrap` qualifier; hnb659fds is the CLI's default.
    cdk_qualifier: str = "hnb659fds"
    github_oidc_provider_arn: str | None = None
    # Where imported data comes from: the pull-request role may read these, and nothing else outside the DVC bucket.
    data_sources: tuple[DataSource, ...] = ()


def parse_data_sources(value: str | Sequence[str]) -> tuple[DataSource, ...]:
    """`s3://bucket/prefix,s3://other` (or a list of such URLs, as cdk.json may hold) -> data sources."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(_data_source(str(item).strip()) for item in items)


def _data_source(url: str) -> DataSource:
    expected = "expected s3://bucket or s3://bucket/prefix"
    if not url:
        raise SettingsError(f"dataSources: an entry is empty; {expected}, separated by commas")
    if not url.startswith(S3_SCHEME):
        raise SettingsError(f"dataSources: {url!r} is not an s3:// URL; {expected}")
    bucket, _, prefix = url.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise SettingsError(f"dataSources: {url!r} names no bucket; {expected}")
    if not BUCKET_NAME.fullmatch(bucket):
        raise SettingsError(f"dataSources: {url!r}: {bucket!r} is not a valid S3 bucket name")
    if "*" in prefix or "?" in prefix:
        # IAM would read them as wildcards and grant more than the prefix.
        raise SettingsError(f"dataSources: {url!r}: a prefix cannot hold * or ?")
    return DataSource(bucket=bucket, prefix=prefix.strip("/") or None)
