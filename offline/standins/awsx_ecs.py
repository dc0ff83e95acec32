"""The `awsx:ecs:FargateTaskDefinition` and `awsx:ecs:FargateService` stand-ins: the children
awsx 3.11.0 registers, with its names, parents and defaults, as real pulumi_aws resources.

Follows pulumi-awsx awsx/ecs/fargateTaskDefinition.ts, awsx/ecs/containers.ts,
awsx/ecs/fargateService.ts, awsx/role.ts and awsx/cloudwatch/logGroup.ts (snapshot e60adf3c;
these files last changed before v3.8.0, and the installed SDK 3.11.0 takes the same inputs).

FargateTaskDefinition `<name>`, children parented to it:
- `aws:cloudwatch:LogGroup <name>` (logGroup.args; none with logGroup.skip or .existing);
- `aws:iam:Role <name>-task` and `<name>-execution` (assume-role policy for ecs-tasks), the
  execution role with `aws:iam:RolePolicyAttachment <name>-execution-<sha1 of the ARN, 8>` for
  AmazonECSTaskExecutionRolePolicy (none with taskRole/executionRole .skip or .roleArn);
- `aws:ecs:TaskDefinition <name>`: FARGATE, awsvpc, the roles' ARNs, containerDefinitions as
  JSON (containers sorted by name, each named by its key, portMappings without targetGroup,
  an awslogs logConfiguration where the container has none), cpu/memory that the program leaves
  unset from fargate_spec.awsx_sizing (computed from the container definitions, so unknown
  whenever they are), family `<name>-<sha1(stack + definitions), 8>` unless set.

FargateService `<name>`: a FargateTaskDefinition `<name>` under it (from taskDefinitionArgs),
without networkConfiguration an `aws:ec2:SecurityGroup <name>-sg` open both ways in the default
VPC with its public (assignPublicIp) or private subnets, and `aws:ecs:Service <name>` with
desiredCount 1, launchType FARGATE (unless capacity providers), the task definition's load
balancers, and waitForSteadyState = not continueBeforeSteadyState.

Components are registered with no input properties, as awsx's are (the Node SDK drops a
component's props, and the engine hands a remote component's inputs to no analyzer): the policy
pack sees the children, as it does for real.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult

from fargate_spec.awsx_sizing import awsx_fargate_size
from fargate_spec.port_mappings import awsx_mapping_ports
from offline.standins.aws_args import aws_kwargs
from offline.standins.default_vpc import default_network

TASK_TYPE = "awsx:ecs:FargateTaskDefinition"
SERVICE_TYPE = "awsx:ecs:FargateService"
DEFAULT_CONTAINER_NAME = "container"
EXECUTION_POLICY_ARNS = ("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",)
TASK_POLICY_ARNS: tuple[str, ...] = ()
ASSUME_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Effect": "Allow",
            "Sid": "",
        }
    ],
}
OPEN_INGRESS = [
    {
        "fromPort": 0,
        "toPort": 0,
        "protocol": "-1",
        "cidrBlocks": ["0.0.0.0/0"],
        "ipv6CidrBlocks": ["::/0"],
    }
]
OPEN_EGRESS = [
    {
        "fromPort": 0,
        "toPort": 65535,
        "protocol": "tcp",
        "cidrBlocks": ["0.0.0.0/0"],
        "ipv6CidrBlocks": ["::/0"],
    }
]


def sha1_8(text: str) -> str:
    """awsx's utils.sha1hash."""
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def js_json(value: Any) -> str:
    """JSON.stringify: compact, keys in insertion order."""
    return json.dumps(value, separators=(",", ":"))


def _under(parent: pulumi.Resource) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent)


# --- FargateTaskDefinition -----------------------------------------------------------------------


@dataclass
class TaskDefinitionParts:
    task_definition: aws.ecs.TaskDefinition
    log_group: aws.cloudwatch.LogGroup | None
    task_role: aws.iam.Role | None
    execution_role: aws.iam.Role | None
    load_balancers: pulumi.Output[list[dict[str, Any]]]

    def state(self) -> dict[str, Any]:
        state = {
            "taskDefinition": self.task_definition,
            "logGroup": self.log_group,
            "taskRole": self.task_role,
            "executionRole": self.execution_role,
            "loadBalancers": self.load_balancers,
        }
        # awsx's resourceToConstructResult leaves out what is undefined.
        return {key: value for key, value in state.items() if value is not None}


