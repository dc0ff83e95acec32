"""Every target group of a load balancer checks the health of its targets with an HTTP probe
of a path and a matcher that name a healthy response."""

from __future__ import annotations

import re

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    Findings,
    Knob,
    Subject,
    expect,
    resource_policy,
)
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.values import describe, is_unknown
from fargate_spec.contract import LIVENESS_PATH

# ELB matcher syntax: codes and ranges, comma separated ("200", "200-299", "200,204").
_MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
_HTTP = ("HTTP", "HTTPS")
_TG_FIX = f"set healthCheck.path (e.g. '{LIVENESS_PATH}') and healthCheck.matcher (e.g. '200')"
_PATHS = {
    "allowedPaths": Knob("array", [], "Paths target groups may probe; empty allows any path.")
}


@resource_policy(
    EnforcementLevel.MANDATORY, "alb-target-group-health-check", rt.TARGET_GROUPS, _PATHS
)
def target_group_health_check(resource: Subject, findings: Findings) -> None:
    """Checks whether every HTTP target group health-checks an explicit path with an explicit
    success matcher."""
    kind, protocol = resource.props.get("targetType"), resource.props.get("protocol")
    if is_unknown(kind) or is_unknown(protocol):
        findings.skip(resource.not_known("targetType and protocol"))
        return
    if kind in ("lambda", "alb") or (protocol and str(protocol).upper() not in _HTTP):
        return  # Lambda and ALB targets, and TCP/TLS/UDP groups, have no HTTP path to check
    health = resource.props.get("healthCheck")
    if not expect(
        findings,
        health,
        lambda value: isinstance(value, dict),
        unknown=resource.not_known("healthCheck"),
        violation=f"{resource.subject} must configure healthCheck with an HTTP path and matcher, "
        f"not {{shown}}: {_TG_FIX}.",
    ):
        return
    if health.get("enabled") is False:
        findings.violation(f"{resource.subject} must not disable its health check: {_TG_FIX}.")
        return
    _check_target_group_fields(resource, health, findings)


def _check_target_group_fields(resource: Subject, health: dict, findings: Findings) -> None:
    allowed = resource.knobs["allowedPaths"]
    expect(
        findings,
        health.get("protocol"),
        lambda value: value is None or value in _HTTP,
        unknown=resource.not_known("healthCheck.protocol"),
        violation=f"{resource.subject} must health-check over HTTP or HTTPS, not {{shown}}: "
        f"{_TG_FIX}.",
    )
    path_ok = expect(
        findings,
        health.get("path"),
        lambda value: isinstance(value, str) and value.startswith("/"),
        unknown=resource.not_known("healthCheck.path"),
        violation=f"{resource.subject} must health-check an explicit HTTP path starting with "
        f"'/', not {{shown}}: {_TG_FIX}.",
    )
    if path_ok and allowed and health["path"] not in allowed:
        findings.violation(
            f"{resource.subject} must health-check one of the allowed paths "
            f"{', '.join(allowed)}, not {describe(health['path'])}."
        )
    expect(
        findings,
        health.get("matcher"),
        lambda value: isinstance(value, str) and _MATCHER.match(value) is not None,
        unknown=resource.not_known("healthCheck.matcher"),
        violation=f"{resource.subject} must set healthCheck.matcher to the HTTP codes of a "
        f"healthy response ('200', '200-299'), not {{shown}}: {_TG_FIX}.",
    )
