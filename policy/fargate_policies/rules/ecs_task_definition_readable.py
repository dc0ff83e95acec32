"""ecs-task-definition-readable: container definitions that ECS (and the pack) can read."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Subject, resource_policy
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.containers import READABLE_POLICY, task_of


@resource_policy(EnforcementLevel.MANDATORY, READABLE_POLICY, rt.TASK_BEARERS)
def task_definition_readable(resource: Subject, findings: Findings) -> None:
    """Checks whether a task definition's container definitions are well formed: valid JSON,
    one object per container, each with a unique name."""
    task = task_of(resource)
    if task is None:
        return
    for problem in task.problems:
        findings.violation(problem)
    for reason in task.unknowns:
        findings.skip(reason)