def construct_task_definition(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    check_task_inputs(inputs)
    component = pulumi.ComponentResource(TASK_TYPE, name, {}, options)
    parts = build_task_definition(name, inputs, component)
    state = parts.state()
    component.register_outputs(state)
    return ConstructResult(urn=component.urn, state=state)


def check_task_inputs(args: Mapping[str, Any]) -> None:
    """awsx's own errors about a task's inputs, before anything is registered."""
    if (args.get("container") is None) == (args.get("containers") is None):
        raise pulumi.InputPropertyError(
            "containers", "Exactly one of [container] or [containers] must be provided"
        )
    log_group = args.get("logGroup") or {}
    if log_group.get("existing") is not None and log_group.get("args") is not None:
        raise pulumi.InputPropertyError(
            "logGroup", "Can't define log group args if specifying an existing log group name"
        )
    for key in ("taskRole", "executionRole"):
        role = args.get(key) or {}
        if role.get("roleArn") is not None and role.get("args") is not None:
            raise pulumi.InputPropertyError(
                key, "Can't define role args if specified an existing role ARN"
            )


def build_task_definition(
    name: str, args: Mapping[str, Any], component: pulumi.Resource
) -> TaskDefinitionParts:
    containers = _normalize_containers(args)
    log_group, log_group_id = _log_group(name, args.get("logGroup"), component)
    task_role, task_role_arn = _role(
        f"{name}-task", args.get("taskRole"), TASK_POLICY_ARNS, component
    )
    execution_role, execution_role_arn = _role(
        f"{name}-execution", args.get("executionRole"), EXECUTION_POLICY_ARNS, component
    )
    definitions = _container_definitions(containers, log_group_id)
    definitions_json = definitions.apply(js_json)
    size = definitions.apply(awsx_fargate_size)
    family = args.get("family")
    if family is None:
        stack = pulumi.get_stack()
        family = definitions_json.apply(lambda text: f"{name}-{sha1_8(stack + text)}")
    task_args = {
        **args,
        "cpu": args.get("cpu") if args.get("cpu") is not None else size.apply(lambda s: s.cpu),
        "memory": (
            args.get("memory") if args.get("memory") is not None else size.apply(lambda s: s.memory)
        ),
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "taskRoleArn": task_role_arn,
        "executionRoleArn": execution_role_arn,
        "family": family,
        "containerDefinitions": definitions_json,
    }
    task_definition = aws.ecs.TaskDefinition(
        name, **aws_kwargs(aws.ecs.TaskDefinition, task_args), opts=_under(component)
    )
    return TaskDefinitionParts(
        task_definition, log_group, task_role, execution_role, _load_balancers(containers)
    )


def _normalize_containers(args: Mapping[str, Any]) -> pulumi.Output[dict[str, Any]]:
    """containers.ts normalizeTaskDefinitionContainers: a map of container name -> inputs
    (exactly one of the two, check_task_inputs)."""
    if args.get("containers") is not None:
        return pulumi.Output.from_input(args["containers"])
    return pulumi.Output.from_input(args["container"]).apply(
        lambda container: {container.get("name") or DEFAULT_CONTAINER_NAME: container}
    )


def _log_group(
    name: str, inputs: Mapping[str, Any] | None, parent: pulumi.Resource
) -> tuple[aws.cloudwatch.LogGroup | None, pulumi.Output[dict[str, str]] | None]:
    """logGroup.ts defaultLogGroup: the group and its {name, region}, or none with skip."""
    inputs = inputs or {}
    if inputs.get("skip"):
        return None, None
    existing = inputs.get("existing")
    # awsx reads the result's `name`, which pulumi-aws 7 deprecates for `region` (same value).
    region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=parent)).region
    if existing is not None:
        if existing.get("arn"):
            return None, pulumi.Output.from_input(existing["arn"]).apply(_log_group_from_arn)
        if existing.get("name"):
            where = existing.get("region") or region
            return None, pulumi.Output.all(existing["name"], where).apply(
                lambda parts: {"name": parts[0], "region": parts[1]}
            )
        raise pulumi.InputPropertyError(
            "logGroup.existing", "One of an existing log group name or ARN must be specified"
        )
    group_args = inputs.get("args") or {}
    log_group = aws.cloudwatch.LogGroup(
        name, **aws_kwargs(aws.cloudwatch.LogGroup, group_args), opts=_under(parent)
    )
    return log_group, pulumi.Output.all(log_group.name, region).apply(
        lambda parts: {"name": parts[0], "region": parts[1]}
    )


def _log_group_from_arn(arn: str) -> dict[str, str]:
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise pulumi.InputPropertyError("logGroup.existing.arn", "Invalid log group ARN")
    return {"name": parts[6], "region": parts[3]}


