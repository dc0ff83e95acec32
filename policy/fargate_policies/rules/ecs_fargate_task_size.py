"""Fargate sizes: a valid task cpu/memory pair for the platform, and containers that fit in it.

Every form ECS accepts is read ("1024", 1024, "1 vCPU", "0.5 vcpu"; "2048", "2GB", "2 GB") by
fargate_spec.sizes, which also words the problems and suggests the nearest valid pairs.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    Findings,
    Knob,
    Subject,
    resource_policy,
)
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.containers import Task, task_of
from fargate_policies.readers.values import describe, is_unknown
from fargate_spec.awsx_sizing import AwsxSizingError, awsx_fargate_size
from fargate_spec.sizes import (
    CPU_ARCHITECTURES,
    LINUX,
    OS_FAMILIES,
    X86_64,
    SizeError,
    parse_cpu,
    parse_memory,
    size_problems,
)

SIZE_POLICY = "ecs-fargate-task-size"
_ARCHITECTURES = {
    "allowedCpuArchitectures": Knob(
        "array", list(CPU_ARCHITECTURES), "CPU architectures tasks may run on."
    )
}


def _fargate_task(resource: Subject, findings: Findings) -> Task | None:
    """The resource's task if it runs on Fargate; None (after any skip reason) otherwise."""
    task = task_of(resource)
    if task is None:
        return None
    if is_unknown(task.fargate):
        findings.skip(task.not_known("requiresCompatibilities"))
        return None
    return task if task.fargate else None


@resource_policy(EnforcementLevel.MANDATORY, SIZE_POLICY, rt.TASK_BEARERS, _ARCHITECTURES)
def task_size(resource: Subject, findings: Findings) -> None:
    """Checks whether a Fargate task's cpu and memory form a size Fargate accepts for its
    operating system and CPU architecture."""
    task = _fargate_task(resource, findings)
    if task is None:
        return
    fields = {
        "cpu": task.cpu,
        "memory": task.memory,
        "runtimePlatform.operatingSystemFamily": task.os_family,
        "runtimePlatform.cpuArchitecture": task.cpu_architecture,
    }
    unknown = [key for key, value in fields.items() if is_unknown(value)]
    for key in unknown:
        findings.skip(task.not_known(key))
    if unknown:
        return
    owner = task.subject
    if task.cpu is None and task.memory is None and resource.resource_type != rt.TASK_DEFINITION:
        return  # awsx sizes the task from its containers' needs, always to a valid pair
    if task.cpu is None or task.memory is None:
        missing = "cpu" if task.cpu is None else "memory"
        if resource.resource_type != rt.TASK_DEFINITION:
            findings.skip(f"{missing} of {task.owner} is computed by awsx from its containers")
            return
        findings.violation(
            f"{owner} must set task-level {missing} (Fargate requires both cpu and memory), "
            "e.g. cpu '256' with memory '512'."
        )
        return
    if not _platform_ok(task, resource.knobs, findings):
        return
    problems = size_problems(
        task.cpu, task.memory, task.os_family or LINUX, task.cpu_architecture or X86_64
    )
    cause = _awsx_cause(task) if problems else ""
    for problem in problems:
        findings.violation(f"{owner} must use a valid Fargate task size: {problem}.{cause}")


def _awsx_cause(task: Task) -> str:
    """What awsx filled in, when an awsx component made the task definition and its cpu or
    memory is the value awsx computes for an unset one (fargate_spec.awsx_sizing); "" otherwise.

    The child's props do not say which value the program set, so the sentence says what awsx
    fills in and where to set it, which holds either way."""
    if task.awsx_component is None or task.unknowns or task.malformed:
        return ""
    try:
        chosen = awsx_fargate_size([container.fields for container in task.containers])
        cpu, memory = parse_cpu(task.cpu), parse_memory(task.memory)
    except (AwsxSizingError, SizeError):
        return ""
    defaulted = [
        f"{key} {value}{unit}"
        for key, value, unit, actual in (
            ("cpu", chosen.cpu, "", cpu),
            ("memory", chosen.memory, " MiB", memory),
        )
        if int(value) == actual
    ]
    if not defaulted or len(defaulted) == 2:
        return ""
    return (
        f" awsx fills in {defaulted[0]} when {task.awsx_component} leaves it unset (the cheapest "
        f"size of awsx's own table for its containers' {chosen.requested_cpu} CPU units and "
        f"{chosen.requested_memory} MiB is {chosen.cpu}/{chosen.memory}, whatever the other "
        f"value): set both cpu and memory on {task.awsx_component}."
    )


def _platform_ok(task: Task, knobs: dict[str, Any], findings: Findings) -> bool:
    owner = task.subject
    family, architecture = task.os_family, task.cpu_architecture
    allowed = knobs["allowedCpuArchitectures"]
    if family is not None and family not in OS_FAMILIES:
        findings.violation(
            f"{owner} must set runtimePlatform.operatingSystemFamily to one of "
            f"{', '.join(OS_FAMILIES)}, not {describe(family)}."
        )
        return False
    if architecture is not None and architecture not in CPU_ARCHITECTURES:
        findings.violation(
            f"{owner} must set runtimePlatform.cpuArchitecture to one of "
            f"{', '.join(CPU_ARCHITECTURES)}, not {describe(architecture)}."
        )
        return False
    if (architecture or X86_64) not in allowed:
        findings.violation(
            f"{owner} must run on one of the allowed CPU architectures {', '.join(allowed)}, "
            f"not {architecture or X86_64}."
        )
    return True
