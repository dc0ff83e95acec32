"""alb-drop-invalid-headers: checks whether an application load balancer drops invalid HTTP header
fields.

Named passing and failing cases, one resource (or small stack) each."""

from __future__ import annotations

import pytest

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, check_case, ids

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


@pytest.mark.parametrize("case", PASSING, ids=ids(PASSING))
def test_passes(case: Case) -> None:
    check_case(POLICY, case)


@pytest.mark.parametrize("case", FAILING, ids=ids(FAILING))
def test_fails(case: Case) -> None:
    check_case(POLICY, case)
