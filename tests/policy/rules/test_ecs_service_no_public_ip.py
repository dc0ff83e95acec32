"""ecs-service-no-public-ip: checks whether an ECS service assigns public IP addresses to its
tasks."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "ecs-service-no-public-ip"

PASSING: list[Case] = [
    Case("private", f.service(), []),
    Case("awsx-private", f.awsx_service(), []),
    Case("awsx-flag-false", f.awsx_service(networkConfiguration=f.DROP, assignPublicIp=False), []),
    Case("no-network", f.service(networkConfiguration=f.DROP), []),
]

FAILING: list[Case] = [
    Case(
        "public",
        f.service(networkConfiguration={"subnets": ["s"], "assignPublicIp": True}),
        [
            "Service 'web-service' must not give its tasks public IP addresses (assignPublicIp "
            "true): set assignPublicIp to false, run tasks in private subnets and reach the "
            "internet through a NAT gateway or VPC endpoints."
        ],
    ),
    Case(
        "awsx-public",
        f.awsx_service(networkConfiguration={"assignPublicIp": True}),
        ["Service 'web' must not"],
    ),
    Case(
        "awsx-flag",
        f.awsx_service(networkConfiguration=f.DROP, assignPublicIp=True),
        ["(assignPublicIp true)"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
