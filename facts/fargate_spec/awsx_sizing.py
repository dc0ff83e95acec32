"""The task size awsx 3.11.0 gives a Fargate task definition whose `cpu` or `memory` is unset.

Source: pulumi-awsx awsx/ecs/fargateMemoryAndCpu.ts (calculateFargateMemoryAndCPU) and
awsx/ecs/fargateTaskDefinition.ts (buildTaskDefinitionArgs), unchanged from v3.8.0 through the
snapshot read (e60adf3c). awsx sums the containers' memoryReservation (else memory) and cpu,
then takes the cheapest entry of its own table that holds both, and fills in whichever of cpu
and memory the program left unset, each on its own: a program that sets only cpu gets the
memory of the cheapest size for its containers, which need not be valid with that cpu.

awsx's table is its own, not Fargate's: it offers every whole GB from 16 to 60 at 8 vCPU and from
32 to 120 at 16 vCPU, where Fargate takes 4 and 8 GB steps (fargate_spec.sizes). The offline
stand-in and the policy pack both use this module, so the size the stand-in registers and the
size the pack names as awsx's choice are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_CPU_PER_VCPU = 1024
_MIB_PER_GB = 1024


def _price(vcpu: float, mem_gb: float) -> float:
    # awsx's fargateCost: only the order matters.
    return 0.04048 * vcpu + 0.004445 * mem_gb


def _rows() -> list[tuple[float, float]]:
    def whole(low: int, high: int) -> range:
        return range(low, high + 1)

    table: list[tuple[float, Iterable[float]]] = [
        (0.25, (0.5, 1, 2)),
        (0.5, whole(1, 4)),
        (1, whole(2, 8)),
        (2, whole(4, 16)),
        (4, whole(8, 30)),
        (8, whole(16, 60)),
        (16, whole(32, 120)),
        (32, (60, 120, 244)),
    ]
    configs = [(vcpu, float(mem)) for vcpu, mems in table for mem in mems]
    # JavaScript's sort is stable, as is Python's: equal prices keep the table's order.
    return sorted(configs, key=lambda config: _price(*config))


AWSX_CONFIGS: tuple[tuple[float, float], ...] = tuple(_rows())
MAX_VCPU = max(vcpu for vcpu, _ in AWSX_CONFIGS)
MAX_MEM_GB = max(mem for _, mem in AWSX_CONFIGS)


class AwsxSizingError(ValueError):
    """awsx's own error for containers no size of its table holds."""


@dataclass(frozen=True)
class AwsxSize:
    cpu: str  # CPU units as awsx writes them: "256"
    memory: str  # MiB: "512"
    requested_cpu: int  # the containers' summed cpu units
    requested_memory: int  # the containers' summed memoryReservation (else memory), MiB


def _number(value: Any) -> float:
    # JavaScript adds what the container says; a missing or zero value adds nothing.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return value


def awsx_fargate_size(containers: Iterable[Mapping[str, Any]]) -> AwsxSize:
    """The cheapest size of awsx's table that holds the containers' summed requests."""
    memory_mib = cpu_units = 0.0
    for container in containers:
        reservation = _number(container.get("memoryReservation"))
        memory_mib += reservation or _number(container.get("memory"))
        cpu_units += _number(container.get("cpu"))
    vcpu, mem_gb = cpu_units / _CPU_PER_VCPU, memory_mib / _MIB_PER_GB
    if vcpu > MAX_VCPU or mem_gb > MAX_MEM_GB:
        raise AwsxSizingError(
            "Requested resources exceed the maximum allowed for Fargate. Requested: "
            f"{vcpu:g} vCPU and {mem_gb:g}GB. Max: {MAX_VCPU:g} vCPU and {MAX_MEM_GB:g}GB."
        )
    for config_vcpu, config_gb in AWSX_CONFIGS:
        if config_vcpu >= vcpu and config_gb >= mem_gb:
            return AwsxSize(
                cpu=f"{config_vcpu * _CPU_PER_VCPU:g}",
                memory=f"{config_gb * _MIB_PER_GB:g}",
                requested_cpu=int(cpu_units),
                requested_memory=int(memory_mib),
            )
    raise AwsxSizingError(
        f"Could not find fargate config that could satisfy: {vcpu:g} vCPU and {mem_gb:g}GB."
    )
