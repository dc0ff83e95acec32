"""Application load balancers: HTTPS only (HTTP redirects), TLS 1.2+, invalid headers dropped."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies import resource_types as rt
from fargate_policies.framework import Findings, Knob, Subject, expect, expect_true, resource_policy
from fargate_policies.values import describe, is_unknown
from fargate_spec.tls import DEFAULT_TLS_POLICY, allowed_policies_text, is_tls12_or_newer

_REDIRECT_FIX = (
    "make its default action {type: 'redirect', redirect: {protocol: 'HTTPS', port: '443', "
    "statusCode: 'HTTP_301'}} and serve traffic on an HTTPS listener"
)
_HEADERS_WHY = "so malformed headers cannot reach the app (request smuggling)"
_TLS_KNOBS = {
    "allowedSslPolicies": Knob(
        "array", [], "Security policies listeners may use; empty allows any TLS 1.2+ policy."
    )
}


def _protocol(resource: Subject, findings: Findings) -> str | None:
    """The listener's protocol, upper case ("HTTP" when unset, as on an ALB); None if unknown."""
    protocol = resource.props.get("protocol")
    if is_unknown(protocol):
        findings.skip(resource.not_known("protocol"))
        return None
    return str(protocol or "HTTP").upper()


def _redirects_to_https(action: Any) -> bool | None:
    """Whether a default action redirects to HTTPS; None if part of it is unknown."""
    if is_unknown(action):
        return None
    if not isinstance(action, dict):
        return False
    redirect = action.get("redirect")
    protocol = redirect.get("protocol") if isinstance(redirect, dict) else None
    if is_unknown(action.get("type")) or is_unknown(redirect) or is_unknown(protocol):
        return None
    return action.get("type") == "redirect" and protocol == "HTTPS"


@resource_policy(EnforcementLevel.ADVISORY, "alb-http-redirects-to-https", rt.LISTENERS)
def http_redirects_to_https(resource: Subject, findings: Findings) -> None:
    """Checks whether every plain-HTTP listener only redirects to HTTPS."""
    if _protocol(resource, findings) != "HTTP":
        return
    actions = resource.props.get("defaultActions")
    if is_unknown(actions):
        findings.skip(resource.not_known("defaultActions"))
        return
    actions = actions if isinstance(actions, list) else []
    verdicts = [_redirects_to_https(action) for action in actions]
    if None in verdicts:
        findings.skip(resource.not_known("a default action"))
    elif not verdicts or not all(verdicts):
        kinds = [a.get("type") if isinstance(a, dict) else a for a in actions]
        findings.violation(
            f"{resource.subject} serves plain HTTP and must redirect it to HTTPS (default "
            f"actions {describe(kinds)}): {_REDIRECT_FIX}."
        )


@resource_policy(EnforcementLevel.ADVISORY, "alb-https-tls12", rt.LISTENERS, _TLS_KNOBS)
def https_tls12(resource: Subject, findings: Findings) -> None:
    """Checks whether every HTTPS listener uses a TLS 1.2 or newer security policy."""
    if _protocol(resource, findings) != "HTTPS":
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


@resource_policy(EnforcementLevel.ADVISORY, "alb-drop-invalid-headers", rt.LOAD_BALANCERS)
def drop_invalid_headers(resource: Subject, findings: Findings) -> None:
    """Checks whether an application load balancer drops invalid HTTP header fields."""
    kind = resource.props.get("loadBalancerType")
    if is_unknown(kind):
        findings.skip(resource.not_known("loadBalancerType"))
    elif kind in (None, "application"):  # network and gateway balancers do not parse HTTP
        flag = resource.props.get("dropInvalidHeaderFields")
        expect_true(findings, resource, "dropInvalidHeaderFields", flag, _HEADERS_WHY)
