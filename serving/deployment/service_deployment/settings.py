from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from .https import HttpsOptions
from .release import STRATEGIES, Strategy

# Where the service runs: ECS Fargate behind a load balancer, or AWS Lambda behind a function URL.
Target = Literal["ecs", "lambda"]
TARGETS: tuple[Target, ...] = ("ecs", "lambda")


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """Everything that differs between environments; the stack turns it into constructor properties."""

    environment: str
    cpu: int = 256
    memory_limit_mib: int = 512
    # Autoscaling keeps the task count in this range; min_capacity is also the count a new service starts at.
    min_capacity: int = 1
    max_capacity: int = 2
    # Public subnets with public task IPs cost nothing; private subnets need NAT gateways (see README).
    private_subnets: bool = False
    nat_gateways: int = 1
    https: HttpsOptions = field(default_factory=HttpsOptions)
    alarm_email: str | None = None
    # An existing secret's complete ARN; otherwise the stack generates one unless generate_api_key is off.
    api_key_secret_arn: str | None = None
    generate_api_key: bool = True
    api_key_env_var: str = "MODEL_SERVICE_API_KEY"
    target: Target = "ecs"
    # AWS Lambda: 1,769 MB is the size at which a function gets one full vCPU.
    lambda_memory_mib: int = 1769
    lambda_timeout_seconds: int = 10
    # The cost guard: at most this many requests at once (one per execution environment); None for no cap.
    lambda_reserved_concurrency: int | None = 2
    # How ECS rolls a new task definition out (release.py); Lambda replaces the function at once.
    deployment: Strategy = "rolling"

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"unknown target {self.target!r}; expected one of {', '.join(TARGETS)}")
        if self.target == "lambda" and (self.https.enabled or self.private_subnets):
            # A function URL is HTTPS on its own name and runs in no VPC: these would silently do nothing.
            raise ValueError("target lambda takes no certificateArn, domainName or privateSubnets")
        if self.deployment not in STRATEGIES:
            raise ValueError(f"unknown deployment {self.deployment!r}; expected one of {', '.join(STRATEGIES)}")
        if self.target == "lambda" and self.deployment == "canary":
            # Reported from the field: the canary was dropped without a word on Lambda.
            raise ValueError("target lambda releases a new image at once: deployment=canary is for target ecs")


ENVIRONMENTS = {
    "staging": ServiceSettings(environment="staging"),
    "production": ServiceSettings(
        environment="production",
        cpu=512,
        memory_limit_mib=1024,
        min_capacity=2,
        max_capacity=6,
        lambda_reserved_concurrency=10,
        deployment="canary",
    ),
}


# S3's naming rule for general purpose buckets: 3-63 lowercase letters, digits, dots and hyphens.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# IAM reads these in a resource ARN as a wildcard or a policy variable, not as text.
_IAM_SPECIAL = ("*", "?", "${")


@dataclass(frozen=True)
class S3Prefix:
    """A bucket and a key prefix (a "folder": no leading or trailing slash, never empty)."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Prefix:
        """`s3://bucket/prefix` -> S3Prefix; raises ValueError saying what is wrong."""
        parts = urlsplit(uri.strip())
        if parts.scheme != "s3" or parts.query or parts.fragment:
            raise ValueError(f"{uri!r} is not an s3://bucket/prefix URI")
        if not _BUCKET.match(parts.netloc) or ".." in parts.netloc:
            raise ValueError(f"{uri!r}: {parts.netloc!r} is not a valid S3 bucket name")
        key = parts.path.strip("/")
        if not key:
            raise ValueError(f"{uri!r}: name a prefix under the bucket; a whole bucket is too wide a grant")
        if any(special in key for special in _IAM_SPECIAL):
            raise ValueError(f"{uri!r}: wildcards (*, ?) and ${{...}} are not allowed in a prefix")
        return cls(bucket=parts.netloc, key=key)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def overlaps(self, other: S3Prefix) -> bool:
        """True when one prefix is the other or a folder inside it."""
        if self.bucket != other.bucket:
            return False
        mine, theirs = f"{self.key}/", f"{other.key}/"
        return mine.startswith(theirs) or theirs.startswith(mine)


@dataclass(frozen=True, kw_only=True)
class BatchSettings:
    """The batch scoring stack of one environment; it exists only once prefixes are given.

    vCPUs and memory are per job (one array child, or finalize); the timeout is per attempt.
    """

    environment: str
    input_prefixes: tuple[S3Prefix, ...] = ()
    output_prefix: S3Prefix | None = None
    # Fargate Spot costs about 70 % less; an interrupted child is retried (see batch_scoring.py).
    spot: bool = True
    max_vcpus: int = 16
    # As for the service: public subnets with public task addresses unless private_subnets is set.
    private_subnets: bool = False
    nat_gateways: int = 1
    score_vcpus: float = 1
    score_memory_mib: int = 4096
    job_timeout_minutes: int = 120
    retry_attempts: int = 3

    def __post_init__(self) -> None:
        output = self.output_prefix
        if bool(self.input_prefixes) != (output is not None):
            raise ValueError("batch scoring needs both input prefixes (batchInput) and an output prefix (batchOutput)")
        if self.max_vcpus < self.score_vcpus:
            raise ValueError(f"max vCPUs must be at least one job's {self.score_vcpus:g}, got {self.max_vcpus}")
        overlapping = [prefix.uri for prefix in self.input_prefixes if output and prefix.overlaps(output)]
        if output and overlapping:
            raise ValueError(
                f"the output prefix {output.uri} overlaps the input prefix(es) {', '.join(overlapping)}: "
                f"the jobs could overwrite their input"
            )

    @property
    def enabled(self) -> bool:
        return self.output_prefix is not None


BATCH_ENVIRONMENTS = {
    "staging": BatchSettings(environment="staging"),
    # On-demand: a production run should not wait for spare Spot capacity.
    "production": BatchSettings(environment="production", spot=False, max_vcpus=64),
}
