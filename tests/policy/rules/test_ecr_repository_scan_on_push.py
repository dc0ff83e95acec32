"""ecr-repository-scan-on-push: checks whether an ECR repository scans every image on push."""

from __future__ import annotations

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, policy_tests

POLICY = "ecr-repository-scan-on-push"

PASSING: list[Case] = [
    Case("scan", f.repository(), []),
    Case(
        "awsx-scan",
        Resource("awsx:ecr:Repository", "r", {"imageScanningConfiguration": {"scanOnPush": True}}),
        [],
    ),
    Case("scan-other-props", f.repository(forceDelete=True), []),
]

FAILING: list[Case] = [
    Case(
        "no-scan",
        f.repository(imageScanningConfiguration=f.DROP),
        [
            "ECR repository 'web-repo' must set imageScanningConfiguration.scanOnPush to true, "
            "not unset, so every pushed image is scanned for known CVEs."
        ],
    ),
    Case(
        "scan-false",
        f.repository(imageScanningConfiguration={"scanOnPush": False}),
        ["scanOnPush to true, not false"],
    ),
    Case(
        "scan-empty", f.repository(imageScanningConfiguration={}), ["scanOnPush to true, not unset"]
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
