"""alb-drop-invalid-headers: checks whether an application load balancer drops invalid HTTP header
fields."""

from __future__ import annotations

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, policy_tests

POLICY = "alb-drop-invalid-headers"

PASSING: list[Case] = [
    Case("drops", f.load_balancer(), []),
    Case(
        "network", f.load_balancer(loadBalancerType="network", dropInvalidHeaderFields=f.DROP), []
    ),
    Case(
        "alb-alias-type",
        Resource("aws:alb/loadBalancer:LoadBalancer", "old", {"dropInvalidHeaderFields": True}),
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "missing",
        f.load_balancer(dropInvalidHeaderFields=f.DROP),
        [
            "Load balancer 'web-alb' must set dropInvalidHeaderFields to true, not unset, so "
            "malformed headers cannot reach the app (request smuggling)."
        ],
    ),
    Case(
        "false",
        f.load_balancer(dropInvalidHeaderFields=False),
        ["dropInvalidHeaderFields to true, not false"],
    ),
    Case(
        "type-unset",
        f.load_balancer(loadBalancerType=f.DROP, dropInvalidHeaderFields=False),
        ["dropInvalidHeaderFields to true, not false"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
