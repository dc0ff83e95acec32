"""Service tasks stay in private subnets: no public IP address on their network interfaces."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, expect, service_policy
from fargate_policies.readers.services import Service
from fargate_policies.readers.values import is_unknown


@service_policy(EnforcementLevel.ADVISORY, "ecs-service-no-public-ip")
def service_no_public_ip(service: Service, _knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether an ECS service assigns public IP addresses to its tasks."""
    network = service.network_configuration()
    if is_unknown(network):
        findings.skip(service.not_known("networkConfiguration"))
        return
    expect(
        findings,
        network.get("assignPublicIp") if isinstance(network, dict) else None,
        lambda assign: assign in (None, False),
        unknown=service.not_known("networkConfiguration.assignPublicIp"),
        violation=f"{service.subject} must not give its tasks public IP addresses (assignPublicIp "
        "{shown}): set assignPublicIp to false, run tasks in private subnets and reach the "
        "internet through a NAT gateway or VPC endpoints.",
    )
