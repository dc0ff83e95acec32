"""Every load-balanced ECS service gives new tasks a health-check grace period, so the load
balancer does not stop tasks that are still starting."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    Findings,
    Knob,
    expect,
    service_policy,
)
from fargate_policies.readers.services import Service
from fargate_policies.readers.values import as_int, is_unknown

_GRACE = {
    "minimumGracePeriodSeconds": Knob(
        "integer", 30, "Least grace period for a service behind a load balancer.", minimum=1
    )
}


@service_policy(EnforcementLevel.MANDATORY, "ecs-service-health-check-grace-period", _GRACE)
def service_grace_period(service: Service, knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether a service behind a load balancer gives new tasks a health-check grace
    period."""
    balanced = service.load_balanced()
    if is_unknown(balanced):
        findings.skip(service.not_known("loadBalancers"))
    elif balanced:
        minimum = knobs["minimumGracePeriodSeconds"]
        expect(
            findings,
            service.props.get("healthCheckGracePeriodSeconds"),
            lambda value: (seconds := as_int(value)) is not None and seconds >= minimum,
            unknown=service.not_known("healthCheckGracePeriodSeconds"),
            violation=f"{service.subject} is behind a load balancer and must set "
            f"healthCheckGracePeriodSeconds to at least {minimum}, not {{shown}}: without it "
            "failed load-balancer checks stop tasks that are still starting.",
        )
