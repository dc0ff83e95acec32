"""Synthetic stacks of any size for the policy benchmark, as state files and as the analyzer's view.

A stack is a few shared resources (the stack itself, VPC, subnet, ECS cluster) and as many
"service units" as fit: one load-balanced Fargate service with everything it brings, wired by
ARNs and IDs the way a deployed stack's outputs are, so the stack policies follow real links:

    ECR repository, image (awsx component, linux/amd64), task definition (containerDefinitions
    as a JSON string), ECS service, target group, ALB, HTTP listener (redirect), HTTPS listener
    (forward), ALB security group, task security group, log group, execution role, and either
    a separate ingress rule (odd units) or a role policy attachment (even units, whose task
    group has inline ingress).

The resources start from the compliant builders in testkit/policy_fixtures.py (kept in step with
the pack by its own tests); a deterministic tenth of the units carry a typical violation, so
reports are not empty. Sizes that are not a whole number of units are topped up with log groups.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from fargate_spec.contract import CONTAINER_NAME, CONTAINER_PORT
from testkit import policy_fixtures as fixtures
from testkit.policy_harness import Resource

STACK = "bench"
PROJECT = "fargate-bench"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROOT_TYPE = "pulumi:pulumi:Stack"
CLI_VERSION = "v3.259.0"  # written into the state file's manifest (the CLI reads any v3 file)

UNIT_SIZE = 13
SHARED = 4  # stack, VPC, subnet, cluster
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IMAGE = "awsx:ecr:Image"  # a component: no provider ID in the state file
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


ROOT_URN = urn(ROOT_TYPE, f"{PROJECT}-{STACK}")


def _arn(service: str, path: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{path}"


def _deployed(
    resource: Resource, identity: str, arn: str | None = None, **outputs: Any
) -> Resource:
    """`resource` as a deployed stack holds it: parented to the stack, with id (and arn)."""
    extra = {"id": identity, **({"arn": arn} if arn else {}), **outputs}
    return dataclasses.replace(
        resource,
        outputs={**(resource.outputs or resource.inputs), **extra},
        parent=ROOT_URN,
        urn=urn(resource.type, resource.name),
    )


def _plain(resource_type: str, name: str, identity: str, inputs: dict[str, Any]) -> Resource:
    """A resource the pack has no rule for (its policies still see it, as in a real stack)."""
    return _deployed(Resource(resource_type, name, inputs, urn=urn(resource_type, name)), identity)


def shared_resources() -> list[Resource]:
    root = Resource(ROOT_TYPE, f"{PROJECT}-{STACK}", {}, urn=ROOT_URN)
    return [
        root,
        _plain("aws:ec2/vpc:Vpc", "vpc", "vpc-0bench", {"cidrBlock": "10.0.0.0/16"}),
        _plain("aws:ec2/subnet:Subnet", "private-a", "subnet-0bench", {"vpcId": "vpc-0bench"}),
        _plain(
            "aws:ecs/cluster:Cluster", "cluster", _arn("ecs", "cluster/bench"), {"name": "bench"}
        ),
    ]


def _image_uri(index: int) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/svc{index}@sha256:" + "b" * 64


def _container(index: int) -> dict[str, Any]:
    """The unit's app container; every tenth unit has one of the typical mistakes."""
    container = fixtures.container(image=_image_uri(index))
    container["logConfiguration"]["options"]["awslogs-group"] = f"/ecs/svc{index}"
    mistake = index % 10
    if mistake == 3:
        container["user"] = "0"  # runs as root
    elif mistake == 7:
        # The gunicorn image's habit: a process manager with workers in one small task.
        container["command"] = ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app"]
    return container


