from dataclasses import dataclass, field
from typing import Literal

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
