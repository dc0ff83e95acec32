"""Deployments that stop and roll back on their own when new tasks fail to become healthy."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, expect_true, service_policy
from fargate_policies.readers.services import Service
from fargate_policies.readers.values import is_unknown

_KNOBS = {
    "requireRollback": Knob("boolean", True, "Also require rollback to the last good deployment.")
}


@service_policy(EnforcementLevel.ADVISORY, "ecs-service-circuit-breaker", _KNOBS)
def service_circuit_breaker(service: Service, knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether a rolling-update ECS service enables the deployment circuit breaker with
    automatic rollback."""
    controller = service.props.get("deploymentController")
    kind = controller.get("type") if isinstance(controller, dict) else None
    if is_unknown(controller) or is_unknown(kind):
        findings.skip(service.not_known("deploymentController"))
        return
    if kind not in (None, "ECS"):
        return  # CodeDeploy and external controllers roll back on their own terms
    breaker = service.props.get("deploymentCircuitBreaker")
    if is_unknown(breaker):
        findings.skip(service.not_known("deploymentCircuitBreaker"))
        return
    breaker = breaker if isinstance(breaker, dict) else {}
    why = "so a deployment whose tasks never turn healthy stops and rolls back"
    for key in ("enable", "rollback") if knobs["requireRollback"] else ("enable",):
        value = breaker.get(key)
        expect_true(findings, service, f"deploymentCircuitBreaker.{key}", value, why)
