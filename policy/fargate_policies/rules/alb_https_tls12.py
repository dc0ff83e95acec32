"""HTTPS listeners of a load balancer negotiate TLS 1.2 or newer."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, Subject, expect, resource_policy
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.balancers import listener_protocol
from fargate_policies.readers.values import describe
from fargate_spec.tls import DEFAULT_TLS_POLICY, allowed_policies_text, is_tls12_or_newer

_TLS_KNOBS = {
    "allowedSslPolicies": Knob(
        "array", [], "Security policies listeners may use; empty allows any TLS 1.2+ policy."
    )
}


@resource_policy(EnforcementLevel.ADVISORY, "alb-https-tls12", rt.LISTENERS, _TLS_KNOBS)
def https_tls12(resource: Subject, findings: Findings) -> None:
    """Checks whether every HTTPS listener uses a TLS 1.2 or newer security policy."""
    if listener_protocol(resource, findings) != "HTTPS":
        return
    policy = resource.props.get("sslPolicy")
    allowed = resource.knobs["allowedSslPolicies"]
    modern = expect(
        findings,
        policy,
        lambda value: isinstance(value, str) and is_tls12_or_newer(value),
        unknown=resource.not_known("sslPolicy"),
        violation=f"{resource.subject} must use a TLS 1.2+ security policy, not {{shown}}: "
        f"set sslPolicy to '{DEFAULT_TLS_POLICY}' or another of {allowed_policies_text()}.",
    )
    if modern and allowed and policy not in allowed:
        findings.violation(
            f"{resource.subject} must use one of the allowed security policies "
            f"{', '.join(allowed)}, not {describe(policy)}."
        )
