"""How a new task definition reaches the users: the two release strategies of the Fargate service."""

from dataclasses import dataclass
from typing import Literal

Strategy = Literal["rolling", "canary"]
STRATEGIES: tuple[Strategy, ...] = ("rolling", "canary")


@dataclass(frozen=True, kw_only=True)
class Rolling:
    """New tasks start beside the old ones (100-200 %) in the one target group; the deployment circuit
    breaker rolls back tasks that fail to start or stay unhealthy, the alarms roll back the rest."""


@dataclass(frozen=True, kw_only=True)
class Canary:
    """ECS's own canary deployment (deployment strategy CANARY, no CodeDeploy).

    The new revision starts in the alternate target group. The test listener (`test_port`) reaches it
    first; with `smoke_test_timeout_minutes` set, the deployment then pauses until `ContinueServiceDeployment`
    (the deploy workflow's smoke test answers it), rolling back when nobody does in time. Then
    `percent` of production traffic moves to it for `canary_bake_minutes`, then all of it; the old
    revision keeps running for `bake_minutes` so that a rollback is instant. Any alarm rolls back at any step.
    """

    percent: float = 10.0
    canary_bake_minutes: int = 10
    bake_minutes: int = 10
    test_port: int = 9000
    smoke_test_timeout_minutes: int | None = 30

    def __post_init__(self) -> None:
        # ECS's limits: 0.1-100 % in steps of 0.1; bake times 0-1440 minutes; a pause hook 1-1440 minutes.
        if not 0.1 <= self.percent <= 100 or round(self.percent, 1) != self.percent:
            raise ValueError(f"canary percent must be 0.1-100 in steps of 0.1, got {self.percent}")
        for name, minutes in (("canary_bake_minutes", self.canary_bake_minutes), ("bake_minutes", self.bake_minutes)):
            if not 0 <= minutes <= 1440:
                raise ValueError(f"{name} must be 0-1440, got {minutes}")
        if self.smoke_test_timeout_minutes is not None and not 1 <= self.smoke_test_timeout_minutes <= 1440:
            raise ValueError(f"smoke_test_timeout_minutes must be 1-1440, got {self.smoke_test_timeout_minutes}")
        if self.test_port in (80, 443) or not 1 <= self.test_port <= 65535:
            raise ValueError(f"test_port must be a free listener port other than 80 and 443, got {self.test_port}")


Release = Rolling | Canary


def release_for(strategy: Strategy) -> Release:
    return Canary() if strategy == "canary" else Rolling()
