"""alb-web-acl: checks whether every internet-facing application load balancer is associated with a
WAF web ACL.

Named passing and failing cases, one resource (or small stack) each."""

from __future__ import annotations

import pytest

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, check_case, ids

POLICY = "alb-web-acl"

PASSING: list[Case] = [
    Case("alb-behind-acl", [f.load_balancer(), f.web_acl_association()], []),
    Case(
        "legacy-wafregional",
        [
            f.load_balancer(),
            Resource(
                "aws:wafregional/webAclAssociation:WebAclAssociation",
                "web-acl",
                {"resourceArn": f.ALB_ARN, "webAclId": "acl-1"},
            ),
        ],
        [],
    ),
    Case("internal-alb", [f.load_balancer(internal=True)], []),
    Case("network-lb", [f.load_balancer(loadBalancerType="network")], []),
]

FAILING: list[Case] = [
    Case(
        "no-acl",
        [f.load_balancer()],
        [
            "Load balancer 'web-alb' is internet-facing and must have a WAF web ACL: associate a "
            "web ACL with an aws.wafv2.WebAclAssociation whose resourceArn is the load balancer's "
            "ARN (e.g. with AWS's common and known-bad-inputs rule sets and a rate limit)."
        ],
    ),
    Case(
        "acl-on-another-resource",
        [f.load_balancer(), f.web_acl_association(resourceArn="arn:aws:apigateway:stage/x")],
        ["Load balancer 'web-alb' is internet-facing and must have a WAF web ACL"],
    ),
    Case(
        "internal-checked",
        [f.load_balancer(internal=True)],
        ["Load balancer 'web-alb' must have a WAF web ACL"],
        {"checkInternal": True},
    ),
]


@pytest.mark.parametrize("case", PASSING, ids=ids(PASSING))
def test_passes(case: Case) -> None:
    check_case(POLICY, case)


@pytest.mark.parametrize("case", FAILING, ids=ids(FAILING))
def test_fails(case: Case) -> None:
    check_case(POLICY, case)
