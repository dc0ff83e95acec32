"""What the rehearsal takes from the stack: the resources the Pulumi program registers for it.

The program runs under Pulumi's mocks (testkit.program_capture: the real __main__.py and
infra/, config from Pulumi.yaml and Pulumi.<stack>.yaml, validated by infra/settings.py), and
the rehearsal reads the target group, the load balancer, the ECS service and the task
definition's container exactly as the engine would send them to AWS. Nothing here restates a
value: change a stack file or infra/ and the rehearsal follows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from testkit.program_capture import CapturedStack, capture_stack

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"


class StackPlanError(RuntimeError):
    """The stack cannot be rehearsed: its config fails validation, or it lacks a part."""


@dataclass(frozen=True)
class HealthCheck:
    """The target group's health check (aws.lb.TargetGroup health_check)."""

    path: str
    matcher: str
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int


@dataclass(frozen=True)
class Container:
    """The task definition's one container, as ECS would start it."""

    name: str
    user: str
    environment: tuple[tuple[str, str], ...]
    secrets: tuple[str, ...]
    """Names only: ECS resolves them from SSM or Secrets Manager at start; offline it cannot."""
    command: tuple[str, ...] | None
    """None: the image's CMD (the program sets no command)."""
    stop_timeout: int
    readonly_root: bool
    writable_paths: tuple[str, ...]
    """Container paths of the task's writable volumes (mountPoints with readOnly false)."""
    container_port: int


@dataclass(frozen=True)
class StackPlan:
    """Everything the rehearsal configures from the stack, and where each value came from."""

    stack: str
    health_check: HealthCheck
    deregistration_delay: int
    idle_timeout: int
    container: Container
    minimum_healthy_percent: int
    maximum_percent: int
    desired_count: int

    def as_json(self) -> dict[str, Any]:
        container = self.container
        return {
            "stack": self.stack,
            "source": "the program's resources for this stack (infra/ under Pulumi mocks)",
            "target_group": {
                "health_check": vars(self.health_check),
                "deregistration_delay": self.deregistration_delay,
            },
            "load_balancer": {"idle_timeout": self.idle_timeout},
            "ecs_service": {
                "deployment_minimum_healthy_percent": self.minimum_healthy_percent,
                "deployment_maximum_percent": self.maximum_percent,
                "desired_count": self.desired_count,
            },
            "container": {
                "user": container.user,
                "environment": dict(container.environment),
                "secrets_not_set": list(container.secrets),
                "command": list(container.command) if container.command else None,
                "stop_timeout": container.stop_timeout,
                "readonly_root_filesystem": container.readonly_root,
                "writable_paths": list(container.writable_paths),
            },
        }


def load_plan(stack: str) -> StackPlan:
    """The plan for `stack`, or StackPlanError naming what is wrong."""
    # A preview, as scripts/offline-preview.sh runs it: a real `up` refuses the placeholder
    # account and ARNs the stack files carry, before registering anything.
    captured = capture_stack(stack, preview=True)
    if captured.error is not None:
        raise StackPlanError(f"stack '{stack}' cannot be rehearsed:\n{captured.error}")
    return plan_from(captured)


def plan_from(captured: CapturedStack) -> StackPlan:
    target_group = _one(captured, TARGET_GROUP).inputs
    check = target_group["healthCheck"]
    service = _one(captured, ECS_SERVICE).inputs
    return StackPlan(
        stack=captured.stack,
        health_check=HealthCheck(
            path=check["path"],
            matcher=check["matcher"],
            interval=int(check["interval"]),
            timeout=int(check["timeout"]),
            healthy_threshold=int(check["healthyThreshold"]),
            unhealthy_threshold=int(check["unhealthyThreshold"]),
        ),
        deregistration_delay=int(target_group["deregistrationDelay"]),
        idle_timeout=int(_one(captured, LOAD_BALANCER).inputs["idleTimeout"]),
        container=_container(captured),
        minimum_healthy_percent=int(service["deploymentMinimumHealthyPercent"]),
        maximum_percent=int(service["deploymentMaximumPercent"]),
        desired_count=int(service["desiredCount"]),
    )


def _one(captured: CapturedStack, type_token: str) -> Any:
    found = captured.of_type(type_token)
    if len(found) != 1:
        raise StackPlanError(
            f"stack '{captured.stack}' registers {len(found)} {type_token}; the rehearsal"
            " needs exactly one"
        )
    return found[0]


def _container(captured: CapturedStack) -> Container:
    definitions = json.loads(_one(captured, TASK_DEFINITION).inputs["containerDefinitions"])
    if len(definitions) != 1:
        raise StackPlanError(f"the task definition has {len(definitions)} containers, not one")
    (definition,) = definitions
    mounts: list[Mapping[str, Any]] = definition.get("mountPoints", [])
    command = definition.get("command")
    return Container(
        name=definition["name"],
        user=definition["user"],
        environment=tuple((e["name"], e["value"]) for e in definition.get("environment", [])),
        secrets=tuple(s["name"] for s in definition.get("secrets", [])),
        command=tuple(command) if command else None,
        stop_timeout=int(definition["stopTimeout"]),
        readonly_root=bool(definition.get("readonlyRootFilesystem")),
        writable_paths=tuple(m["containerPath"] for m in mounts if not m.get("readOnly")),
        container_port=int(definition["portMappings"][0]["containerPort"]),
    )
