"""ECS, Fargate and ALB limits and defaults that both the program and the pack rely on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """An inclusive range of whole seconds (or counts) that ECS accepts for one field."""

    low: int
    high: int

    def contains(self, value: int) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low} to {self.high}"


# Container healthCheck fields in a task definition (ECS API reference, HealthCheck).
HEALTH_CHECK_BOUNDS: dict[str, Bounds] = {
    "interval": Bounds(5, 300),
    "timeout": Bounds(2, 60),
    "retries": Bounds(1, 10),
    "startPeriod": Bounds(0, 300),
}
HEALTH_CHECK_DEFAULTS: dict[str, int] = {
    "interval": 30,
    "timeout": 5,
    "retries": 3,
    "startPeriod": 0,
}

# Seconds between SIGTERM and SIGKILL for a container; Fargate caps it at 120 (default 30).
STOP_TIMEOUT_BOUNDS = Bounds(2, 120)
STOP_TIMEOUT_DEFAULT = 30

# Target group deregistration delay (seconds), ALB idle timeout (seconds).
DEREGISTRATION_DELAY_BOUNDS = Bounds(0, 3600)
DEREGISTRATION_DELAY_DEFAULT = 300
ALB_IDLE_TIMEOUT_BOUNDS = Bounds(1, 4000)
ALB_IDLE_TIMEOUT_DEFAULT = 60

# Health-check grace period for an ECS service behind a load balancer (seconds).
HEALTH_CHECK_GRACE_PERIOD_BOUNDS = Bounds(0, 2_147_483_647)

# The only retention periods (days) CloudWatch Logs accepts (PutRetentionPolicy); 0 or unset
# means "never expire", which is what a log group without a retention setting does.
CLOUDWATCH_LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
