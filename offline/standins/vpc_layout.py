"""Where awsx puts a VPC's subnets and NAT gateways: the "Auto" and "Exact" subnet strategies of
awsx 3.x (its subnetDistributorNew.ts and vpc.ts), as pure functions the stand-in and its tests
share. The "Legacy" strategy (awsx's default when subnetStrategy is unset) is not reproduced.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SUBNET_TYPES = ("Public", "Private", "Isolated", "Unused")
STRATEGIES = ("Auto", "Exact")
NAT_STRATEGIES = ("None", "Single", "OnePerAz")
SMALLEST_DEFAULT_AZ_PREFIX = 26
_TYPE_ORDER = {"public": 0, "private": 1, "isolated": 2}


class LayoutError(ValueError):
    """Inputs awsx would reject (or the stand-in does not reproduce), with what is valid;
    `key` is the input at fault (the engine shows it beside the message)."""

    def __init__(self, message: str, key: str = "subnetSpecs") -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class SubnetSpec:
    """One entry of `subnetSpecs`, normalized."""

    type: str
    name: str | None = None
    cidr_mask: int | None = None
    cidr_blocks: tuple[str, ...] | None = None
    tags: Any = None


@dataclass(frozen=True)
class PlannedSubnet:
    name: str
    type: str
    az: str
    az_index: int
    cidr_block: str
    label: str
    """The spec's name, or its type in lower case: the middle of `<vpc>-<label>-<az number>`."""
    tags: Any = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return self.type.lower()


def parse_specs(raw: Sequence[Mapping[str, Any]] | None) -> list[SubnetSpec] | None:
    """`subnetSpecs` as the engine sends it (camelCase), checked like awsx checks it."""
    if raw is None:
        return None
    specs = []
    for index, entry in enumerate(raw):
        kind = entry.get("type")
        if kind not in SUBNET_TYPES:
            raise LayoutError(
                f"subnetSpecs[{index}].type is {kind!r}; "
                f"it must be one of {', '.join(SUBNET_TYPES)}",
                f"subnetSpecs[{index}].type",
            )
        specs.append(
            SubnetSpec(
                type=kind,
                name=entry.get("name"),
                cidr_mask=_mask_of(index, entry.get("cidrMask"), entry.get("size")),
                cidr_blocks=tuple(entry["cidrBlocks"]) if entry.get("cidrBlocks") else None,
                tags=entry.get("tags"),
            )
        )
    return specs


def _mask_of(index: int, mask: int | float | None, size: int | float | None) -> int | None:
    if size is not None:
        size = int(size)
        if size < 4 or size & (size - 1):
            raise LayoutError(
                f"subnetSpecs[{index}].size is {size}; it must be a power of 2 from 4 to 2^32"
            )
        from_size = 32 - int(math.log2(size))
        if mask is not None and int(mask) != from_size:
            raise LayoutError(
                f"subnetSpecs[{index}]: size {size} does not match cidrMask /{int(mask)} "
                f"(a /{int(mask)} holds {2 ** (32 - int(mask))} addresses)"
            )
        return from_size
    return int(mask) if mask is not None else None


def new_bits(count: int) -> int:
    """Prefix bits that split a block into `count` equal parts."""
    return 0 if count <= 1 else math.ceil(math.log2(count))


def default_specs(az_prefix: int) -> list[SubnetSpec]:
    """awsx's layout without subnetSpecs: a private /(n+1) and a public /(n+2) per AZ."""
    if az_prefix > SMALLEST_DEFAULT_AZ_PREFIX:
        raise LayoutError(
            f"automatic subnets need at least a /{SMALLEST_DEFAULT_AZ_PREFIX} per availability "
            f"zone, but only a /{az_prefix} is available: widen cidrBlock or list subnetSpecs"
        )
    base = max(az_prefix, 16)
    return [SubnetSpec("Private", cidr_mask=base + 1), SubnetSpec("Public", cidr_mask=base + 2)]


def plan_subnets(
    vpc_name: str,
    vpc_cidr: str,
    azs: Sequence[str],
    specs: Sequence[SubnetSpec] | None,
    *,
    strategy: str,
    az_cidr_mask: int | None = None,
) -> list[PlannedSubnet]:
    """Every subnet to create, public first within each AZ (as awsx orders them)."""
    if strategy not in STRATEGIES:
        raise LayoutError(
            f"subnetStrategy is {strategy!r}; the offline stand-in reproduces "
            f"{' and '.join(STRATEGIES)} only (awsx's default, Legacy, is not reproduced): "
            "set subnetStrategy explicitly",
            "subnetStrategy",
        )
    try:
        vpc = ipaddress.IPv4Network(vpc_cidr)
    except ValueError as error:
        raise LayoutError(
            f"cidrBlock {vpc_cidr!r} is not an IPv4 network: {error}", "cidrBlock"
        ) from None
    if specs and any(spec.cidr_blocks for spec in specs):
        planned = _explicit(vpc_name, azs, specs)
    else:
        planned = _distributed(vpc_name, vpc, azs, specs, az_cidr_mask)
    _check_overlaps(planned)
    if strategy == "Exact":
        _check_no_gaps(vpc, planned)
    kept = [subnet for subnet in planned if subnet.type != "Unused"]
    return sorted(kept, key=lambda s: (s.az_index, _TYPE_ORDER[s.kind]))


