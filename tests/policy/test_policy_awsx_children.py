"""Findings on what awsx creates: each fault once, on the child, naming the component.

The engine never hands the pack an awsx component's inputs (pulumi pkg/resource/deploy/
source_eval.go: RegisterResource with remote=true calls the provider's Construct and skips the
step generator, where analyzers run), and awsx registers the component with no properties (its
Node SDK sends none for a component). The pack sees `{}` for the component and the children with
their inputs; a child's parent URN names the component (pulumi-awsx awsx/ecs/fargateService.ts
names its FargateTaskDefinition after the service). The task size awsx fills in comes from
awsx/ecs/fargateMemoryAndCpu.ts (fargate_spec.awsx_sizing).
"""

from __future__ import annotations

import json

from offline.standins.awsx_ecs import ASSUME_ROLE_POLICY
from testkit.policy_harness import Resource, check_resource, check_stack

SERVICE_URN = "urn:pulumi:test::project::awsx:ecs:FargateService::orders"
TASK_COMPONENT_URN = (
    "urn:pulumi:test::project::awsx:ecs:FargateService$awsx:ecs:FargateTaskDefinition::orders"
)
ALB_URN = "urn:pulumi:test::project::awsx:lb:ApplicationLoadBalancer::web"
CONTAINERS = [
    {"name": "app", "image": "app:1", "cpu": 1024, "memory": 256, "user": "1000:1000"},
    {"name": "envoy", "image": "envoy:1", "cpu": 256, "memory": 128, "essential": False},
]


def _child_task(cpu: str, memory: str, parent: str | None = TASK_COMPONENT_URN) -> Resource:
    return Resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "orders",
        {
            "requiresCompatibilities": ["FARGATE"],
            "cpu": cpu,
            "memory": memory,
            "containerDefinitions": json.dumps(CONTAINERS),
        },
        parent=parent,
    )


def test_a_child_task_definition_names_the_service_and_what_awsx_filled_in():
    outcome = check_resource("ecs-fargate-task-size", _child_task("4096", "4096"))
    assert outcome.violations == [
        "Task definition 'orders' (created by awsx:ecs:FargateService 'orders') must use a valid "
        "Fargate task size: memory 4096 MiB is not valid with cpu 4096: use 8192 to 30720 in "
        "steps of 1024 MiB; nearest valid sizes (cpu/memory): 4096/8192, 512/4096. awsx fills in "
        "memory 4096 MiB when awsx:ecs:FargateService 'orders' leaves it unset (the cheapest "
        "size of awsx's own table for its containers' 1280 CPU units and 384 MiB is 2048/4096, "
        "whatever the other value): set both cpu and memory on awsx:ecs:FargateService 'orders'."
    ]


def test_a_size_awsx_did_not_compute_is_not_blamed_on_awsx():
    # awsx would fill in 2048/4096 for these containers; neither 256 nor 3072 is its value.
    outcome = check_resource("ecs-fargate-task-size", _child_task("256", "3072"))
    assert len(outcome.violations) == 1
    assert "awsx fills in" not in outcome.violations[0]


def test_a_plain_task_definition_reads_as_before():
    outcome = check_resource("ecs-container-non-root", _child_task("256", "512", parent=None))
    assert outcome.violations == [
        "Container 'envoy' in task definition 'orders' must declare a non-root user: set user "
        "to a non-root UID such as '1000:1000'."
    ]


def test_what_the_engine_shows_of_awsx_components_is_left_alone():
    """`{}` for a resource policy, the registered outputs for a stack policy: no finding."""
    for policy in (
        "ecs-task-definition-readable",
        "ecs-service-circuit-breaker",
        "ecs-service-no-public-ip",
        "ecs-container-non-root",
    ):
        for kind in ("awsx:ecs:FargateService", "awsx:ecs:FargateTaskDefinition"):
            outcome = check_resource(policy, Resource(kind, "orders", {}))
            assert (outcome.violations, outcome.skipped) == ([], []), (policy, kind)
    for policy in ("ecr-repository-scan-on-push", "ecr-repository-immutable-tags"):
        outcome = check_resource(policy, Resource("awsx:ecr:Repository", "repo", {}))
        assert outcome.violations == []
    component = Resource("awsx:ecs:FargateService", "orders", {"service": SERVICE_URN})
    outcome = check_stack("ecs-service-ingress-from-alb-only", [component])
    assert (outcome.violations, outcome.skipped) == ([], [])


def test_component_inputs_given_to_the_pack_are_still_read():
    """Pulumi's unit-test mocks pass a component's inputs: those are checked as before."""
    service = Resource(
        "awsx:ecs:FargateService",
        "orders",
        {"taskDefinitionArgs": {"container": {"image": "app:1", "user": "0"}}},
    )
    outcome = check_resource("ecs-container-non-root", service)
    assert len(outcome.violations) == 1
    assert "in service 'orders' must not run as root" in outcome.violations[0]


def test_a_finding_awsx_defaults_cause_says_where_to_fix_it():
    group = Resource(
        "aws:lb/targetGroup:TargetGroup",
        "web",
        {"port": 80, "protocol": "HTTP", "targetType": "ip"},
        parent=ALB_URN,
    )
    outcome = check_resource("alb-target-group-health-check", group)
    _assert_names_component_and_fix(
        outcome.violations,
        "Target group 'web' (created by awsx:lb:ApplicationLoadBalancer 'web')",
        " awsx creates its default target group with only the port, protocol and targetType it "
        "derives: set defaultTargetGroup.healthCheck on awsx:lb:ApplicationLoadBalancer 'web'.",
    )


def _assert_names_component_and_fix(violations: list[str], subject: str, fix: str) -> None:
    assert len(violations) == 1
    assert violations[0].startswith(subject + " must ")
    assert violations[0].endswith(fix)


def test_a_stack_finding_on_awsx_default_trust_policy_says_where_to_fix_it():
    """The trust policy awsx's role.ts gives its roles (as the stand-in registers it)."""
    component = Resource(
        "awsx:ecs:FargateTaskDefinition", "orders", {"taskRole": "urn"}, urn=TASK_COMPONENT_URN
    )
    role = Resource(
        "aws:iam/role:Role",
        "orders-task",
        {"assumeRolePolicy": json.dumps(ASSUME_ROLE_POLICY)},
        parent=TASK_COMPONENT_URN,
    )
    outcome = check_stack("ecs-tasks-trust-source-condition", [component, role])
    _assert_names_component_and_fix(
        outcome.violations,
        "Role 'orders-task' (created by awsx:ecs:FargateService 'orders')",
        "give awsx:ecs:FargateService 'orders' taskRole.args.assumeRolePolicy (or "
        "executionRole.args) with the condition, or the roleArn of a role that has it.",
    )
