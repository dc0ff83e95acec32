"""Containers never run privileged (the mission's first rule, with ecs-container-non-root)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, container_policy, expect
from fargate_policies.readers.containers import Container, Task


@container_policy(EnforcementLevel.MANDATORY, "ecs-container-not-privileged")
def container_not_privileged(
    container: Container, _task: Task, _knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every container runs unprivileged."""
    expect(
        findings,
        container.get("privileged"),
        lambda privileged: privileged in (None, False),
        unknown=container.not_known("privileged"),
        violation=f"{container.subject} must not be privileged (privileged {{shown}}): "
        "remove privileged or set it to false.",
    )
