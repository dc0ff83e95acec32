"""Fargate task sizes: the valid (cpu, memory) pairs, and parsers for every form ECS accepts.

ECS accepts CPU as units ("1024", 1024) or vCPU strings ("1 vCPU", "0.5 vcpu") and memory as
MiB ("2048") or GB strings ("2GB", "2 GB"); it converts them to integers on registration.
Source: the ECS developer guide, "Task size" (Linux rows; 8 and 16 vCPU need platform 1.4.0+).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CPU_UNITS_PER_VCPU = 1024
MIB_PER_GB = 1024


@dataclass(frozen=True)
class SizeRow:
    """One row of the Fargate table: a task CPU and the memory values it allows (MiB)."""

    cpu: int
    memory_min: int
    memory_max: int
    memory_step: int
    explicit_memory: tuple[int, ...] = ()

    def memory_values(self) -> tuple[int, ...]:
        if self.explicit_memory:
            return self.explicit_memory
        return tuple(range(self.memory_min, self.memory_max + 1, self.memory_step))


FARGATE_LINUX_SIZES: tuple[SizeRow, ...] = (
    SizeRow(256, 512, 2048, 0, explicit_memory=(512, 1024, 2048)),
    SizeRow(512, 1024, 4096, 1024),
    SizeRow(1024, 2048, 8192, 1024),
    SizeRow(2048, 4096, 16384, 1024),
    SizeRow(4096, 8192, 30720, 1024),
    SizeRow(8192, 16384, 61440, 4096),
    SizeRow(16384, 32768, 122880, 8192),
)

# Windows containers on Fargate start at 1 vCPU, run on X86_64 only, and the 8 and 16 vCPU
# rows are Linux-only (they need Linux platform version 1.4.0).
WINDOWS_CPU_UNITS: frozenset[int] = frozenset({1024, 2048, 4096})
LINUX = "LINUX"
X86_64 = "X86_64"
ARM64 = "ARM64"
CPU_ARCHITECTURES: tuple[str, ...] = (X86_64, ARM64)
WINDOWS_FAMILIES: tuple[str, ...] = (
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_2022_CORE",
)
OS_FAMILIES: tuple[str, ...] = (LINUX, *WINDOWS_FAMILIES)

_ROWS_BY_CPU = {row.cpu: row for row in FARGATE_LINUX_SIZES}
_VCPU = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$", re.IGNORECASE)
_GB = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*gb\s*$", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*\d+\s*$")


class SizeError(ValueError):
    """A CPU or memory value that is not a valid Fargate task size; the message says what is."""


def is_windows(os_family: str | None) -> bool:
    return bool(os_family) and str(os_family).upper().startswith("WINDOWS")


def parse_cpu(value: object) -> int:
    """CPU units from 1024, "1024", "1 vCPU" or "0.25 vcpu"; SizeError for anything else."""
    units = _parse_quantity(value, _VCPU, CPU_UNITS_PER_VCPU)
    if units is None:
        raise SizeError(
            f"cpu {value!r} is not a CPU value: use CPU units (256, 512, 1024, ...) "
            f"or vCPU ('0.25 vCPU', '1 vCPU', ...)"
        )
    return units


def parse_memory(value: object) -> int:
    """Memory in MiB from 2048, "2048", "2GB" or "2 GB"; SizeError for anything else."""
    mib = _parse_quantity(value, _GB, MIB_PER_GB)
    if mib is None:
        raise SizeError(
            f"memory {value!r} is not a memory value: use MiB (512, 1024, 2048, ...) "
            f"or GB ('0.5 GB', '2GB', ...)"
        )
    return mib


def _parse_quantity(value: object, unit_pattern: re.Pattern[str], scale: int) -> int | None:
    """A whole positive count of base units, or None if the value is not one."""
    amount = _amount_in_base_units(value, unit_pattern, scale)
    # "1.3 vCPU" is 1331.2 units: ECS rejects fractions of a unit, and so do we.
    if amount is None or amount <= 0 or amount != amount.to_integral_value():
        return None
    return int(amount)


def _amount_in_base_units(
    value: object, unit_pattern: re.Pattern[str], scale: int
) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if not isinstance(value, str):
        return Decimal(value)
    if _INTEGER.match(value):
        return Decimal(int(value))
    match = unit_pattern.match(value)
    if not match:
        return None
    try:
        return Decimal(match.group(1)) * scale
    except InvalidOperation:
        return None


def valid_cpu_values(os_family: str | None = LINUX) -> tuple[int, ...]:
    cpus = tuple(row.cpu for row in FARGATE_LINUX_SIZES)
    return tuple(c for c in cpus if c in WINDOWS_CPU_UNITS) if is_windows(os_family) else cpus


def valid_memory_values(cpu: int) -> tuple[int, ...]:
    row = _ROWS_BY_CPU.get(cpu)
    return row.memory_values() if row else ()


def describe_memory_values(cpu: int) -> str:
    """A row's memory values in words: '512, 1024 or 2048', '2048 to 8192 in steps of 1024'."""
    row = _ROWS_BY_CPU[cpu]
    if row.explicit_memory:
        *head, last = row.explicit_memory
        return f"{', '.join(map(str, head))} or {last}"
    return f"{row.memory_min} to {row.memory_max} in steps of {row.memory_step}"


