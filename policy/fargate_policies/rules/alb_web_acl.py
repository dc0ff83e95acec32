"""An internet-facing application load balancer has a WAF web ACL in front of its targets
(Checkov CKV2_AWS_28): common exploits, known bad inputs and floods are stopped at the edge.

The association is its own resource (`aws:wafv2/webAclAssociation`, or the older
`aws:wafregional` one) whose `resourceArn` names the load balancer: by ARN, or during preview
through the engine's property dependencies.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, stack_policy, upper_first
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.balancers import is_application, is_internal
from fargate_policies.readers.stack import StackGraph, StackResource
from fargate_policies.readers.values import is_unknown

_FIX = (
    "associate a web ACL with an aws.wafv2.WebAclAssociation whose resourceArn is the load "
    "balancer's ARN (e.g. with AWS's common and known-bad-inputs rule sets and a rate limit)"
)


_KNOBS = {
    "checkInternal": Knob(
        "boolean", False, "Also require a web ACL on internal (private) load balancers."
    )
}


@stack_policy(EnforcementLevel.ADVISORY, "alb-web-acl", _KNOBS)
def alb_web_acl(resources: list, knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether every internet-facing application load balancer is associated with a WAF
    web ACL."""
    graph = StackGraph(resources)
    protected, unresolved = _protected(graph, findings)
    for balancer in graph.of_type(*rt.LOAD_BALANCERS):
        if balancer.urn in protected or not _needs_acl(balancer, knobs, findings):
            continue
        if unresolved:
            findings.skip(
                f"whether {balancer.owner} has a web ACL is not known until the update runs"
            )
            continue
        scope = "is internet-facing and " if not is_internal(balancer.props) else ""
        findings.violation(
            f"{upper_first(balancer.owner)} {scope}must have a WAF web ACL: {_FIX}.",
            balancer.urn,
        )


def _needs_acl(balancer: StackResource, knobs: dict[str, Any], findings: Findings) -> bool:
    application, internal = is_application(balancer.props), is_internal(balancer.props)
    if is_unknown(application) or (is_unknown(internal) and not knobs["checkInternal"]):
        findings.skip(balancer.not_known("loadBalancerType or internal"))
        return False
    return bool(application) and (knobs["checkInternal"] or not internal)


def _protected(graph: StackGraph, findings: Findings) -> tuple[set[str], bool]:
    """URNs of the load balancers a web ACL association names, and whether any association's
    target could not be followed."""
    protected: set[str] = set()
    unresolved = False
    for association in graph.of_type(*rt.WEB_ACL_ASSOCIATIONS):
        value = association.props.get("resourceArn")
        refs = graph.refs(association, "resourceArn", value, *rt.LOAD_BALANCERS)
        if is_unknown(refs):
            findings.skip(f"the resource of {association.owner} is not known until the update runs")
            unresolved = True
            continue
        protected |= {balancer.urn for balancer in refs.resources}
    return protected, unresolved