def _role(
    name: str,
    inputs: Mapping[str, Any] | None,
    policy_arns: tuple[str, ...],
    parent: pulumi.Resource,
) -> tuple[aws.iam.Role | None, Any]:
    """role.ts defaultRoleWithPolicies: the role and its ARN (an existing one, or none)."""
    inputs = inputs or {}
    if inputs.get("skip") is True:
        return None, None
    if inputs.get("roleArn") is not None:
        return None, inputs["roleArn"]
    args = {"assumeRolePolicy": ASSUME_ROLE_POLICY, "policyArns": list(policy_arns)}
    args.update(inputs.get("args") or {})
    policy = args["assumeRolePolicy"]
    if not isinstance(policy, str | pulumi.Output):
        policy = js_json(policy)
    role_args = {key: value for key, value in args.items() if key != "policyArns"}
    role_args["assumeRolePolicy"] = policy
    role = aws.iam.Role(name, **aws_kwargs(aws.iam.Role, role_args), opts=_under(parent))
    for policy_arn in args.get("policyArns") or ():
        aws.iam.RolePolicyAttachment(
            f"{name}-{sha1_8(policy_arn)}",
            role=role.name,
            policy_arn=policy_arn,
            opts=_under(parent),
        )
    return role, role.arn


def _container_definitions(
    containers: pulumi.Output[dict[str, Any]], log_group_id: pulumi.Output | None
) -> pulumi.Output[list[dict[str, Any]]]:
    """containers.ts computeContainerDefinitions: sorted by name, each container completed."""

    def complete(resolved: list[Any]) -> pulumi.Output[list[dict[str, Any]]]:
        by_name, group = resolved
        ordered = sorted(by_name.items(), key=lambda item: (item[0].lower(), item[0]))
        return pulumi.Output.all(
            *[_container_definition(name, spec, group) for name, spec in ordered]
        )

    return pulumi.Output.all(containers, log_group_id).apply(complete)


def _container_definition(
    name: str, container: Mapping[str, Any], log_group: Mapping[str, str] | None
) -> pulumi.Output[dict[str, Any]]:
    mappings = container.get("portMappings")
    ports = [_target_group_port(mapping) for mapping in mappings or ()]

    def build(target_ports: list[Any]) -> dict[str, Any]:
        definition = dict(container)
        definition["portMappings"] = (
            [_mapping(m, port) for m, port in zip(mappings, target_ports, strict=True)]
            if mappings is not None
            else None
        )
        definition["name"] = name
        if definition.get("logConfiguration") is None and log_group is not None:
            definition["logConfiguration"] = {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group["name"],
                    "awslogs-region": log_group["region"],
                    "awslogs-stream-prefix": name,
                },
            }
        # JSON.stringify leaves out undefined values.
        return {key: value for key, value in definition.items() if value is not None}

    return pulumi.Output.all(*ports).apply(build)


def _target_group_port(mapping: Mapping[str, Any]) -> Any:
    target_group = mapping.get("targetGroup")
    return target_group.port if target_group is not None else None


def _mapping(mapping: Mapping[str, Any], target_port: Any) -> dict[str, Any]:
    """containers.ts getMappingInputs: the port mapping ECS takes (targetGroup removed); the
    ports as fargate_spec.port_mappings completes them, which the policy pack reads too."""
    container_port, host_port = awsx_mapping_ports(
        mapping.get("containerPort"), mapping.get("hostPort"), target_port
    )
    resolved = {
        "name": mapping.get("name"),
        "containerPortRange": mapping.get("containerPortRange"),
        "appProtocol": mapping.get("appProtocol"),
        "containerPort": container_port,
        "hostPort": host_port,
        "protocol": mapping.get("protocol"),
    }
    return {key: value for key, value in resolved.items() if value is not None}


def _load_balancers(
    containers: pulumi.Output[dict[str, Any]],
) -> pulumi.Output[list[dict[str, Any]]]:
    """containers.ts computeLoadBalancers: one per port mapping that names a target group."""

    def collect(by_name: dict[str, Any]) -> pulumi.Output[list[dict[str, Any]]]:
        entries = []
        for name, container in by_name.items():
            for mapping in container.get("portMappings") or ():
                target_group = mapping.get("targetGroup")
                if target_group is not None:
                    entries.append(
                        pulumi.Output.all(target_group.arn, target_group.port).apply(
                            lambda parts, name=name: {
                                "containerName": name,
                                "containerPort": parts[1],
                                "targetGroupArn": parts[0],
                            }
                        )
                    )
        return pulumi.Output.all(*entries)

    return containers.apply(collect)


