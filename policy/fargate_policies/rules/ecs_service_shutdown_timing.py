"""A stack policy: the shutdown chain of a service behind an ALB holds.

Stopping a task: the ALB drains it (the target group's deregistration delay), ECS sends SIGTERM,
uvicorn lets in-flight requests finish (its graceful-shutdown timeout), and ECS sends SIGKILL
after the container's stopTimeout. The drain must fit the stop budget and the graceful shutdown
must end before SIGKILL. While serving, the app must keep idle connections open longer than the
ALB does, or the ALB reuses a connection the app just closed and the client gets a 502.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, stack_policy, upper_first
from fargate_policies.readers.commands import uvicorn_setting
from fargate_policies.readers.containers import Container
from fargate_policies.readers.stack import StackGraph, StackResource
from fargate_policies.readers.values import as_int, describe, is_unknown
from fargate_policies.readers.wiring import Target, wire_services
from fargate_spec.contract import UVICORN_GRACEFUL_SHUTDOWN_ENV, UVICORN_KEEP_ALIVE_ENV
from fargate_spec.limits import (
    ALB_IDLE_TIMEOUT_DEFAULT,
    DEREGISTRATION_DELAY_DEFAULT,
    STOP_TIMEOUT_BOUNDS,
    STOP_TIMEOUT_DEFAULT,
)

_KNOBS = {
    "checkDeregistrationDelay": Knob(
        "boolean", True, "Require the target group's deregistration delay <= stopTimeout."
    ),
    "marginSeconds": Knob(
        "integer", 0, "Seconds each timeout must clear the next one in the chain by."
    ),
}


def _seconds(value: Any, default: int | None) -> int | None:
    """Whole seconds from an int, an integral float or a numeric string; `default` if unset."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return as_int(value)


def _setting(
    container: Container, flag: str, variable: str, findings: Findings, task_urn: str | None
) -> tuple[int | None, str]:
    """A uvicorn timeout the container sets (None if it sets none), and where it sets it."""
    value, source = uvicorn_setting(container, flag, variable)
    if is_unknown(value):
        findings.skip(container.not_known(source))
        return None, source
    seconds = _seconds(value, None)
    if value is not None and seconds is None:
        findings.violation(
            f"{container.subject} must set {source} to whole seconds, not {describe(value)}: "
            "uvicorn reads it as an integer and refuses to start otherwise.",
            task_urn,
        )
    return seconds, source


@stack_policy(EnforcementLevel.ADVISORY, "ecs-service-shutdown-timing", _KNOBS)
def service_shutdown_chain(
    resources: list[StackResource], knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether each load-balanced service stops cleanly: the target group drains within
    the container's stopTimeout, uvicorn's graceful shutdown ends before it, and the app keeps
    connections alive longer than the load balancer's idle timeout."""
    for wiring in wire_services(StackGraph(resources), findings):
        for target in wiring.targets:
            if target.container is None:
                findings.skip(f"the container {target.group.owner} serves is not in its task")
                continue
            stop = target.container.get("stopTimeout")
            task_urn = wiring.task_resource.urn if wiring.task_resource else None
            if is_unknown(stop):
                findings.skip(target.container.not_known("stopTimeout"))
                continue
            stop_seconds = _seconds(stop, STOP_TIMEOUT_DEFAULT)
            if stop_seconds is None:
                findings.violation(
                    f"{target.container.subject} must set stopTimeout to whole seconds from "
                    f"{STOP_TIMEOUT_BOUNDS}, not {describe(stop)}: ECS refuses anything else.",
                    task_urn,
                )
                continue
            _check_target(target, stop_seconds, task_urn=task_urn, knobs=knobs, findings=findings)


def _check_target(
    target: Target, stop: int, *, task_urn: str | None, knobs: dict[str, Any], findings: Findings
) -> None:
    container, group, margin = target.container, target.group, knobs["marginSeconds"]
    drain = _seconds(group.props.get("deregistrationDelay"), DEREGISTRATION_DELAY_DEFAULT)
    if knobs["checkDeregistrationDelay"] and drain is not None and drain + margin > stop:
        findings.violation(
            f"{upper_first(group.owner)} must drain within the stopTimeout of {container.where} "
            f"({stop} s), not in {drain} s: lower deregistrationDelay to {max(stop - margin, 0)} "
            "or raise stopTimeout (at most 120 on Fargate).",
            group.urn,
        )
    graceful, source = _setting(
        container, "--timeout-graceful-shutdown", UVICORN_GRACEFUL_SHUTDOWN_ENV, findings, task_urn
    )
    if graceful is not None and graceful + margin >= stop:
        findings.violation(
            f"{container.subject} must end its graceful shutdown ({source} {graceful} s) before "
            f"SIGKILL at its stopTimeout of {stop} s: lower {source} or raise stopTimeout.",
            task_urn,
        )
    keep_alive, source = _setting(
        container, "--timeout-keep-alive", UVICORN_KEEP_ALIVE_ENV, findings, task_urn
    )
    for balancer in target.balancers if keep_alive is not None else []:
        idle = _seconds(balancer.props.get("idleTimeout"), ALB_IDLE_TIMEOUT_DEFAULT)
        if idle is not None and keep_alive <= idle + margin:
            findings.violation(
                f"{container.subject} must keep idle connections open longer than "
                f"{balancer.owner} ({idle} s), not {keep_alive} s ({source}): raise {source} or "
                "lower the idleTimeout, or clients see 502s.",
                balancer.urn,
            )
