"""One ECS service end to end: its task, the target groups it registers with, and the load
balancers that forward to them. The stack policies that check how those parts fit together
(health checks, shutdown timing, architecture) all start from `wire_services`.

Links are followed as the stack graph follows them (IDs and ARNs, or the engine's property
dependencies in preview); a link that cannot be followed is a skip reason, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fargate_policies.findings import Findings
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.containers import Container, Task, skip_unreadable, task_of
from fargate_policies.readers.services import Service, service_of
from fargate_policies.readers.stack import Refs, StackGraph, StackResource
from fargate_policies.readers.values import as_int, as_list, is_unknown


@dataclass
class Target:
    """A target group the service registers one of its containers with."""

    group: StackResource
    container: Container | None
    port: int | None  # the container port the service registers
    balancers: list[StackResource] = field(default_factory=list)


@dataclass
class Wiring:
    resource: StackResource
    service: Service
    task: Task | None
    task_resource: StackResource | None
    targets: list[Target] = field(default_factory=list)


def services(graph: StackGraph, *, load_balanced: bool = True) -> list[StackResource]:
    """The stack's services (only load-balanced ones unless told otherwise). An awsx component
    whose child service is in the stack is left out: its props there are its outputs, and the
    child carries the real configuration."""
    chosen = []
    for service in graph.of_type(*rt.SERVICES):
        if service.resource_type == rt.AWSX_FARGATE_SERVICE and graph.children(service, rt.SERVICE):
            continue
        view = service_of(service)
        if view is not None and (not load_balanced or view.load_balanced() is True):
            chosen.append(service)
    return chosen


def wire_services(
    graph: StackGraph, findings: Findings, *, load_balanced: bool = True
) -> list[Wiring]:
    """Every (load-balanced) service with its task and targets, as far as they can be followed."""
    wirings = []
    for resource in services(graph, load_balanced=load_balanced):
        service = service_of(resource)
        task, task_resource = _task(graph, resource, findings)
        wiring = Wiring(resource, service, task, task_resource)
        if task is not None:
            skip_unreadable(task, findings)
            wiring.targets = _targets(graph, wiring, findings)
        wirings.append(wiring)
    return wirings


def _task(
    graph: StackGraph, resource: StackResource, findings: Findings
) -> tuple[Task | None, StackResource | None]:
    if resource.resource_type == rt.AWSX_FARGATE_SERVICE:
        task = task_of(resource)
        return task, resource
    value = resource.props.get("taskDefinition")
    refs = graph.refs(resource, "taskDefinition", value, rt.TASK_DEFINITION)
    if is_unknown(refs) or not refs.resources:
        findings.skip(f"the task definition of {resource.owner} is not in this stack or not known")
        return None, None
    task_resource = refs.resources[0]
    task = task_of(task_resource)
    return task, task_resource


def _targets(graph: StackGraph, wiring: Wiring, findings: Findings) -> list[Target]:
    targets = []
    for group_ref, container_name, port in _registrations(wiring):
        refs = graph.refs(wiring.resource, "loadBalancers", group_ref, *rt.TARGET_GROUPS)
        if is_unknown(refs) or not refs.resources:
            findings.skip(f"a target group of {wiring.resource.owner} is not in this stack")
            continue
        container = _container(wiring.task, container_name)
        if container is None and (wiring.task.unknowns or wiring.task.malformed):
            continue  # the task's unreadable parts are already skip reasons
        for group in refs.resources:
            targets.append(Target(group, container, port, _balancers(graph, group)))
    return targets


def _registrations(wiring: Wiring) -> list[tuple[Any, Any, int | None]]:
    """(target group reference, container name, container port) for each registration."""
    if wiring.service.awsx:
        return [
            (
                _identity(mapping.get("targetGroup")),
                container.name,
                as_int(mapping.get("containerPort")),
            )
            for container in wiring.task.containers
            for mapping in as_list(container.get("portMappings"))
            if isinstance(mapping, dict) and mapping.get("targetGroup") is not None
        ]
    balancers = wiring.service.props.get("loadBalancers")
    return [
        (
            entry.get("targetGroupArn"),
            entry.get("containerName"),
            as_int(entry.get("containerPort")),
        )
        for entry in as_list(balancers)
        if isinstance(entry, dict)
    ]


def _identity(reference: Any) -> Any:
    """An awsx targetGroup input: an ARN, or the target group's properties."""
    if isinstance(reference, dict):
        return reference.get("arn") or reference.get("id") or reference.get("urn")
    return reference


def _container(task: Task, name: Any) -> Container | None:
    if name is None and len(task.containers) == 1:
        return task.containers[0]
    return next((c for c in task.containers if c.name == name), None)


def _balancers(graph: StackGraph, group: StackResource) -> list[StackResource]:
    """The load balancers with a listener whose default actions forward to `group`."""
    index = graph.derived("balancers-by-target-group", lambda: _balancer_index(graph))
    return list(index.get(group.urn, []))


def _balancer_index(graph: StackGraph) -> dict[str, list[StackResource]]:
    """{target group URN: its load balancers}, from one pass over the listeners (in order)."""
    index: dict[str, list[StackResource]] = {}
    for listener in graph.of_type(*rt.LISTENERS):
        actions = listener.props.get("defaultActions")
        arns = [_forward_targets(action) for action in actions] if isinstance(actions, list) else []
        refs = graph.refs(
            listener, "defaultActions", [a for arns_ in arns for a in arns_], *rt.TARGET_GROUPS
        )
        if not isinstance(refs, Refs) or not refs.resources:
            continue
        owner = graph.refs(
            listener, "loadBalancerArn", listener.props.get("loadBalancerArn"), *rt.LOAD_BALANCERS
        )
        if not isinstance(owner, Refs):
            continue
        for group in refs.resources:
            found = index.setdefault(group.urn, [])
            found += [lb for lb in owner.resources if lb not in found]
    return index


def _forward_targets(action: Any) -> list[Any]:
    if not isinstance(action, dict):
        return []
    forward = action.get("forward")
    groups = forward.get("targetGroups") if isinstance(forward, dict) else None
    nested = (
        [g.get("arn") for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []
    )
    return [action.get("targetGroupArn"), *nested]