def is_valid_pair(cpu: int, memory: int, os_family: str | None = LINUX) -> bool:
    return cpu in valid_cpu_values(os_family) and memory in valid_memory_values(cpu)


def size_problems(
    cpu: object,
    memory: object,
    os_family: str | None = LINUX,
    cpu_architecture: str | None = X86_64,
) -> list[str]:
    """Every reason the task size is not a valid Fargate size, worded for a person; [] if valid."""
    try:
        cpu_units = parse_cpu(cpu)
        memory_mib = parse_memory(memory)
    except SizeError as error:
        return [str(error)]
    problems: list[str] = []
    windows = is_windows(os_family)
    if windows and (cpu_architecture or X86_64).upper() != X86_64:
        problems.append(f"Windows tasks on Fargate run on X86_64 only, not {cpu_architecture!r}")
    if cpu_units not in valid_cpu_values(os_family):
        platform = "Windows" if windows else "Linux"
        allowed = ", ".join(map(str, valid_cpu_values(os_family)))
        problems.append(
            f"cpu {cpu_units} is not a Fargate {platform} task CPU: use one of {allowed}"
        )
        return problems
    if memory_mib not in valid_memory_values(cpu_units):
        nearest = nearest_valid_pairs(cpu_units, memory_mib, os_family)
        problems.append(
            f"memory {memory_mib} MiB is not valid with cpu {cpu_units}: use "
            f"{describe_memory_values(cpu_units)} MiB; nearest valid sizes (cpu/memory): "
            + ", ".join(f"{c}/{m}" for c, m in nearest)
        )
    return problems


def nearest_valid_pairs(
    cpu: int, memory: int, os_family: str | None = LINUX
) -> list[tuple[int, int]]:
    """Suggestions for an invalid pair: the same CPU with the closest memory, and the cheapest
    (smallest CPU, then smallest memory) size that holds the requested memory."""
    suggestions: list[tuple[int, int]] = []
    memories = valid_memory_values(cpu)
    if cpu in valid_cpu_values(os_family) and memories:
        closest = min(memories, key=lambda m: (abs(m - memory), m))
        suggestions.append((cpu, closest))
    for candidate_cpu in valid_cpu_values(os_family):
        fitting = [m for m in valid_memory_values(candidate_cpu) if m >= memory]
        if fitting:
            cheapest = (candidate_cpu, fitting[0])
            if cheapest not in suggestions:
                suggestions.append(cheapest)
            break
    return suggestions


# The image platforms (docker/OCI "os/arch") a task's cpuArchitecture runs.
IMAGE_PLATFORM_ARCHITECTURES: dict[str, str] = {
    "linux/amd64": X86_64,
    "linux/x86_64": X86_64,
    "linux/arm64": ARM64,
    "linux/arm64/v8": ARM64,
}
# Fargate Spot runs Linux tasks only: X86_64 from platform version 1.3.0, ARM64 from 1.4.0
# (ECS API reference, CapacityProviderStrategyItem). "LATEST" is 1.4.0.
FARGATE_SPOT = "FARGATE_SPOT"
FARGATE_SPOT_MIN_PLATFORM_VERSION: dict[str, str] = {X86_64: "1.3.0", ARM64: "1.4.0"}
