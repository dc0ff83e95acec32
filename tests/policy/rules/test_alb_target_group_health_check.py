"""alb-target-group-health-check: checks whether every HTTP target group health-checks an explicit
path with an explicit success matcher."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "alb-target-group-health-check"

PASSING: list[Case] = [
    Case("healthz", f.target_group(), []),
    Case("lambda", f.target_group(targetType="lambda", healthCheck=f.DROP), []),
    Case("tcp", f.target_group(protocol="TCP", healthCheck=f.DROP), []),
    Case("allowed-path", f.target_group(), [], {"allowedPaths": ["/healthz"]}),
]

FAILING: list[Case] = [
    Case(
        "missing",
        f.target_group(healthCheck=f.DROP),
        [
            "Target group 'web-tg' must configure healthCheck with an HTTP path and matcher, not "
            "unset: set healthCheck.path (e.g. '/healthz') and healthCheck.matcher (e.g. '200')."
        ],
    ),
    Case(
        "no-path",
        f.target_group(healthCheck={"matcher": "200"}),
        ["must health-check an explicit HTTP path starting with '/', not unset"],
    ),
    Case(
        "no-matcher",
        f.target_group(healthCheck={"path": "/healthz"}),
        ["must set healthCheck.matcher to the HTTP codes of a healthy response"],
    ),
    Case(
        "disabled",
        f.target_group(healthCheck={"enabled": False, "path": "/", "matcher": "200"}),
        ["Target group 'web-tg' must not disable its health check"],
    ),
    Case(
        "tcp-check",
        f.target_group(healthCheck={"protocol": "TCP", "path": "/healthz", "matcher": "200"}),
        ["must health-check over HTTP or HTTPS, not 'TCP'"],
    ),
    Case(
        "path-not-allowed",
        f.target_group(),
        ["must health-check one of the allowed paths /livez, not '/healthz'"],
        {"allowedPaths": ["/livez"]},
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
