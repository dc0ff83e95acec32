"""ecs-fargate-network-mode: checks whether a task definition that requires FARGATE sets
networkMode to awsvpc, the only network mode Fargate supports, as ECS requires to register it.

Sources the cases rest on:
- ECS Developer Guide, task definition parameters, Network mode: "If using the Fargate launch
  type, the awsvpc network mode is required"; ECS's default network mode is bridge.
  RegisterTaskDefinition refuses any other mode, unset included, with "ClientException: Fargate
  only supports network mode 'awsvpc'." (typographic quotes around awsvpc, verbatim in
  aws/amazon-ecs-cli issue #1145; fargate_spec.network_mode holds them).
- terraform-provider-aws internal/service/ecs/task_definition.go resourceTaskDefinitionCreate
  passes networkMode and requiresCompatibilities to RegisterTaskDefinition unchecked: the refusal
  is ECS's, at create, never in a preview. A task for EC2 only may use bridge (or leave it unset).
- pulumi-awsx awsx/ecs/fargateTaskDefinition.ts always registers networkMode awsvpc: an awsx
  child passes (offline/standins/awsx_ecs.py reproduces it).
"""

from __future__ import annotations

from fargate_spec.network_mode import FARGATE_NETWORK_MODE_REFUSED
from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, awsx_child_task, policy_tests

POLICY = "ecs-fargate-network-mode"


def task(**props: object) -> Resource:
    return f.task_definition(**props)


def awsx_child(**props: object) -> Resource:
    return awsx_child_task([f.container()], **props)


PASSING: list[Case] = [
    Case("fargate-awsvpc", task(), []),
    Case("ec2-and-fargate-awsvpc", task(requiresCompatibilities=["EC2", "FARGATE"]), []),
    Case("ec2-bridge", task(requiresCompatibilities=["EC2"], networkMode="bridge"), []),
    Case("ec2-host", task(requiresCompatibilities=["EC2"], networkMode="host"), []),
    Case("ec2-unset-is-bridge", task(requiresCompatibilities=["EC2"], networkMode=f.DROP), []),
    Case(
        "compatibilities-unset-bridge",
        task(requiresCompatibilities=f.DROP, networkMode="bridge"),
        [],
    ),
    Case("awsx-child", awsx_child(), []),
    # awsx registers no task definition of its own through the pack: its child is checked.
    Case("awsx-service", f.awsx_service(), []),
]

REFUSAL = f"ECS refuses to register it ('{FARGATE_NETWORK_MODE_REFUSED}')"

FAILING: list[Case] = [
    Case(
        "fargate-unset",
        task(networkMode=f.DROP),
        [
            "Task definition 'web-task' must set networkMode to 'awsvpc', the only network mode "
            "Fargate supports, since its requiresCompatibilities includes FARGATE, not leave it "
            f"unset (ECS's default is bridge): {REFUSAL}, so `pulumi up` fails after a clean "
            "preview; set networkMode to 'awsvpc'."
        ],
    ),
    Case("fargate-bridge", task(networkMode="bridge"), ["FARGATE, not use 'bridge': " + REFUSAL]),
    Case("fargate-host", task(networkMode="host"), ["FARGATE, not use 'host': " + REFUSAL]),
    Case("fargate-none", task(networkMode="none"), ["FARGATE, not use 'none': " + REFUSAL]),
    Case(
        "ec2-and-fargate-bridge",
        task(requiresCompatibilities=["EC2", "FARGATE"], networkMode="bridge"),
        ["Task definition 'web-task' must set networkMode to 'awsvpc'"],
    ),
    Case(
        "awsx-child-names-the-component",
        awsx_child(networkMode="bridge"),
        [
            "Task definition 'web' (created by awsx:ecs:FargateService 'web') must set "
            "networkMode to 'awsvpc'"
        ],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
