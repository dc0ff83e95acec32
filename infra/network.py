"""The VPC: public subnets for the load balancer, private subnets for the tasks, NAT for egress."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from infra.settings import Settings

NAT_STRATEGIES = {
    "Single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "OnePerAz": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
}


@dataclass(frozen=True)
class Network:
    """What the rest of the program needs from the VPC."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    cidr_block: str
    """Known at plan time (it comes from config), so uvicorn's trusted-proxy list and the
    ALB's egress rule do not wait on AWS."""


def create_network(settings: Settings) -> Network:
    vpc = awsx.ec2.Vpc(
        f"{settings.service_name}-vpc",
        cidr_block=settings.vpc_cidr,
        number_of_availability_zones=settings.availability_zones,
        # Private subnets reach ECR, CloudWatch Logs and SSM through NAT. One gateway is cheap
        # but shares one AZ's fate; one per AZ keeps egress alive through an AZ outage.
        nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(
            strategy=NAT_STRATEGIES[settings.nat_strategy]
        ),
        subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
        subnet_specs=[
            awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC),
            awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PRIVATE),
        ],
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags=settings.tags,
    )
    return Network(
        vpc_id=vpc.vpc_id,
        public_subnet_ids=vpc.public_subnet_ids,
        private_subnet_ids=vpc.private_subnet_ids,
        cidr_block=settings.vpc_cidr,
    )


def tcp_ingress(
    description: str, port: int, **sources: pulumi.Input[list[str]]
) -> aws.ec2.SecurityGroupIngressArgs:
    """One TCP port in, from `cidr_blocks=[...]` or `security_groups=[...]`."""
    return aws.ec2.SecurityGroupIngressArgs(
        description=description, protocol="tcp", from_port=port, to_port=port, **sources
    )


def tcp_egress(description: str, port: int, cidr: str) -> aws.ec2.SecurityGroupEgressArgs:
    """One TCP port out, to one IPv4 range."""
    return aws.ec2.SecurityGroupEgressArgs(
        description=description, protocol="tcp", from_port=port, to_port=port, cidr_blocks=[cidr]
    )
