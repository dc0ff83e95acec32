"""ecs-service-ingress-from-alb-only: named passing and failing stacks, each built small."""

from __future__ import annotations

from typing import Any

import pytest

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource, check_stack

POLICY = "ecs-service-ingress-from-alb-only"
GUARD = "Inline ingress #1 of security group 'task-sg' guards service 'web-service' and must"
FIX = "admit only the load balancer's security group (referencedSecurityGroupId / securityGroups)"


def vpc_rule(name: str, **props: Any) -> Resource:
    return Resource(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name,
        {"securityGroupId": f.TASK_SG_ID, "ipProtocol": "tcp", "fromPort": 8000, "toPort": 8000}
        | props,
    )


def ec2_rule(name: str, **props: Any) -> Resource:
    base = {"type": "ingress", "securityGroupId": f.TASK_SG_ID, "protocol": "tcp"}
    return Resource("aws:ec2/securityGroupRule:SecurityGroupRule", name, base | props)


PASSING = {
    "inline-from-alb": f.stack(),
    "vpc-rule-from-alb": f.stack(
        vpc_rule("from-alb", referencedSecurityGroupId=f.ALB_SG_ID), task_ingress=[]
    ),
    "ec2-rule-from-alb": f.stack(
        ec2_rule("from-alb", sourceSecurityGroupId=f.ALB_SG_ID), task_ingress=[]
    ),
    "egress-rule-ignored": f.stack(ec2_rule("out", type="egress", cidrBlocks=["0.0.0.0/0"])),
    "rule-on-other-group": f.stack(
        vpc_rule("alb-in", securityGroupId=f.ALB_SG_ID, cidrIpv4="0.0.0.0/0")
    ),
    "service-without-load-balancer": [
        f.service(loadBalancers=[]),
        f.security_group("task-sg", f.TASK_SG_ID, [{"cidrBlocks": ["0.0.0.0/0"]}]),
    ],
    "awsx-with-child-service": [
        f.awsx_service(networkConfiguration=f.DROP),
        *f.stack()[:3],
        Resource(
            "aws:ecs/service:Service",
            "web-service",
            f.service().inputs,
            parent=f.awsx_service().urn,
        ),
    ],
}

FAILING = {
    "inline-cidr": (
        f.stack(
            task_ingress=[
                {"protocol": "tcp", "fromPort": 8000, "toPort": 8000, "cidrBlocks": ["0.0.0.0/0"]}
            ]
        ),
        [f"{GUARD} {FIX}, not 0.0.0.0/0."],
    ),
    "inline-ipv6-and-alb": (
        f.stack(task_ingress=[f.from_alb() | {"ipv6CidrBlocks": ["::/0"]}]),
        [f"{GUARD} {FIX}, not ::/0."],
    ),
    "inline-self": (
        f.stack(task_ingress=[{"self": True}]),
        ["not the group itself."],
    ),
    "vpc-rule-cidr": (
        f.stack(vpc_rule("wide-open", cidrIpv4="0.0.0.0/0")),
        [
            "Security group ingress rule 'wide-open' guards service 'web-service' and must "
            f"{FIX}, not 0.0.0.0/0."
        ],
    ),
    "ec2-rule-other-group": (
        f.stack(
            f.security_group("bastion-sg", "sg-bastion", []),
            ec2_rule("from-bastion", sourceSecurityGroupId="sg-bastion"),
        ),
        [
            "Security group rule 'from-bastion' guards service 'web-service' and must",
            "not security group 'bastion-sg'.",
        ],
    ),
    "external-group": (
        f.stack(task_ingress=[{"securityGroups": ["sg-elsewhere"]}]),
        ["not security group sg-elsewhere."],
    ),
    "prefix-list": (
        f.stack(vpc_rule("pl", prefixListId="pl-123")),
        ["not prefix list pl-123."],
    ),
    "awsx-default-group": (
        [*f.stack()[:3], f.awsx_service(networkConfiguration=f.DROP)],
        [
            "Service 'web' must set networkConfiguration with securityGroups: without it awsx "
            f"creates a security group open to 0.0.0.0/0; {FIX}."
        ],
    ),
    "no-groups": (
        [*f.stack()[:3], f.service(networkConfiguration={"subnets": ["s"]})],
        ["must set networkConfiguration.securityGroups: without them ECS uses the VPC's default"],
    ),
}


@pytest.mark.parametrize("name", PASSING)
def test_passes(name: str) -> None:
    outcome = check_stack(POLICY, PASSING[name])
    assert outcome.violations == [] and outcome.skipped == [], outcome


@pytest.mark.parametrize("name", FAILING)
def test_fails(name: str) -> None:
    resources, fragments = FAILING[name]
    outcome = check_stack(POLICY, resources)
    assert len(outcome.violations) == 1, outcome
    for fragment in fragments:
        assert fragment in outcome.violations[0], outcome
    assert outcome.urns[0], "a stack violation names the offending resource"


def test_allowed_cidr_knob() -> None:
    resources = f.stack(vpc_rule("monitoring", cidrIpv4="10.0.9.0/24"))
    assert check_stack(POLICY, resources).violations
    assert not check_stack(POLICY, resources, {"allowedCidrBlocks": ["10.0.9.0/24"]}).violations


def test_group_ids_resolve_through_property_dependencies_during_preview() -> None:
    """Before IDs exist, the engine records which resources a property depends on."""
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE  # noqa: PLC0415

    from fargate_policies.catalog import POLICY_DOCS  # noqa: PLC0415
    from fargate_policies.framework import Findings  # noqa: PLC0415
    from fargate_policies.readers.stack import stack_resources  # noqa: PLC0415
    from fargate_policies.readers.values import Unknown  # noqa: PLC0415
    from testkit.policy_harness import policy_resources  # noqa: PLC0415

    unknown = UNKNOWN_STRING_VALUE
    alb = f.load_balancer(securityGroups=[unknown])
    alb_sg = f.security_group("alb-sg", unknown, [{"cidrBlocks": ["0.0.0.0/0"]}])
    open_task_sg = f.security_group("task-sg", unknown, [{"cidrBlocks": ["0.0.0.0/0"]}])
    service = f.service(networkConfiguration={"securityGroups": [unknown], "subnets": ["s"]})
    resources = policy_resources([alb, alb_sg, open_task_sg, service])
    by_name = {r.name: r for r in resources}
    by_name["web-alb"].property_dependencies["securityGroups"] = [by_name["alb-sg"]]
    by_name["web-service"].property_dependencies["networkConfiguration"] = [by_name["task-sg"]]
    findings = Findings()
    check_ingress = POLICY_DOCS[POLICY].check  # the rule itself, without the SDK around it
    check_ingress(stack_resources(resources), {"allowedCidrBlocks": []}, findings)
    assert [v.message for v in findings.violations] == [f"{GUARD} {FIX}, not 0.0.0.0/0."], findings
    assert not isinstance(stack_resources(resources)[0].props["securityGroups"][0], str)
    assert isinstance(stack_resources(resources)[0].props["securityGroups"][0], Unknown)


def test_unresolvable_group_is_a_skipped_check_not_a_pass() -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE  # noqa: PLC0415

    service = f.service(networkConfiguration={"securityGroups": [UNKNOWN_STRING_VALUE]})
    outcome = check_stack(POLICY, [*f.stack()[:3], service])
    assert outcome.violations == []
    assert outcome.skipped == [
        "skipped checks: networkConfiguration.securityGroups of service 'web-service' is not "
        "known until the update runs"
    ]
