"""The fake account's default VPC, and awsx's way of finding it.

AWS gives every account a default VPC per region, 172.31.0.0/16, with one default subnet per
availability zone (a /20 each, 172.31.0.0/20, 172.31.16.0/20, ...), all public (instances get a
public IP on launch), and a security group named "default" (AWS VPC user guide, "Default VPCs").
The data sources in data_sources.py answer from this; nothing else exists in the fake account.

`default_network` is awsx's getDefaultVpc (pulumi-awsx awsx/ec2/getDefaultVpc.ts): getVpc
{default: true}, getSubnets filtered by vpc-id, getSubnet per id, and subnets split into public
and private by mapPublicIpOnLaunch. `construct_default_vpc` is the `awsx:ec2:DefaultVpc`
component (awsx/ec2/defaultVpc.ts), which only reads.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult

from offline.standins import fake_aws

TYPE = "awsx:ec2:DefaultVpc"
CIDR = "172.31.0.0/16"
SUBNET_PREFIX = 20
SECURITY_GROUP_NAME = "default"


def _fake_id(prefix: str, *parts: str) -> str:
    # AWS ids are 17 hex digits after the prefix; deterministic per region and zone.
    digest = hashlib.sha1("/".join(parts).encode()).hexdigest()[:17]
    return f"{prefix}-{digest}"


@dataclass(frozen=True)
class DefaultSubnet:
    id: str
    zone: str
    zone_id: str
    cidr_block: str


@dataclass(frozen=True)
class DefaultVpc:
    region: str
    id: str
    subnets: tuple[DefaultSubnet, ...]
    security_group_id: str
    main_route_table_id: str
    cidr_block: str = CIDR


def default_vpc(region: str) -> DefaultVpc:
    blocks = ipaddress.IPv4Network(CIDR).subnets(new_prefix=SUBNET_PREFIX)
    zones = zip(fake_aws.availability_zones(region), fake_aws.zone_ids(region), strict=True)
    subnets = tuple(
        DefaultSubnet(_fake_id("subnet", region, zone), zone, zone_id, str(block))
        for (zone, zone_id), block in zip(zones, blocks, strict=False)
    )
    return DefaultVpc(
        region=region,
        id=_fake_id("vpc", region, "default"),
        subnets=subnets,
        security_group_id=_fake_id("sg", region, "default"),
        main_route_table_id=_fake_id("rtb", region, "default"),
    )


@dataclass(frozen=True)
class DefaultNetwork:
    vpc_id: str
    public_subnet_ids: list[str]
    private_subnet_ids: list[str]


def default_network(parent: pulumi.Resource) -> DefaultNetwork:
    """awsx's getDefaultVpc, through the aws provider's data sources (the stand-in's answers)."""
    opts = pulumi.InvokeOptions(parent=parent)
    vpc = aws.ec2.get_vpc(default=True, opts=opts)
    ids = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}], opts=opts).ids
    subnets = [aws.ec2.get_subnet(id=subnet_id, opts=opts) for subnet_id in ids]
    return DefaultNetwork(
        vpc_id=vpc.id,
        public_subnet_ids=[s.id for s in subnets if s.map_public_ip_on_launch],
        private_subnet_ids=[s.id for s in subnets if not s.map_public_ip_on_launch],
    )


def construct_default_vpc(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    # awsx registers its components with no input properties (the Node SDK drops a component's
    # props), so neither does the stand-in: the policy pack sees what it sees for real.
    component = pulumi.ComponentResource(TYPE, name, {}, options)
    network = default_network(component)
    state = {
        "vpcId": network.vpc_id,
        "publicSubnetIds": network.public_subnet_ids,
        "privateSubnetIds": network.private_subnet_ids,
    }
    component.register_outputs(state)
    return ConstructResult(urn=component.urn, state=state)
