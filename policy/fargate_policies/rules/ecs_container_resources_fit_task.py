"""The containers of a task fit inside the task's cpu and memory, and each container's
memoryReservation is at most its memory."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    Findings,
    Subject,
    resource_policy,
)
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.containers import Container, Task, skip_unreadable, task_of
from fargate_policies.readers.values import as_int, describe, is_unknown
from fargate_spec.sizes import (
    SizeError,
    parse_cpu,
    parse_memory,
)

SIZE_POLICY = "ecs-fargate-task-size"


def _task_capacity(task: Task, key: str, findings: Findings) -> int | None:
    """The task-level cpu (units) or memory (MiB), or None if there is none to fit into."""
    value = task.cpu if key == "cpu" else task.memory
    if value is None:
        return None
    if is_unknown(value):
        findings.skip(task.not_known(key))
        return None
    try:
        return parse_cpu(value) if key == "cpu" else parse_memory(value)
    except SizeError:
        findings.skip(f"{key} of {task.owner} is not a size (see {SIZE_POLICY})")
        return None


def _container_amount(container: Container, key: str, findings: Findings) -> int | None:
    value = container.get(key)
    if value is None:
        return None
    if is_unknown(value):
        findings.skip(container.not_known(key))
        return None
    amount = as_int(value)
    if amount is None or amount < 0:
        unit = "CPU units" if key == "cpu" else "MiB"
        findings.violation(
            f"{container.subject} must set {key} to a whole number of {unit}, "
            f"not {describe(value)}."
        )
        return None
    return amount


@resource_policy(EnforcementLevel.MANDATORY, "ecs-container-resources-fit-task", rt.TASK_BEARERS)
def containers_fit_task(resource: Subject, findings: Findings) -> None:
    """Checks whether the containers' cpu and memory fit inside the task's size, and whether
    each container's memoryReservation is at most its memory."""
    task = task_of(resource)
    if task is None:
        return
    skip_unreadable(task, findings)
    task_cpu = _task_capacity(task, "cpu", findings)
    task_memory = _task_capacity(task, "memory", findings)
    cpu_total, memory_total = {}, {}
    for container in task.containers:
        cpu = _container_amount(container, "cpu", findings)
        memory = _container_amount(container, "memory", findings)
        reservation = _container_amount(container, "memoryReservation", findings)
        if memory is not None and reservation is not None and reservation > memory:
            findings.violation(
                f"{container.subject} must set memoryReservation ({reservation} MiB) at or "
                f"below memory ({memory} MiB): lower memoryReservation or raise memory."
            )
        if cpu:
            cpu_total[container.name] = cpu
        if memory or reservation:
            memory_total[container.name] = memory or reservation
    _check_total(
        task, key="cpu", unit="CPU units", amounts=cpu_total, capacity=task_cpu, findings=findings
    )
    _check_total(
        task,
        key="memory",
        unit="MiB",
        amounts=memory_total,
        capacity=task_memory,
        findings=findings,
    )


def _check_total(
    task: Task,
    *,
    key: str,
    unit: str,
    amounts: dict[str, int],
    capacity: int | None,
    findings: Findings,
) -> None:
    total = sum(amounts.values())
    if capacity is None or total <= capacity:
        return
    parts = ", ".join(f"'{name}' {amount}" for name, amount in amounts.items())
    findings.violation(
        f"Containers of {task.owner} must fit in the task's {capacity} {unit} of {key}, but "
        f"they ask for {total} ({parts}): lower the containers' {key} or raise the task's."
    )
