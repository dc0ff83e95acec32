"""A stack policy: a load-balanced service's security groups admit traffic only from the ALB.

Ingress can be written three ways, and all three are read: inline `ingress` blocks of an
`aws:ec2/securityGroup:SecurityGroup`, `aws:ec2/securityGroupRule:SecurityGroupRule` resources of
type "ingress", and `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule` resources.
A source is acceptable only if it is a security group of an application load balancer in the
stack (or a CIDR the platform allows through the `allowedCidrBlocks` knob).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, not_known, stack_policy, upper_first
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.stack import Refs, StackGraph, StackResource
from fargate_policies.readers.values import is_unknown
from fargate_policies.readers.wiring import services

_CIDRS = {
    "allowedCidrBlocks": Knob(
        "array", [], "CIDR blocks a service may also admit (e.g. a monitoring subnet)."
    )
}
_FIX = "admit only the load balancer's security group (referencedSecurityGroupId / securityGroups)"


@dataclass(frozen=True)
class Ingress:
    """One ingress rule of a security group: where it is written and what it admits."""

    where: str  # "inline ingress #1 of security group 'web-sg'"
    urn: str  # the resource that declares it
    open_sources: tuple[str, ...]  # CIDRs, prefix lists, "itself"
    group_refs: Refs | Any  # security groups it admits (Refs), or Unknown


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value if item is not None and not is_unknown(item)]
    return [value] if isinstance(value, str) and value else []


def inline_ingress(graph: StackGraph, group: StackResource) -> list[Ingress]:
    rules = group.props.get("ingress")
    if not isinstance(rules, list):
        return []
    found = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        sources = _strings(rule.get("cidrBlocks")) + _strings(rule.get("ipv6CidrBlocks"))
        sources += [f"prefix list {p}" for p in _strings(rule.get("prefixListIds"))]
        if rule.get("self") is True:
            sources.append("the group itself")
        refs = graph.refs(group, "ingress", rule.get("securityGroups") or [], rt.SECURITY_GROUP)
        where = f"inline ingress #{index + 1} of {group.owner}"
        found.append(Ingress(where, group.urn, tuple(sources), refs))
    return found


def rule_resources(graph: StackGraph, group: StackResource) -> tuple[list[Ingress], list[str]]:
    """Ingress rules declared as separate resources for `group`, and rules it cannot place."""
    by_group, unplaced = graph.derived("ingress-rules-by-group", lambda: _rule_index(graph))
    return list(by_group.get(group.urn, [])), list(unplaced)


def _rule_index(graph: StackGraph) -> tuple[dict[str, list[Ingress]], list[str]]:
    """{security group URN: its separate ingress rules}, and the rules whose group is not known,
    from one pass over the rule resources (in stack order)."""
    by_group: dict[str, list[Ingress]] = {}
    unplaced: list[str] = []
    for rule in graph.of_type(rt.SECURITY_GROUP_RULE, rt.VPC_INGRESS_RULE):
        props = rule.props
        if rule.resource_type == rt.SECURITY_GROUP_RULE and props.get("type") != "ingress":
            continue
        target = graph.refs(
            rule, "securityGroupId", props.get("securityGroupId"), rt.SECURITY_GROUP
        )
        if is_unknown(target):
            unplaced.append(not_known(f"securityGroupId of {rule.owner}"))
            continue
        if not target.resources:
            continue
        if rule.resource_type == rt.VPC_INGRESS_RULE:
            sources = _strings(props.get("cidrIpv4")) + _strings(props.get("cidrIpv6"))
            sources += [f"prefix list {p}" for p in _strings(props.get("prefixListId"))]
            key = "referencedSecurityGroupId"
        else:
            sources = _strings(props.get("cidrBlocks")) + _strings(props.get("ipv6CidrBlocks"))
            sources += [f"prefix list {p}" for p in _strings(props.get("prefixListIds"))]
            sources += ["the group itself"] if props.get("self") is True else []
            key = "sourceSecurityGroupId"
        refs = graph.refs(rule, key, props.get(key), rt.SECURITY_GROUP)
        ingress = Ingress(rule.owner, rule.urn, tuple(sources), refs)
        for group in target.resources:
            by_group.setdefault(group.urn, []).append(ingress)
    return by_group, unplaced


def _alb_groups(graph: StackGraph, findings: Findings) -> list[StackResource]:
    groups: list[StackResource] = []
    for balancer in graph.of_type(*rt.LOAD_BALANCERS):
        if balancer.props.get("loadBalancerType") not in (None, "application"):
            continue
        refs = graph.refs(
            balancer, "securityGroups", balancer.props.get("securityGroups"), rt.SECURITY_GROUP
        )
        if is_unknown(refs):
            findings.skip(not_known(f"securityGroups of {balancer.owner}"))
        else:
            groups.extend(refs.resources)
    return groups


def _service_groups(
    graph: StackGraph, service: StackResource, findings: Findings
) -> list[StackResource]:
    """The security groups `service` runs its tasks in (after reporting missing ones)."""
    network = service.props.get("networkConfiguration")
    if is_unknown(network):
        findings.skip(not_known(f"networkConfiguration of {service.owner}"))
        return []
    groups = network.get("securityGroups") if isinstance(network, dict) else None
    if service.resource_type == rt.AWSX_FARGATE_SERVICE and network is None:
        findings.violation(
            f"{upper_first(service.owner)} must set networkConfiguration with securityGroups: "
            f"without it awsx creates a security group open to 0.0.0.0/0; {_FIX}.",
            service.urn,
        )
        return []
    if groups is None or groups == []:
        findings.violation(
            f"{upper_first(service.owner)} must set networkConfiguration.securityGroups: "
            f"without them ECS uses the VPC's default security group; {_FIX}.",
            service.urn,
        )
        return []
    refs = graph.refs(service, "networkConfiguration", groups, rt.SECURITY_GROUP)
    if is_unknown(refs):
        findings.skip(not_known(f"networkConfiguration.securityGroups of {service.owner}"))
        return []
    for external in refs.external:
        findings.skip(
            f"security group {external} of {service.owner} is not in this stack, so its rules "
            "cannot be checked"
        )
    return list(refs.resources)


@stack_policy(EnforcementLevel.ADVISORY, "ecs-service-ingress-from-alb-only", _CIDRS)
def service_ingress_from_alb_only(
    resources: list[StackResource], knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether the security groups of every load-balanced ECS service admit traffic only
    from the application load balancer's security group."""
    graph = StackGraph(resources)
    alb_groups = {group.urn for group in _alb_groups(graph, findings)}
    allowed_cidrs = set(knobs["allowedCidrBlocks"])
    checked: set[str] = set()
    for service in services(graph):
        for group in _service_groups(graph, service, findings):
            if group.urn in checked:
                continue
            checked.add(group.urn)
            separate, unplaced = rule_resources(graph, group)
            for reason in unplaced:
                findings.skip(reason)
            for ingress in inline_ingress(graph, group) + separate:
                _check_ingress(
                    service,
                    group=group,
                    ingress=ingress,
                    alb_groups=alb_groups,
                    allowed_cidrs=allowed_cidrs,
                    findings=findings,
                )


def _check_ingress(
    service: StackResource,
    *,
    group: StackResource,
    ingress: Ingress,
    alb_groups: set[str],  # URNs of the ALBs' security groups
    allowed_cidrs: set[str],
    findings: Findings,
) -> None:
    context = f"{upper_first(ingress.where)} guards {service.owner} and must {_FIX}"
    for source in ingress.open_sources:
        if source not in allowed_cidrs:
            findings.violation(f"{context}, not {source}.", ingress.urn)
    if is_unknown(ingress.group_refs):
        findings.skip(not_known(f"the source security groups of {ingress.where}"))
        return
    for other in ingress.group_refs.resources:
        if other.urn not in alb_groups and other is not group:
            findings.violation(f"{context}, not {other.owner}.", ingress.urn)
        elif other is group:
            findings.violation(f"{context}, not the group itself.", ingress.urn)
    for external in ingress.group_refs.external:
        findings.violation(f"{context}, not security group {external}.", ingress.urn)
