"""In awsvpc network mode (every Fargate task) a port mapping's hostPort is unset or equals its
containerPort: ECS refuses any other task definition when `pulumi up` registers it, after a
preview that showed nothing wrong (fargate_spec.port_mappings has the sources)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, container_policy, not_known
from fargate_policies.readers.containers import Container, Task
from fargate_policies.readers.values import as_int, describe, is_unknown
from fargate_spec.network_mode import AWSVPC
from fargate_spec.port_mappings import AWSVPC_PORTS_REFUSED, awsvpc_refuses, awsx_mapping_ports

POLICY = "ecs-awsvpc-host-port"


@dataclass(frozen=True)
class Mapping:
    """One port mapping as ECS receives it (awsx's completion applied), numbered from 1."""

    number: int
    container_port: Any
    host_port: Any
    from_target_group: bool  # awsx took hostPort from the mapping's targetGroup's port


@container_policy(EnforcementLevel.MANDATORY, POLICY)
def awsvpc_host_port(
    container: Container, task: Task, _knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every port mapping of a task in awsvpc network mode (every Fargate task)
    leaves hostPort unset or equal to its containerPort, as ECS requires to register it."""
    refused = [m for m in _mappings(container, task, findings) if _refused(container, m, findings)]
    if not refused:
        return
    mode = _awsvpc(task)
    if isinstance(mode, str):
        findings.skip(mode)
    elif mode:
        for mapping in refused:
            findings.violation(_message(container, task, mapping))


def _mappings(container: Container, task: Task, findings: Findings) -> list[Mapping]:
    """The readable port mappings; a skip reason for each unknown part, a violation for each
    entry that is not an object."""
    raw = container.get("portMappings")
    if raw is None:
        return []
    if is_unknown(raw):
        findings.skip(container.not_known("portMappings"))
        return []
    if not isinstance(raw, list):
        findings.violation(
            f"{container.subject} must set portMappings to an array of port mappings, "
            f"not {describe(raw)}."
        )
        return []
    mappings = []
    for number, entry in enumerate(raw, start=1):
        if is_unknown(entry):
            findings.skip(container.not_known(f"port mapping #{number}"))
        elif not isinstance(entry, dict):
            findings.violation(
                f"{container.subject} must make port mapping #{number} an object with "
                f"containerPort, not {describe(entry)}."
            )
        else:
            mapping = _mapping(container, task, number, entry, findings)
            if mapping is not None:
                mappings.append(mapping)
    return mappings


def _mapping(
    container: Container, task: Task, number: int, entry: dict[str, Any], findings: Findings
) -> Mapping | None:
    container_port, host_port = entry.get("containerPort"), entry.get("hostPort")
    group_port = None
    if task.awsx_inputs and entry.get("targetGroup") is not None:
        group = entry["targetGroup"]
        group_port = group.get("port") if isinstance(group, dict) else None
        if host_port is None and group_port is None:
            # awsx takes hostPort from a port the pack cannot read (a target group by ARN).
            findings.skip(
                f"the target group port of port mapping #{number} of {container.where} cannot "
                "be read (awsx takes hostPort from it)"
            )
            return None
    values = (container_port, host_port, group_port)
    if any(is_unknown(value) for value in values):
        findings.skip(container.not_known(f"the ports of port mapping #{number}"))
        return None
    if task.awsx_inputs:
        completed = awsx_mapping_ports(*values)
        taken = host_port is None and group_port is not None
        return Mapping(number, completed[0], completed[1], from_target_group=taken)
    return Mapping(number, container_port, host_port, from_target_group=False)


def _refused(container: Container, mapping: Mapping, findings: Findings) -> bool:
    """Whether ECS refuses `mapping` in awsvpc mode; ports that are not whole numbers are a
    violation of their own."""
    if mapping.container_port is None:
        return False  # a containerPortRange mapping, or one ECS refuses for lacking its port
    ports = (mapping.container_port, mapping.host_port)
    if any(port is not None and as_int(port) is None for port in ports):
        findings.violation(
            f"{container.subject} must give port mapping #{mapping.number} whole-number ports, "
            f"not containerPort {describe(mapping.container_port)} and hostPort "
            f"{describe(mapping.host_port)}."
        )
        return False
    host = None if mapping.host_port is None else as_int(mapping.host_port)
    return awsvpc_refuses(as_int(mapping.container_port), host)


def _awsvpc(task: Task) -> bool | str:
    """Whether the task runs in awsvpc network mode, or a skip reason when that is not known."""
    mode = task.network_mode
    if is_unknown(mode):
        return not_known(f"networkMode of {task.owner}")
    if mode is not None:
        return mode == AWSVPC
    # Unset: ECS's default is bridge on EC2, but Fargate takes awsvpc only.
    if is_unknown(task.fargate):
        return not_known(f"requiresCompatibilities of {task.owner} (networkMode is unset)")
    return task.fargate is True


def _message(container: Container, task: Task, mapping: Mapping) -> str:
    container_port, host_port = as_int(mapping.container_port), as_int(mapping.host_port)
    mode = (
        "awsvpc network mode"
        if task.network_mode == AWSVPC
        else "awsvpc network mode (networkMode is unset; Fargate runs every task in awsvpc)"
    )
    taken = " (awsx's: the targetGroup's port)" if mapping.from_target_group else ""
    return (
        f"{container.subject} must leave hostPort unset or equal to containerPort in {mode}, "
        f"not hostPort {host_port}{taken} for containerPort {container_port} "
        f"(port mapping #{mapping.number}): ECS refuses to register the task definition "
        f"('{AWSVPC_PORTS_REFUSED}'), so `pulumi up` fails after a clean preview; "
        f"{_fix(task, container_port, host_port, mapping.from_target_group)}."
    )


def _fix(task: Task, container_port: int | None, host_port: int | None, from_group: bool) -> str:
    component = task.awsx_component
    if component is None and not from_group:
        return f"remove hostPort or set it to {container_port}"
    who = component or "awsx"
    # awsx also registers the target group's port as the service's containerPort
    # (containers.ts computeLoadBalancers), so only a matching target group fixes both.
    return (
        f"{who} takes hostPort from the port mapping's targetGroup port when the mapping sets "
        f"none (pulumi-awsx ecs/containers.ts): give that target group port {container_port} "
        f"(an awsx:lb:ApplicationLoadBalancer's defaultTargetGroup.port), or remove hostPort or "
        f"set it to {container_port} if the program sets it"
    )
