"""ecr-repository-immutable-tags: checks whether an ECR repository makes image tags immutable."""

from __future__ import annotations

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, policy_tests

POLICY = "ecr-repository-immutable-tags"

PASSING: list[Case] = [
    Case("immutable", f.repository(), []),
    Case(
        "awsx-immutable",
        Resource("awsx:ecr:Repository", "r", {"imageTagMutability": "IMMUTABLE"}),
        [],
    ),
    Case(
        "exclusions-allowed",
        f.repository(imageTagMutability="IMMUTABLE_WITH_EXCLUSION"),
        [],
        {"allowExclusions": True},
    ),
]

FAILING: list[Case] = [
    Case(
        "default-mutable",
        f.repository(imageTagMutability=f.DROP),
        [
            "ECR repository 'web-repo' must set imageTagMutability to 'IMMUTABLE', not unset "
            "(ECR's default is MUTABLE), and deploy each build under a new tag or digest."
        ],
    ),
    Case("mutable", f.repository(imageTagMutability="MUTABLE"), ["not 'MUTABLE'"]),
    Case(
        "exclusions",
        f.repository(imageTagMutability="IMMUTABLE_WITH_EXCLUSION"),
        ["not 'IMMUTABLE_WITH_EXCLUSION'"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
