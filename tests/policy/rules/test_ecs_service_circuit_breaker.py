"""ecs-service-circuit-breaker: checks whether a rolling-update ECS service enables the deployment
circuit breaker with automatic rollback."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "ecs-service-circuit-breaker"

PASSING: list[Case] = [
    Case("breaker", f.service(), []),
    Case(
        "codedeploy",
        f.service(deploymentController={"type": "CODE_DEPLOY"}, deploymentCircuitBreaker=f.DROP),
        [],
    ),
    Case(
        "no-rollback-knob",
        f.service(deploymentCircuitBreaker={"enable": True}),
        [],
        {"requireRollback": False},
    ),
]

FAILING: list[Case] = [
    Case(
        "missing",
        f.service(deploymentCircuitBreaker=f.DROP),
        [
            "Service 'web-service' must set deploymentCircuitBreaker.enable to true, not unset, "
            "so a deployment whose tasks never turn healthy stops and rolls back.",
            "deploymentCircuitBreaker.rollback to true, not unset",
        ],
    ),
    Case(
        "no-rollback",
        f.service(deploymentCircuitBreaker={"enable": True, "rollback": False}),
        ["rollback to true, not false"],
    ),
    Case(
        "awsx-disabled",
        f.awsx_service(deploymentCircuitBreaker={"enable": False, "rollback": True}),
        ["Service 'web' must set deploymentCircuitBreaker.enable"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
