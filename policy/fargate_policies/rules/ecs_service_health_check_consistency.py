"""A stack policy: the container health check and the target group health check agree.

ECS restarts a container whose own health check fails; the ALB stops routing to a target whose
check fails. When the two probe different ports or paths, a task can be healthy to one and dead
to the other. And the service's grace period must outlast the container's start period, or
load-balancer checks count against a task the container check still excuses.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, not_known, stack_policy, upper_first
from fargate_policies.readers.probes import never_fails, well_formed
from fargate_policies.readers.stack import StackGraph, StackResource
from fargate_policies.readers.values import as_int, as_str_list, describe, is_unknown
from fargate_policies.readers.wiring import Target, Wiring, wire_services

# A probe of the container itself: http://127.0.0.1:8000/healthz, http://localhost/ready, ...
# The path ends where a shell word or operator does ("...healthz; true", "...healthz)").
_LOCAL_URL = re.compile(
    r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"?#;&|<>)]*)?"
)
_KNOBS = {
    "requireSamePort": Knob(
        "boolean", True, "Require the same port (off for apps probed on an admin port)."
    ),
    "graceMarginSeconds": Knob(
        "integer", 0, "Seconds the grace period must exceed the container's start period."
    ),
    "allowProbesWithoutUrl": Knob(
        "boolean",
        False,
        "Accept container health checks that name no URL (e.g. a program in "
        "allowedProbeCommands); they cannot be compared with the target group's.",
    ),
}


def probe_of(command: Any) -> tuple[int, str] | None:
    """The (port, path) a container health-check command requests on localhost, if it shows."""
    words = as_str_list(command) or []
    match = next((m for w in words if (m := _LOCAL_URL.search(w))), None)
    if match is None:
        return None
    return int(match.group(1) or 80), match.group(2) or "/"


@stack_policy(EnforcementLevel.ADVISORY, "ecs-service-health-check-consistency", _KNOBS)
def service_health_consistency(
    resources: list[StackResource], knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether each load-balanced service's container health check and target group
    health check probe the same port and path, and whether its grace period covers the
    container's start period."""
    for wiring in wire_services(StackGraph(resources), findings):
        for target in wiring.targets:
            _compare(wiring, target, knobs, findings)


def _compare(wiring: Wiring, target: Target, knobs: dict[str, Any], findings: Findings) -> None:
    container, group = target.container, target.group
    health = container.get("healthCheck") if container else None
    checked = group.props.get("healthCheck")
    if container is None or not isinstance(health, dict) or not isinstance(checked, dict):
        findings.skip(  # the per-resource policies report missing health checks
            f"{group.owner} and the container it serves have no pair of health checks to compare"
        )
        return
    command = health.get("command")
    path, port = checked.get("path"), checked.get("port") or "traffic-port"
    if _unknown_command(command) or any(map(is_unknown, (path, port))):
        findings.skip(not_known(f"the health-check probes of {container.where} and {group.owner}"))
        return
    if not isinstance(path, str):
        # alb-target-group-health-check (mandatory) reports a missing or malformed path.
        findings.skip(f"{group.owner} has no health-check path (see alb-target-group-health-check)")
        return
    probe = probe_of(command)
    if probe is None:
        words = as_str_list(command)
        if not well_formed(words) or never_fails(words):
            # ecs-container-health-check (mandatory) reports a malformed or no-op command.
            findings.skip(
                f"the health check of {container.where} probes nothing (see "
                "ecs-container-health-check)"
            )
        elif not knobs["allowProbesWithoutUrl"]:
            findings.violation(
                f"{container.subject} must name the URL its health check probes "
                f"(http://localhost:<port><path>) so it can be compared with {group.owner}'s "
                f"port and path, not {describe(command)}: probe the target group's path "
                f"{describe(path)} by URL, or set this policy's allowProbesWithoutUrl to accept "
                "probes that name none.",
                wiring.task_resource.urn if wiring.task_resource else None,
            )
        return
    tg_port = target.port if port == "traffic-port" else as_int(_number(port))
    same_port = tg_port == probe[0] or not knobs["requireSamePort"]
    if path != probe[1] or not same_port:
        findings.violation(
            f"{upper_first(group.owner)} and {container.where} must probe the same port and "
            f"path, not port {tg_port} path {describe(path)} and port {probe[0]} path "
            f"{describe(probe[1])}: set the target group's healthCheck to port "
            f"{probe[0]} and path {describe(probe[1])}.",
            group.urn,
        )
    _check_grace(wiring, container, health, knobs["graceMarginSeconds"], findings)


def _unknown_command(command: Any) -> bool:
    return is_unknown(command) or (
        isinstance(command, list) and any(is_unknown(word) for word in command)
    )


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _check_grace(
    wiring: Wiring, container: Any, health: dict[str, Any], margin: int, findings: Findings
) -> None:
    grace = wiring.service.props.get("healthCheckGracePeriodSeconds")
    start = as_int(health.get("startPeriod")) or 0
    if grace is None or is_unknown(grace) or as_int(grace) is None:
        return  # ecs-service-health-check-grace-period reports a missing or malformed one
    if as_int(grace) < start + margin:
        findings.violation(
            f"{wiring.service.subject} must set healthCheckGracePeriodSeconds to at least "
            f"{start + margin}, not {as_int(grace)}, to cover the startPeriod ({start} s) of "
            f"{container.where}{f' plus {margin} s' if margin else ''}: raise the grace period "
            "or shorten the start period.",
            wiring.resource.urn,
        )
