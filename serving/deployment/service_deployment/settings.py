from dataclasses import dataclass, field

from .https import HttpsOptions


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


ENVIRONMENTS = {
    "staging": ServiceSettings(environment="staging"),
    "production": ServiceSettings(
        environment="production",
        cpu=512,
        memory_limit_mib=1024,
        min_capacity=2,
        max_capacity=6,
    ),
}
