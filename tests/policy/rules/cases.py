"""The shape of a policy's named cases, and the builders several policies' cases share.

A case lists the fragments its violations must contain, one fragment per violation, in order;
an empty list means the resource complies (no violation and no skipped check). Each policy's
module (test_<policy name with underscores>.py) holds its PASSING and FAILING cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource, check_resource, check_stack


@dataclass(frozen=True)
class Case:
    id: str
    subject: Resource | list[Resource]
    expect: list[str]
    config: dict[str, Any] = field(default_factory=dict)


def check_case(policy: str, case: Case) -> None:
    """Run `policy` on the case's resource (or stack) and hold its violations to `expect`."""
    if isinstance(case.subject, list):
        outcome = check_stack(policy, case.subject, case.config)
    else:
        outcome = check_resource(policy, case.subject, case.config)
    report = f"violations: {outcome.violations}\nskipped: {outcome.skipped}"
    assert len(outcome.violations) == len(case.expect), report
    for message, fragment in zip(outcome.violations, case.expect, strict=True):
        assert fragment in message, report
    assert not outcome.skipped, report


def ids(cases: list[Case]) -> list[str]:
    return [case.id for case in cases]


def policy_tests(
    policy: str, passing: list[Case], failing: list[Case]
) -> tuple[Callable[[Case], None], Callable[[Case], None]]:
    """The two tests of a policy's module (`test_passes, test_fails = policy_tests(...)`): each
    passing case passes, each failing case gives exactly its violations."""

    @pytest.mark.parametrize("case", passing, ids=ids(passing))
    def test_passes(case: Case) -> None:
        check_case(policy, case)

    @pytest.mark.parametrize("case", failing, ids=ids(failing))
    def test_fails(case: Case) -> None:
        check_case(policy, case)

    return test_passes, test_fails


def td(**container_overrides: Any) -> Resource:
    """A task definition whose one container has these overrides."""
    return f.task_definition([f.container(**container_overrides)])


def awsx(**container_overrides: Any) -> Resource:
    return f.awsx_service(c=container_overrides)


AWSX_TASK_COMPONENT_URN = (
    "urn:pulumi:test::project::awsx:ecs:FargateService$awsx:ecs:FargateTaskDefinition::web"
)


def awsx_child_task(containers: list[dict[str, Any]], **props: Any) -> Resource:
    """The aws:ecs:TaskDefinition awsx registers under a FargateService 'web' (awsx_ecs.py's
    shape: FARGATE, awsvpc, a hashed family), with `props` over its inputs."""
    inputs = {
        "family": "web-0a1b2c3d",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": json.dumps(containers),
    }
    return Resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "web",
        f.merged(inputs, props),
        parent=AWSX_TASK_COMPONENT_URN,
    )


def env(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


VPC_ID = "vpc-0a1b"

ACCOUNT = "123456789012"


def vpc(name: str = "web-vpc", vpc_id: str = VPC_ID) -> Resource:
    return Resource("aws:ec2/vpc:Vpc", name, {"cidrBlock": "10.0.0.0/16"}, {"id": vpc_id})


def flow_log(**props: Any) -> Resource:
    inputs = f.merged({"vpcId": VPC_ID, "trafficType": "ALL"}, props)
    return Resource("aws:ec2/flowLog:FlowLog", "web-flow-log", inputs)


def role(
    name: str, condition: Any = f.DROP, principal: Any = "ecs-tasks.amazonaws.com"
) -> Resource:
    statement = f.merged(
        {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"},
        {"Condition": condition},
    )
    inputs = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
    return Resource(
        "aws:iam/role:Role", name, inputs, {**inputs, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
    )


def windows(**props: Any) -> Resource:
    platform = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
    return f.task_definition(runtimePlatform=platform, **props)


def check(*command: str, **health: Any) -> Resource:
    """A task definition whose app container's healthCheck runs `command`."""
    return td(healthCheck={"command": list(command), **health})
