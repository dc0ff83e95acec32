"""HTTP listeners of a load balancer redirect to HTTPS."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Subject, resource_policy
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.balancers import listener_protocol
from fargate_policies.readers.values import describe, is_unknown

_REDIRECT_FIX = (
    "make its default action {type: 'redirect', redirect: {protocol: 'HTTPS', port: '443', "
    "statusCode: 'HTTP_301'}} and serve traffic on an HTTPS listener"
)


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
    if listener_protocol(resource, findings) != "HTTP":
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
