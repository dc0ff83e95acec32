"""Every VPC of the stack has a flow log: without one, a connection that was refused or that
should not have happened leaves no trace (Checkov CKV2_AWS_11).

A VPC is an `aws:ec2/vpc:Vpc`, or an awsx `Vpc` component whose VPC child is not in the stack
(under Pulumi's mocks, or when awsx registers children the pack does not see). A flow log
covers the VPC its `vpcId` names: by ID, by an awsx component's `vpcId` output, or during
preview through the engine's property dependencies (an unknown ID that depends on the VPC or on
the awsx component that owns it).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, stack_policy, upper_first
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.stack import StackGraph, StackResource
from fargate_policies.readers.values import describe, is_unknown
from fargate_spec.edge import FLOW_LOG_TRAFFIC_TYPES

_KNOBS = {
    "allowedTrafficTypes": Knob(
        "array",
        ["ALL", "REJECT"],
        f"Traffic types a flow log may capture ({', '.join(FLOW_LOG_TRAFFIC_TYPES)}).",
    )
}
_FIX = (
    "add an aws.ec2.FlowLog with vpcId set to it and trafficType ALL, delivered to CloudWatch "
    "Logs (with a role) or S3"
)
_VPC_TYPES = (rt.VPC, rt.AWSX_VPC)


@stack_policy(EnforcementLevel.ADVISORY, "vpc-flow-logs", _KNOBS)
def vpc_flow_logs(resources: list, knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether every VPC of the stack has a flow log that captures an allowed traffic
    type."""
    graph = StackGraph(resources)
    allowed = knobs["allowedTrafficTypes"]
    covered: set[str] = set()
    unresolved = False
    for flow_log in graph.of_type(rt.FLOW_LOG):
        if not _captures_allowed_traffic(flow_log, allowed, findings):
            continue
        targets = _covered_vpcs(graph, flow_log)
        if targets is None:
            findings.skip(f"the VPC of {flow_log.owner} is not known until the update runs")
            unresolved = True
        else:
            covered |= targets
    for vpc in _vpcs(graph):
        if vpc.urn in covered or (vpc.parent is not None and vpc.parent in covered):
            continue
        if unresolved:
            continue  # a flow log whose VPC is not known yet may be this one's
        findings.violation(
            f"{upper_first(vpc.owner)} must have a flow log: {_FIX}, so every accepted and "
            "rejected connection can be traced.",
            vpc.urn,
        )


def _vpcs(graph: StackGraph) -> list[StackResource]:
    """The VPCs to check: each aws VPC, and each awsx Vpc whose VPC child is not in the stack."""
    return [
        vpc
        for vpc in graph.of_type(*_VPC_TYPES)
        if vpc.resource_type == rt.VPC or not graph.children(vpc, rt.VPC)
    ]


def _captures_allowed_traffic(flow_log: StackResource, allowed: list, findings: Findings) -> bool:
    traffic = flow_log.props.get("trafficType")
    if is_unknown(traffic):
        findings.skip(flow_log.not_known("trafficType"))
        return False
    if traffic in allowed:
        return True
    findings.violation(
        f"{upper_first(flow_log.owner)} must capture traffic type "
        f"{' or '.join(allowed)}, not {describe(traffic)}: set trafficType to "
        f"{allowed[0] if allowed else 'ALL'}.",
        flow_log.urn,
    )
    return False


def _covered_vpcs(graph: StackGraph, flow_log: StackResource) -> set[str] | None:
    """URNs of the VPCs (or awsx Vpc components) the flow log's vpcId names; None if unknown."""
    vpc_id = flow_log.props.get("vpcId")
    if vpc_id is None:
        return set()  # a subnet, interface or transit gateway flow log covers no whole VPC
    if is_unknown(vpc_id):
        urns = flow_log.property_dependencies.get("vpcId", [])
        found = {vpc.urn for vpc in graph.of_type(*_VPC_TYPES) if vpc.urn in urns}
        return found or None
    by_id = graph.derived("vpcs-by-id", lambda: _vpc_index(graph))
    return set(by_id.get(str(vpc_id), ()))


def _vpc_index(graph: StackGraph) -> dict[str, list[str]]:
    """{VPC ID: URNs}: an aws VPC's own ID, and an awsx component's vpcId output."""
    index: dict[str, list[str]] = {}
    for vpc in graph.of_type(*_VPC_TYPES):
        key = "vpcId" if vpc.resource_type == rt.AWSX_VPC else "id"
        value = vpc.props.get(key)
        if isinstance(value, str) and value:
            index.setdefault(value, []).append(vpc.urn)
    return index
