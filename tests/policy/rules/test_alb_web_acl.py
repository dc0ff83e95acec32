"""alb-web-acl: checks whether every internet-facing application load balancer is associated with a
WAF web ACL.

Source: pulumi-aws 7.51.1 wafv2/web_acl_association.py (resource_arn: the ALB's ARN)."""

from __future__ import annotations

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, policy_tests

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


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