def _distributed(
    vpc_name: str,
    vpc: ipaddress.IPv4Network,
    azs: Sequence[str],
    specs: Sequence[SubnetSpec] | None,
    az_cidr_mask: int | None,
) -> list[PlannedSubnet]:
    az_prefix = az_cidr_mask or vpc.prefixlen + new_bits(len(azs))
    specs = list(specs) if specs is not None else default_specs(az_prefix)
    if not specs:
        raise LayoutError("subnetSpecs is empty: list at least one subnet")
    default_prefix = az_prefix + new_bits(len(specs))
    prefixes = [spec.cidr_mask or default_prefix for spec in specs]
    needed = sum(2 ** (32 - prefix) for prefix in prefixes)
    if needed > 2 ** (32 - az_prefix):
        raise LayoutError(
            f"subnets are too large for the VPC: each availability zone has "
            f"{2 ** (32 - az_prefix)} addresses, but its subnets need {needed}"
        )
    planned = []
    az_block = ipaddress.IPv4Network((vpc.network_address, az_prefix))
    for az_index, az in enumerate(azs):
        block: ipaddress.IPv4Network | None = None
        for spec, prefix in zip(specs, prefixes, strict=True):
            if block is None:
                block = ipaddress.IPv4Network((az_block.network_address, prefix))
            else:
                block = _next_block(block, prefix)
            planned.append(_subnet(vpc_name, spec, az, az_index, str(block)))
        az_block = _next_block(az_block, az_prefix)
    return planned


def _explicit(
    vpc_name: str, azs: Sequence[str], specs: Sequence[SubnetSpec]
) -> list[PlannedSubnet]:
    planned = []
    for index, spec in enumerate(specs):
        if spec.cidr_blocks is None or len(spec.cidr_blocks) != len(azs):
            raise LayoutError(
                f"subnetSpecs[{index}] must list one cidrBlocks entry per availability zone "
                f"({len(azs)}) when any spec lists cidrBlocks"
            )
        planned += [
            _subnet(vpc_name, spec, az, az_index, spec.cidr_blocks[az_index])
            for az_index, az in enumerate(azs)
        ]
    return planned


def _subnet(vpc_name: str, spec: SubnetSpec, az: str, az_index: int, cidr: str) -> PlannedSubnet:
    label = spec.name or spec.type.lower()
    name = f"{vpc_name}-{label}-{az_index + 1}"
    return PlannedSubnet(name, spec.type, az, az_index, cidr, label, spec.tags)


def _next_block(previous: ipaddress.IPv4Network, prefix: int) -> ipaddress.IPv4Network:
    """The first /prefix block after `previous` (awsx's nextNetmask)."""
    containing_last = ipaddress.IPv4Network((previous.broadcast_address, prefix), strict=False)
    return ipaddress.IPv4Network((containing_last.broadcast_address + 1, prefix))


def _check_overlaps(planned: Sequence[PlannedSubnet]) -> None:
    networks = [(s, ipaddress.IPv4Network(s.cidr_block)) for s in planned if s.type != "Unused"]
    clashing = [
        f"{subnet.name}: {subnet.cidr_block}"
        for subnet, net in networks
        if any(other is not subnet and net.overlaps(o_net) for other, o_net in networks)
    ]
    if clashing:
        raise LayoutError(
            "these subnets overlap with another subnet; widen the VPC's cidrBlock, shrink the "
            "subnets or use fewer availability zones: " + ", ".join(clashing)
        )


def _check_no_gaps(vpc: ipaddress.IPv4Network, planned: Sequence[PlannedSubnet]) -> None:
    blocks = sorted(ipaddress.IPv4Network(s.cidr_block) for s in planned)
    expected = vpc.network_address
    for block in blocks:
        if block.network_address != expected:
            raise LayoutError(
                f"subnetStrategy Exact needs subnets that fill the VPC without gaps: "
                f"{block} starts at {block.network_address}, expected {expected}"
            )
        expected = block.broadcast_address + 1
    if expected - 1 != vpc.broadcast_address:
        raise LayoutError(
            f"subnetStrategy Exact needs subnets that fill the VPC: they end before "
            f"{vpc.broadcast_address}"
        )


def nat_gateway_azs(strategy: str, planned: Sequence[PlannedSubnet]) -> list[int]:
    """Indexes of the AZs whose public subnet hosts a NAT gateway."""
    if strategy not in NAT_STRATEGIES:
        raise LayoutError(
            f"natGateways.strategy is {strategy!r}; it must be one of {', '.join(NAT_STRATEGIES)}",
            "natGateways.strategy",
        )
    if strategy == "None":
        return []
    kinds = {subnet.kind for subnet in planned}
    if not {"public", "private"} <= kinds:
        raise LayoutError(
            f"natGateways.strategy {strategy} needs both public and private subnets: the private "
            "subnets need the NAT gateway, the public ones host it",
            "natGateways.strategy",
        )
    public_azs = sorted({s.az_index for s in planned if s.kind == "public"})
    return public_azs[:1] if strategy == "Single" else public_azs


def subnet_layout(planned: Sequence[PlannedSubnet]) -> list[dict[str, Any]]:
    """awsx's `subnetLayout` output: the specs as resolved for one availability zone."""
    layout = []
    for subnet in (s for s in planned if s.az_index == 0):
        entry: dict[str, Any] = {
            "type": subnet.type,
            "cidrMask": ipaddress.IPv4Network(subnet.cidr_block).prefixlen,
        }
        if subnet.label != subnet.kind:
            entry["name"] = subnet.label
        layout.append(entry)
    return layout
