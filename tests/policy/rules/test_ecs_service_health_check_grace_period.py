"""ecs-service-health-check-grace-period: checks whether a service behind a load balancer gives new
tasks a health-check grace period."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "ecs-service-health-check-grace-period"

PASSING: list[Case] = [
    Case("service", f.service(), []),
    Case("no-load-balancer", f.service(loadBalancers=[], healthCheckGracePeriodSeconds=f.DROP), []),
    Case("awsx", f.awsx_service(), []),
    Case(
        "awsx-no-target-group",
        f.awsx_service(
            c={"portMappings": [{"containerPort": 8000}]}, healthCheckGracePeriodSeconds=f.DROP
        ),
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "missing",
        f.service(healthCheckGracePeriodSeconds=f.DROP),
        [
            "Service 'web-service' is behind a load balancer and must set "
            "healthCheckGracePeriodSeconds to at least 30, not unset: without it failed "
            "load-balancer checks stop tasks that are still starting."
        ],
    ),
    Case("short", f.service(healthCheckGracePeriodSeconds=10), ["at least 30, not 10"]),
    Case(
        "awsx-missing",
        f.awsx_service(healthCheckGracePeriodSeconds=f.DROP),
        ["Service 'web' is behind a load balancer"],
    ),
    Case("knob", f.service(), ["at least 120, not 60"], {"minimumGracePeriodSeconds": 120}),
    Case("string", f.service(healthCheckGracePeriodSeconds="60"), ["not '60'"]),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
