"""What the edge policies ask of a load balancer and its listeners: is it an application load
balancer, is it internet-facing, what protocol does a listener speak? One reader, so the
access-log, web-ACL, redirect and TLS policies answer alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fargate_policies.findings import Findings, Subject
from fargate_policies.readers.values import Unknown, is_unknown


def is_application(props: Mapping[str, Any]) -> bool | Unknown:
    """An ALB: loadBalancerType "application", or unset (the provider's default)."""
    kind = props.get("loadBalancerType")
    if is_unknown(kind):
        return kind
    return kind in (None, "application")


def is_internal(props: Mapping[str, Any]) -> bool | Unknown:
    """Internal (private addresses only); unset means internet-facing, as AWS defaults."""
    internal = props.get("internal")
    if is_unknown(internal):
        return internal
    return internal is True


def listener_protocol(resource: Subject, findings: Findings) -> str | None:
    """The listener's protocol, upper case ("HTTP" when unset, as on an ALB); None if unknown."""
    protocol = resource.props.get("protocol")
    if is_unknown(protocol):
        findings.skip(resource.not_known("protocol"))
        return None
    return str(protocol or "HTTP").upper()
