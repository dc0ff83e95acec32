"""Application load balancers drop HTTP headers that are not valid, so malformed headers cannot
reach the app (request smuggling)."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Subject, expect_true, resource_policy
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.values import is_unknown

_HEADERS_WHY = "so malformed headers cannot reach the app (request smuggling)"


@resource_policy(EnforcementLevel.ADVISORY, "alb-drop-invalid-headers", rt.LOAD_BALANCERS)
def drop_invalid_headers(resource: Subject, findings: Findings) -> None:
    """Checks whether an application load balancer drops invalid HTTP header fields."""
    kind = resource.props.get("loadBalancerType")
    if is_unknown(kind):
        findings.skip(resource.not_known("loadBalancerType"))
    elif kind in (None, "application"):  # network and gateway balancers do not parse HTTP
        flag = resource.props.get("dropInvalidHeaderFields")
        expect_true(findings, resource, "dropInvalidHeaderFields", flag, _HEADERS_WHY)
