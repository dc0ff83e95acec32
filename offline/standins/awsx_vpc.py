"""The `awsx:ec2:Vpc` stand-in: the same children awsx 3.x registers (a VPC, public/private/
isolated subnets per AZ, route tables and routes, an internet gateway, NAT gateways with their
Elastic IPs), as real pulumi_aws resources served by the `aws` stand-in, so the plan and the
policy pack see a realistic network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult

from offline.standins import vpc_layout
from offline.standins.component_inputs import plain_input, plain_list

TYPE = "awsx:ec2:Vpc"
DEFAULT_AZ_COUNT = 3
DEFAULT_CIDR = "10.0.0.0/16"
DEFAULT_NAT_STRATEGY = "OnePerAz"
DEFAULT_SUBNET_STRATEGY = "Legacy"
# VpcArgs that awsx passes on to the aws.ec2.Vpc child (camelCase -> pulumi_aws keyword).
VPC_PASSTHROUGH = {
    "assignGeneratedIpv6CidrBlock": "assign_generated_ipv6_cidr_block",
    "enableDnsHostnames": "enable_dns_hostnames",
    "enableDnsSupport": "enable_dns_support",
    "enableNetworkAddressUsageMetrics": "enable_network_address_usage_metrics",
    "instanceTenancy": "instance_tenancy",
    "ipv6CidrBlock": "ipv6_cidr_block",
    "ipv6CidrBlockNetworkBorderGroup": "ipv6_cidr_block_network_border_group",
    "ipv6IpamPoolId": "ipv6_ipam_pool_id",
    "ipv6NetmaskLength": "ipv6_netmask_length",
    "region": "region",
}
UNSUPPORTED = {
    "ipv4IpamPoolId": "IPAM-allocated VPCs get their CIDR from AWS; set cidrBlock instead",
    "ipv4NetmaskLength": "IPAM-allocated VPCs get their CIDR from AWS; set cidrBlock instead",
    "vpcEndpointSpecs": "the offline stand-in creates no VPC endpoints",
}


def construct_vpc(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    for key, reason in UNSUPPORTED.items():
        if inputs.get(key) is not None:
            raise pulumi.InputPropertyError(key, f"not reproduced offline: {reason}")
    component = pulumi.ComponentResource(TYPE, name, {}, options)
    azs = _availability_zones(inputs, component)
    nat = plain_input(inputs, "natGateways") or {}
    try:
        planned = vpc_layout.plan_subnets(
            name,
            plain_input(inputs, "cidrBlock") or DEFAULT_CIDR,
            azs,
            vpc_layout.parse_specs(plain_list(inputs, "subnetSpecs")),
            strategy=plain_input(inputs, "subnetStrategy") or DEFAULT_SUBNET_STRATEGY,
            az_cidr_mask=plain_input(inputs, "availabilityZoneCidrMask"),
        )
        strategy = nat.get("strategy") or DEFAULT_NAT_STRATEGY
        nat_azs = vpc_layout.nat_gateway_azs(strategy, planned)
    except vpc_layout.LayoutError as error:
        raise pulumi.InputPropertyError(error.key, str(error)) from None
    eip_ids = _elastic_ip_ids(nat, strategy, len(azs))
    state = _Network(name, component, inputs).build(planned, nat_azs, strategy, eip_ids)
    component.register_outputs(state)
    return ConstructResult(urn=component.urn, state=state)


def _availability_zones(inputs: Mapping[str, Any], parent: pulumi.Resource) -> list[str]:
    names = plain_list(inputs, "availabilityZoneNames")
    count = plain_input(inputs, "numberOfAvailabilityZones")
    if names and count:
        raise pulumi.InputPropertyError(
            "availabilityZoneNames",
            "only one of availabilityZoneNames and numberOfAvailabilityZones can be specified",
        )
    if names:
        return [str(zone) for zone in names]
    desired = int(count or DEFAULT_AZ_COUNT)
    # awsx asks the aws provider (here: its stand-in) which zones the region has.
    found = aws.get_availability_zones(opts=pulumi.InvokeOptions(parent=parent)).names
    if len(found) < desired:
        raise pulumi.InputPropertyError(
            "numberOfAvailabilityZones",
            f"the region has {len(found)} availability zones ({', '.join(found)}), fewer than "
            f"the {desired} requested: list availabilityZoneNames or ask for fewer",
        )
    return list(found[:desired])


def _elastic_ip_ids(nat: Mapping[str, Any], strategy: str, az_count: int) -> list[Any]:
    ids = list(nat.get("elasticIpAllocationIds") or [])
    allowed = {"None": 0, "Single": 1, "OnePerAz": az_count}[strategy]
    if ids and len(ids) != allowed:
        raise pulumi.InputPropertyError(
            "natGateways.elasticIpAllocationIds",
            f"{len(ids)} allocation IDs given; NAT strategy {strategy} takes {allowed} "
            "(or none, and the VPC allocates its own Elastic IPs)",
        )
    return ids


class _Network:
    """Builds the children in awsx's order, names and parents."""

    def __init__(
        self, name: str, component: pulumi.ComponentResource, inputs: Mapping[str, Any]
    ) -> None:
        self.name = name
        self.user_tags = pulumi.Output.from_input(inputs.get("tags") or {})
        self.shared_tags = self.user_tags.apply(lambda tags: {"Name": name, **tags})
        passthrough = {
            keyword: inputs[key] for key, keyword in VPC_PASSTHROUGH.items() if key in inputs
        }
        self.vpc = aws.ec2.Vpc(
            name,
            cidr_block=plain_input(inputs, "cidrBlock") or DEFAULT_CIDR,
            tags=self.shared_tags,
            opts=pulumi.ResourceOptions(parent=component),
            **passthrough,
        )
        self.igw = aws.ec2.InternetGateway(
            name, vpc_id=self.vpc.id, tags=self.shared_tags, opts=self._under(self.vpc)
        )
        self.all_subnets: list[aws.ec2.Subnet] = []
        self.subnets: dict[str, list[aws.ec2.Subnet]] = {
            "public": [],
            "private": [],
            "isolated": [],
        }
        self.route_tables: list[aws.ec2.RouteTable] = []
        self.associations: list[aws.ec2.RouteTableAssociation] = []
        self.routes: list[aws.ec2.Route] = []
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        self.eips: list[aws.ec2.Eip] = []

    def build(
        self,
        planned: Sequence[vpc_layout.PlannedSubnet],
        nat_azs: Sequence[int],
        strategy: str,
        eip_ids: Sequence[Any],
    ) -> dict[str, Any]:
        for spec in planned:
            subnet = self._subnet(spec)
            table = self._route_table(spec, subnet)
            if spec.kind == "public" and spec.az_index in nat_azs:
                self._nat_gateway(spec, subnet, eip_ids)
            if spec.kind == "public":
                self._route(spec, table, gateway_id=self.igw.id)
            elif spec.kind == "private" and strategy != "None":
                gateway = self.nat_gateways[0 if strategy == "Single" else spec.az_index]
                self._route(spec, table, nat_gateway_id=gateway.id)
        return self._outputs(planned)

    def _under(self, parent: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, depends_on=[parent])

    def _subnet(self, spec: vpc_layout.PlannedSubnet) -> aws.ec2.Subnet:
        tags = pulumi.Output.all(self.shared_tags, spec.tags or {}).apply(
            lambda parts: {**parts[0], **parts[1], "Name": spec.name, "SubnetType": spec.type}
        )
        subnet = aws.ec2.Subnet(
            spec.name,
            vpc_id=self.vpc.id,
            availability_zone=spec.az,
            map_public_ip_on_launch=spec.kind == "public",
            cidr_block=spec.cidr_block,
            tags=tags,
            opts=self._under(self.vpc),
        )
        self.all_subnets.append(subnet)
        self.subnets[spec.kind].append(subnet)
        return subnet

    def _route_table(
        self, spec: vpc_layout.PlannedSubnet, subnet: aws.ec2.Subnet
    ) -> aws.ec2.RouteTable:
        tags = self.shared_tags.apply(
            lambda shared: {**shared, "Name": spec.name, "SubnetType": spec.type}
        )
        table = aws.ec2.RouteTable(
            spec.name, vpc_id=self.vpc.id, tags=tags, opts=self._under(subnet)
        )
        self.route_tables.append(table)
        self.associations.append(
            aws.ec2.RouteTableAssociation(
                spec.name, route_table_id=table.id, subnet_id=subnet.id, opts=self._under(table)
            )
        )
        return table

    def _nat_gateway(
        self, spec: vpc_layout.PlannedSubnet, subnet: aws.ec2.Subnet, eip_ids: Sequence[Any]
    ) -> None:
        label = f"{self.name}-{spec.az_index + 1}"
        tags = self.user_tags.apply(lambda tags: {**tags, "Name": label})
        if eip_ids:
            allocation = eip_ids[len(self.nat_gateways)]
        else:
            eip = aws.ec2.Eip(label, tags=tags, opts=self._under(subnet))
            self.eips.append(eip)
            allocation = eip.allocation_id
        self.nat_gateways.append(
            aws.ec2.NatGateway(
                label,
                subnet_id=subnet.id,
                allocation_id=allocation,
                tags=tags,
                opts=self._under(subnet),
            )
        )

    def _route(
        self, spec: vpc_layout.PlannedSubnet, table: aws.ec2.RouteTable, **target: Any
    ) -> None:
        self.routes.append(
            aws.ec2.Route(
                spec.name,
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                opts=self._under(table),
                **target,
            )
        )

    def _outputs(self, planned: Sequence[vpc_layout.PlannedSubnet]) -> dict[str, Any]:
        subnets = self.subnets
        return {
            "vpc": self.vpc,
            "vpcId": self.vpc.id,
            "subnets": self.all_subnets,
            "publicSubnets": subnets["public"],
            "privateSubnets": subnets["private"],
            "isolatedSubnets": subnets["isolated"],
            "publicSubnetIds": [s.id for s in subnets["public"]],
            "privateSubnetIds": [s.id for s in subnets["private"]],
            "isolatedSubnetIds": [s.id for s in subnets["isolated"]],
            "routeTables": self.route_tables,
            "routeTableAssociations": self.associations,
            "routes": self.routes,
            "internetGateway": self.igw,
            "natGateways": self.nat_gateways,
            "eips": self.eips,
            "vpcEndpoints": [],
            "subnetLayout": vpc_layout.subnet_layout(planned),
        }