# --- FargateService ------------------------------------------------------------------------------


def construct_service(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    _check_service_inputs(inputs)
    if inputs.get("taskDefinitionArgs") is not None:
        check_task_inputs(inputs["taskDefinitionArgs"])
    component = pulumi.ComponentResource(SERVICE_TYPE, name, {}, options)
    # awsx registers the task definition first; its default-network error comes later, from an
    # apply. Checking the network first means a failing construct leaves nothing registered.
    network = inputs.get("networkConfiguration") or _default_network_configuration(
        name, component, inputs.get("assignPublicIp")
    )
    task_definition = inputs.get("taskDefinition")
    parts = None
    if inputs.get("taskDefinitionArgs") is not None:
        task_component = pulumi.ComponentResource(TASK_TYPE, name, {}, _under(component))
        parts = build_task_definition(name, inputs["taskDefinitionArgs"], task_component)
        task_component.register_outputs(parts.state())
        task_definition = parts.task_definition.arn
    strategies = inputs.get("capacityProviderStrategies")
    cluster = inputs.get("cluster")
    if isinstance(cluster, aws.ecs.Cluster):
        cluster = cluster.arn
    continue_early = inputs.get("continueBeforeSteadyState")
    service_args = {
        "desiredCount": 1,
        **inputs,
        "networkConfiguration": network,
        "cluster": cluster,
        # ECS uses the cluster's default strategy only without a launch type.
        "launchType": None
        if strategies or inputs.get("useClusterDefaultCapacityProviderStrategy")
        else "FARGATE",
        # `args.loadBalancers ?? taskDefinition?.loadBalancers`: an empty list stays empty.
        "loadBalancers": inputs["loadBalancers"]
        if inputs.get("loadBalancers") is not None
        else (parts.load_balancers if parts is not None else None),
        "waitForSteadyState": pulumi.Output.from_input(continue_early).apply(lambda c: not c),
        "taskDefinition": task_definition,
    }
    service = aws.ecs.Service(
        name, **aws_kwargs(aws.ecs.Service, service_args), opts=_under(component)
    )
    state: dict[str, Any] = {"service": service}
    if parts is not None:
        state["taskDefinition"] = parts.task_definition
    component.register_outputs(state)
    return ConstructResult(urn=component.urn, state=state)


def _check_service_inputs(inputs: Mapping[str, Any]) -> None:
    """fargateService.ts's own errors, before anything is registered."""
    pairs = (
        ("taskDefinition", "taskDefinitionArgs"),
        ("networkConfiguration", "assignPublicIp"),
        ("capacityProviderStrategies", "useClusterDefaultCapacityProviderStrategy"),
    )
    for first, second in pairs:
        # The capacity-provider pair is compared by truthiness, the others by presence.
        both = inputs.get(first) is not None and inputs.get(second) is not None
        if both and (second != "useClusterDefaultCapacityProviderStrategy" or inputs[second]):
            raise pulumi.InputPropertyError(
                second, f"Only one of `{first}` or `{second}` can be provided."
            )
    if inputs.get("taskDefinition") is None and inputs.get("taskDefinitionArgs") is None:
        raise pulumi.InputPropertyError(
            "taskDefinitionArgs",
            "Either `taskDefinition` or `taskDefinitionArgs` must be provided.",
        )


def _default_network_configuration(
    name: str, component: pulumi.Resource, assign_public_ip: Any
) -> dict[str, Any]:
    """fargateService.ts getDefaultNetworkConfiguration: the default VPC, an open group."""
    network = default_network(component)
    assign_public_ip = assign_public_ip if assign_public_ip is not None else False

    def subnets(assign: bool) -> list[str]:
        if not assign and not network.private_subnet_ids:
            raise pulumi.InputPropertyError(
                "assignPublicIp",
                "The default VPC does not have any private subnets. Set `assignPublicIp` to "
                "`true`, provide `networkConfiguration`, or add private subnets to the default "
                "VPC.",
            )
        return network.public_subnet_ids if assign else network.private_subnet_ids

    if isinstance(assign_public_ip, pulumi.Output):
        chosen: Any = assign_public_ip.apply(subnets)
    else:
        chosen = subnets(bool(assign_public_ip))  # before anything of the service is registered
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        vpc_id=network.vpc_id,
        ingress=OPEN_INGRESS,
        egress=OPEN_EGRESS,
        opts=_under(component),
    )
    return {"subnets": chosen, "assignPublicIp": assign_public_ip, "securityGroups": [group.id]}
