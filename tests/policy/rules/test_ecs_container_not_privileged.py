"""ecs-container-not-privileged: checks whether every container runs unprivileged."""

from __future__ import annotations

from tests.policy.rules.cases import Case, awsx, policy_tests, td

POLICY = "ecs-container-not-privileged"

PASSING: list[Case] = [
    Case("absent", td(), []),
    Case("false", td(privileged=False), []),
    Case("awsx-false", awsx(privileged=False), []),
]

FAILING: list[Case] = [
    Case(
        "true",
        td(privileged=True),
        [
            "Container 'app' in task definition 'web-task' must not be privileged "
            "(privileged true): remove privileged or set it to false."
        ],
    ),
    Case("string", td(privileged="true"), ["(privileged 'true')"]),
    Case("awsx-true", awsx(privileged=True), ["in service 'web' must not be"]),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
