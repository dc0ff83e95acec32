"""What the edge policies ask of a load balancer: is it an application load balancer, and is it
internet-facing? One reader, so the access-log and web-ACL policies answer alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fargate_policies.values import Unknown, is_unknown


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
