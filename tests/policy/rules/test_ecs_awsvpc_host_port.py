"""ecs-awsvpc-host-port: checks whether every port mapping of a task in awsvpc network mode (every
Fargate task) leaves hostPort unset or equal to its containerPort, as ECS requires to register it.

Sources the cases rest on:
- ECS API reference, PortMapping and ContainerDefinition.portMappings: with awsvpc "the hostPort
  can be left blank or it must be the same value as the containerPort"; RegisterTaskDefinition
  refuses anything else with "ClientException: When networkMode=awsvpc, the host ports and
  container ports in port mappings must match." (the text pulumi-awsx issue #935 shows).
- terraform-provider-aws internal/service/ecs/container_definitions.go: expandContainerDefinitions
  checks only the JSON and versionConsistency, and task_definition.go resourceTaskDefinitionCreate
  sends the definitions to RegisterTaskDefinition: the refusal is ECS's, at create, never in a
  preview. ECS's default networkMode is bridge, where different ports are legal (the EC2 case).
- pulumi-awsx awsx/ecs/containers.ts getMappingInputs: hostPort = hostPort ?? targetGroup.port ??
  containerPort, and fargateTaskDefinition.ts registers networkMode awsvpc: a container on 8080
  behind a target group on 80 gets hostPort 80 (offline/standins/awsx_ecs.py reproduces it).
"""

from __future__ import annotations

from fargate_spec.port_mappings import AWSVPC_PORTS_REFUSED
from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, awsx, awsx_child_task, policy_tests, td

POLICY = "ecs-awsvpc-host-port"
SERVICE_URN = "urn:pulumi:test::project::awsx:ecs:FargateService::web"


def ports(container_port: object, host_port: object = f.DROP) -> list[dict]:
    return [f.merged({"containerPort": container_port, "protocol": "tcp"}, {"hostPort": host_port})]


def behind(container_port: int, group_port: int, **mapping: object) -> list[dict]:
    """An awsx port mapping naming a target group on `group_port`."""
    return [{"containerPort": container_port, "targetGroup": {"port": group_port}, **mapping}]


def awsx_child(container_port: int, host_port: int) -> Resource:
    """The aws:ecs:TaskDefinition awsx registers under a FargateService (awsx_ecs.py's shape)."""
    return awsx_child_task([f.container(portMappings=ports(container_port, host_port))])


EC2_BRIDGE = {"requiresCompatibilities": ["EC2"], "networkMode": "bridge"}

PASSING: list[Case] = [
    Case("host-port-omitted", td(), []),
    Case("host-port-equal", td(portMappings=ports(8080, 8080)), []),
    # 0 is "blank": ECS registers the containerPort in its place (fargate_spec.port_mappings).
    Case("host-port-zero", td(portMappings=ports(8000, 0)), []),
    Case("no-port-mappings", td(portMappings=f.DROP), []),
    Case("awsx-target-group-on-the-container-port", awsx(), []),
    Case("awsx-host-port-set-equal", awsx(portMappings=behind(8080, 80, hostPort=8080)), []),
    Case("awsx-child-equal", awsx_child(8000, 8000), []),
    Case(
        "ec2-bridge-maps-any-host-port",
        f.task_definition([f.container(portMappings=ports(8080, 80))], **EC2_BRIDGE),
        [],
    ),
    Case(
        "ec2-unset-mode-is-bridge",
        f.task_definition(
            [f.container(portMappings=ports(8080, 80))],
            requiresCompatibilities=["EC2"],
            networkMode=f.DROP,
        ),
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "8080-on-host-port-80",
        td(portMappings=ports(8080, 80)),
        [
            "Container 'app' in task definition 'web-task' must leave hostPort unset or equal to "
            "containerPort in awsvpc network mode, not hostPort 80 for containerPort 8080 (port "
            f"mapping #1): ECS refuses to register the task definition ('{AWSVPC_PORTS_REFUSED}'),"
            " so `pulumi up` fails after a clean preview; remove hostPort or set it to 8080."
        ],
    ),
    Case(
        "fargate-with-network-mode-unset",
        f.task_definition([f.container(portMappings=ports(8080, 80))], networkMode=f.DROP),
        ["in awsvpc network mode (networkMode is unset; Fargate runs every task in awsvpc)"],
    ),
    Case(
        "second-mapping",
        td(portMappings=ports(8000) + ports(9090, 9091)),
        ["not hostPort 9091 for containerPort 9090 (port mapping #2)"],
    ),
    Case(
        "awsx-8080-behind-a-target-group-on-80",
        awsx(portMappings=behind(8080, 80)),
        [
            "Container 'app' in service 'web' must leave hostPort unset or equal to containerPort "
            "in awsvpc network mode, not hostPort 80 (awsx's: the targetGroup's port) for "
            "containerPort 8080 (port mapping #1): ECS refuses to register the task definition",
        ],
    ),
    Case(
        "awsx-child-names-the-component",
        awsx_child(8080, 80),
        [
            "Container 'app' in task definition 'web' (created by awsx:ecs:FargateService 'web') "
            "must leave hostPort unset or equal to containerPort in awsvpc network mode, not "
            "hostPort 80 for containerPort 8080 (port mapping #1): ECS refuses to register the "
            f"task definition ('{AWSVPC_PORTS_REFUSED}'), so `pulumi up` fails after a clean "
            "preview; awsx:ecs:FargateService 'web' takes hostPort from the port mapping's "
            "targetGroup port when the mapping sets none (pulumi-awsx ecs/containers.ts): give "
            "that target group port 8080 (an awsx:lb:ApplicationLoadBalancer's "
            "defaultTargetGroup.port), or remove hostPort or set it to 8080 if the program sets it."
        ],
    ),
    Case(
        "ports-not-numbers",
        td(portMappings=ports("8080", 80)),
        ["must give port mapping #1 whole-number ports, not containerPort '8080' and hostPort 80"],
    ),
    Case(
        "mapping-not-an-object",
        td(portMappings=[8080]),
        ["must make port mapping #1 an object with containerPort, not 8080"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
