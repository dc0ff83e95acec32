"""vpc-flow-logs: checks whether every VPC of the stack has a flow log that captures an allowed
traffic type.

Source: pulumi-aws 7.51.1 ec2/flow_log.py (traffic_type ACCEPT, REJECT or ALL; vpc_id,
subnet_id, eni_id name what is logged)."""

from __future__ import annotations

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import VPC_ID, Case, flow_log, policy_tests, vpc

POLICY = "vpc-flow-logs"

PASSING: list[Case] = [
    Case("vpc-with-flow-log", [vpc(), flow_log()], []),
    Case("reject-only", [vpc(), flow_log(trafficType="REJECT")], []),
    Case(
        "awsx-vpc-by-its-output",
        [Resource("awsx:ec2:Vpc", "web", {}, {"vpcId": VPC_ID}), flow_log()],
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "no-flow-log",
        [vpc()],
        [
            "VPC 'web-vpc' must have a flow log: add an aws.ec2.FlowLog with vpcId set to it and "
            "trafficType ALL, delivered to CloudWatch Logs (with a role) or S3, so every "
            "accepted and rejected connection can be traced."
        ],
    ),
    Case("other-vpc", [vpc(), flow_log(vpcId="vpc-elsewhere")], ["VPC 'web-vpc' must"]),
    Case(
        "subnet-flow-log",
        [vpc(), flow_log(vpcId=f.DROP, subnetId="subnet-1")],
        ["VPC 'web-vpc' must have a flow log"],
    ),
    Case(
        "accept-only",
        [vpc(), flow_log(trafficType="ACCEPT")],
        [
            "Flow log 'web-flow-log' must capture traffic type ALL or REJECT, not 'ACCEPT': set "
            "trafficType to ALL.",
            "VPC 'web-vpc' must have a flow log",
        ],
    ),
    Case(
        "reject-not-allowed",
        [vpc(), flow_log(trafficType="REJECT")],
        ["must capture traffic type ALL, not 'REJECT'", "VPC 'web-vpc' must"],
        {"allowedTrafficTypes": ["ALL"]},
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
