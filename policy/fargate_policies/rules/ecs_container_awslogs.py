"""Container logs reach CloudWatch: a log driver the platform collects, with its options set."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, container_policy
from fargate_policies.readers.containers import Container, Task
from fargate_policies.readers.values import describe, is_unknown

AWSLOGS = "awslogs"
# What the awslogs driver cannot work without (awslogs-stream-prefix is required on Fargate).
AWSLOGS_OPTIONS = ("awslogs-group", "awslogs-region", "awslogs-stream-prefix")
_FIX = (
    "set logConfiguration to {logDriver: 'awslogs', options: {awslogs-group, awslogs-region, "
    "awslogs-stream-prefix}}"
)
_KNOBS = {
    "allowedLogDrivers": Knob(
        "array", [AWSLOGS], "Log drivers containers may use (e.g. add 'awsfirelens')."
    )
}


@container_policy(EnforcementLevel.ADVISORY, "ecs-container-awslogs", _KNOBS)
def container_awslogs(
    container: Container, task: Task, knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every container sends its logs to CloudWatch (the awslogs driver with
    group, region and stream prefix) or another allowed log driver."""
    config = container.get("logConfiguration")
    driver = config.get("logDriver") if isinstance(config, dict) else None
    allowed = knobs["allowedLogDrivers"]
    if is_unknown(config) or is_unknown(driver):
        findings.skip(container.not_known("logConfiguration"))
    elif config is None:
        if not task.awsx_default_logs:  # awsx adds awslogs to its own log group by default
            findings.violation(f"{container.subject} must configure logs: {_FIX}.")
    elif driver not in allowed:
        findings.violation(
            f"{container.subject} must send logs with one of the log drivers "
            f"{', '.join(allowed)}, not {describe(driver)}: {_FIX}."
        )
    elif driver == AWSLOGS:
        _check_awslogs_options(container, config.get("options"), findings)


def _check_awslogs_options(container: Container, options: Any, findings: Findings) -> None:
    if is_unknown(options):
        findings.skip(container.not_known("logConfiguration.options"))
        return
    options = options if isinstance(options, dict) else {}
    missing = [key for key in AWSLOGS_OPTIONS if not options.get(key)]
    if missing:
        findings.violation(
            f"{container.subject} must set the awslogs options {', '.join(missing)}: {_FIX}."
        )
