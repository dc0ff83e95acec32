"""Port mappings in awsvpc network mode, and how awsx 3.11.0 fills them in.

ECS: in a task whose networkMode is awsvpc (every Fargate task: Fargate takes no other mode,
fargate_spec.network_mode), a port mapping's hostPort "can be left blank or it must be the same
value as the containerPort" (ECS API reference, PortMapping and ContainerDefinition.portMappings).
RegisterTaskDefinition refuses anything else with a ClientException whose message is
`AWSVPC_PORTS_REFUSED` (pulumi-awsx issue #935 shows it verbatim). terraform-provider-aws does
not check it itself (internal/service/ecs/container_definitions.go expandContainerDefinitions
validates only the JSON and versionConsistency; task_definition.go resourceTaskDefinitionCreate
passes the definitions to RegisterTaskDefinition), so a preview cannot see the refusal: only
`up` meets it.

awsx: pulumi-awsx awsx/ecs/containers.ts getMappingInputs completes each port mapping as
`containerPort ?? targetGroup.port ?? hostPort` and `hostPort ?? targetGroup.port ??
containerPort`, and fargateTaskDefinition.ts always registers networkMode awsvpc. So a container
on port 8080 behind a target group on port 80 gets hostPort 80, which ECS refuses. The offline
stand-in (which builds awsx's children and refuses what ECS refuses) and the policy pack (which
reports it before `up`) both use this module.
"""

from __future__ import annotations

from typing import Any

AWSVPC_PORTS_REFUSED = (
    "When networkMode=awsvpc, the host ports and container ports in port mappings must match."
)


def awsx_mapping_ports(
    container_port: Any, host_port: Any, target_group_port: Any
) -> tuple[Any, Any]:
    """(containerPort, hostPort) of the port mapping awsx registers (getMappingInputs)."""
    return (
        _first(container_port, target_group_port, host_port),
        _first(host_port, target_group_port, container_port),
    )


def awsvpc_refuses(container_port: Any, host_port: Any) -> bool:
    """Whether ECS refuses this (containerPort, hostPort) in awsvpc network mode: a hostPort
    that is set, not 0 and not the containerPort. 0 is "blank": the ECS documentation then read
    "must either be 0 or equal to the containerPort" and ECS registers the containerPort in its
    place (terraform-provider-aws #3401, 2018; #5833 suppresses the resulting diff because "aws
    assigns the value of containerPort to the hostPort")."""
    return host_port is not None and host_port not in (0, container_port)


def _first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)
