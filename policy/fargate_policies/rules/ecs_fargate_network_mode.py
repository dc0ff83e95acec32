"""A task definition that requires FARGATE sets networkMode awsvpc: ECS refuses any other mode,
unset included (its default is bridge), when `pulumi up` registers it, after a preview that
showed nothing wrong (fargate_spec.network_mode has the sources).

awsx's FargateTaskDefinition always registers awsvpc (pulumi-awsx fargateTaskDefinition.ts), so
only task definitions a program writes itself meet this policy.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Subject, resource_policy
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.values import describe, is_unknown
from fargate_spec.network_mode import (
    AWSVPC,
    FARGATE,
    FARGATE_NETWORK_MODE_REFUSED,
    fargate_refuses,
)

POLICY = "ecs-fargate-network-mode"


@resource_policy(EnforcementLevel.MANDATORY, POLICY, (rt.TASK_DEFINITION,))
def fargate_network_mode(resource: Subject, findings: Findings) -> None:
    """Checks whether a task definition that requires FARGATE sets networkMode to awsvpc, the
    only network mode Fargate supports, as ECS requires to register it."""
    mode = resource.props.get("networkMode")
    if mode == AWSVPC:
        return  # accepted whatever the compatibilities
    compatibilities = resource.props.get("requiresCompatibilities")
    if _fargate_unknown(compatibilities):
        findings.skip(resource.not_known("requiresCompatibilities"))
    elif is_unknown(mode):
        if fargate_refuses(compatibilities, None):
            findings.skip(resource.not_known("networkMode"))
    elif fargate_refuses(compatibilities, mode):
        findings.violation(_message(resource, mode))


def _fargate_unknown(compatibilities: Any) -> bool:
    """Whether it is unknown if `compatibilities` includes FARGATE: the whole list is unknown,
    or an entry is and no known one is FARGATE."""
    if is_unknown(compatibilities):
        return True
    return (
        isinstance(compatibilities, list)
        and FARGATE not in compatibilities
        and any(is_unknown(entry) for entry in compatibilities)
    )


def _message(resource: Subject, mode: Any) -> str:
    shown = "leave it unset (ECS's default is bridge)" if mode is None else f"use {describe(mode)}"
    return (
        f"{resource.subject} must set networkMode to 'awsvpc', the only network mode Fargate "
        f"supports, since its requiresCompatibilities includes FARGATE, not {shown}: ECS refuses "
        f"to register it ('{FARGATE_NETWORK_MODE_REFUSED}'), so `pulumi up` fails after a clean "
        "preview; set networkMode to 'awsvpc'."
    )