def service_unit(index: int) -> list[Resource]:
    """The UNIT_SIZE resources of one load-balanced Fargate service."""
    name = f"svc{index}"
    alb_sg, task_sg = f"sg-alb{index:05d}", f"sg-task{index:05d}"
    alb_arn = _arn("elasticloadbalancing", f"loadbalancer/app/{name}/{index:016x}")
    tg_arn = _arn("elasticloadbalancing", f"targetgroup/{name}/{index:016x}")
    td_arn = _arn("ecs", f"task-definition/{name}:1")
    role_arn = _arn("iam", f"role/{name}-execution")
    from_alb = fixtures.from_alb() | {"securityGroups": [alb_sg]}
    separate_rule = index % 2 == 1
    # Draining shorter than the container's stopTimeout (30 s by default), as the program sets it.
    target_group = fixtures.target_group(f"{name}-tg", deregistrationDelay=25)
    if index % 10 == 5:  # the ALB's default health check path, not the liveness path
        target_group = fixtures.target_group(
            f"{name}-tg",
            deregistrationDelay=25,
            healthCheck={"enabled": True, "path": "/", "matcher": "200"},
        )
    network = fixtures.service_settings()["networkConfiguration"] | {"securityGroups": [task_sg]}
    unit = [
        _deployed(
            fixtures.repository(f"{name}-repo"), f"{name}-repo", _arn("ecr", f"repository/{name}")
        ),
        _deployed(
            fixtures.task_definition(
                [_container(index)], name=f"{name}-task", family=name, executionRoleArn=role_arn
            ),
            td_arn,
            td_arn,
        ),
        _deployed(
            fixtures.service(
                name,
                taskDefinition=td_arn,
                networkConfiguration=network,
                loadBalancers=[
                    {
                        "containerName": CONTAINER_NAME,
                        "containerPort": CONTAINER_PORT,
                        "targetGroupArn": tg_arn,
                    }
                ],
            ),
            _arn("ecs", f"service/bench/{name}"),
        ),
        _deployed(target_group, tg_arn, tg_arn),
        _deployed(fixtures.load_balancer(f"{name}-alb", securityGroups=[alb_sg]), alb_arn, alb_arn),
        _deployed(
            fixtures.http_listener(f"{name}-http", loadBalancerArn=alb_arn),
            f"{alb_arn}/listener/http",
        ),
        _deployed(
            fixtures.https_listener(
                f"{name}-https",
                loadBalancerArn=alb_arn,
                defaultActions=[{"type": "forward", "targetGroupArn": tg_arn}],
            ),
            f"{alb_arn}/listener/https",
        ),
        _deployed(
            fixtures.security_group(
                f"{name}-alb-sg",
                alb_sg,
                [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
            ),
            alb_sg,
        ),
        _deployed(
            fixtures.security_group(
                f"{name}-task-sg", task_sg, [] if separate_rule else [from_alb]
            ),
            task_sg,
        ),
        _plain(LOG_GROUP, f"{name}-logs", f"/ecs/{name}", {"retentionInDays": 30}),
        _plain(ROLE, f"{name}-execution", f"{name}-execution", {"assumeRolePolicy": "{}"}),
        _plain(
            IMAGE,
            f"{name}-image",
            f"{name}-image",
            {
                "repositoryUrl": f"{name}-repo",
                "platform": "linux/amd64",
                "imageUri": _image_uri(index),
            },
        ),
    ]
    if separate_rule:
        unit.append(
            _plain(
                INGRESS_RULE,
                f"{name}-from-alb",
                f"sgr-{index:08d}",
                {
                    "securityGroupId": task_sg,
                    "referencedSecurityGroupId": alb_sg,
                    "ipProtocol": "tcp",
                    "fromPort": CONTAINER_PORT,
                    "toPort": CONTAINER_PORT,
                },
            )
        )
    else:
        unit.append(
            _plain(
                ROLE_ATTACHMENT,
                f"{name}-execution-policy",
                f"{name}-execution-policy",
                {
                    "role": f"{name}-execution",
                    "policyArn": _EXECUTION_POLICY,
                },
            )
        )
    return unit


def synthetic_stack(size: int) -> list[Resource]:
    """Exactly `size` resources: shared ones, whole service units, then log groups."""
    if size < SHARED:
        raise ValueError(f"stack size {size} is too small: at least {SHARED} resources")
    resources = shared_resources()
    for index in range((size - SHARED) // UNIT_SIZE):
        resources += service_unit(index)
    for extra in range(size - len(resources)):
        resources.append(_plain(LOG_GROUP, f"extra-logs-{extra}", f"/extra/{extra}", {}))
    return resources


def state_file(resources: list[Resource]) -> dict[str, Any]:
    """A `pulumi stack export` document (deployment version 3) holding `resources`."""
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": "2026-01-01T00:00:00Z",
                "magic": hashlib.sha256(CLI_VERSION.encode()).hexdigest(),
                "version": CLI_VERSION,
            },
            "resources": [_state_resource(resource) for resource in resources],
        },
    }


def _state_resource(resource: Resource) -> dict[str, Any]:
    custom = resource.type != ROOT_TYPE and not resource.type.startswith("awsx:")
    entry: dict[str, Any] = {
        "urn": resource.urn,
        "custom": custom,
        "type": resource.type,
        "inputs": dict(resource.inputs),
        "outputs": dict(resource.outputs or resource.inputs),
    }
    if custom:
        entry["id"] = entry["outputs"]["id"]
    if resource.parent:
        entry["parent"] = resource.parent
    return entry


def counts_by_type(resources: list[Resource]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in resources:
        counts[resource.type] = counts.get(resource.type, 0) + 1
    return dict(sorted(counts.items()))


def write_state(resources: list[Resource], path: Any) -> None:
    path.write_text(json.dumps(state_file(resources)))
