"""Compliant resources of every type the pack checks, in both container shapes, to mutate.

Each builder returns a `harness.Resource` that every policy accepts; keyword overrides replace
top-level fields, and `DROP` removes one.
"""

from __future__ import annotations

import json
from typing import Any

from fargate_spec.contract import (
    CONTAINER_NAME,
    CONTAINER_PORT,
    CONTAINER_USER,
    LIVENESS_PATH,
    liveness_probe_command,
)
from fargate_spec.tls import DEFAULT_TLS_POLICY
from testkit.policy_harness import Resource

DROP = object()
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:" + "a" * 64
ALB_SG_ID = "sg-0a1b"
ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-alb/0a1b2c"
LOG_BUCKET = "web-prod-alb-logs-123456789012"
TASK_SG_ID = "sg-0c2d"


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in overrides.items():
        if value is DROP:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def container(**overrides: Any) -> dict[str, Any]:
    """An ECS container definition (camelCase, as in containerDefinitions) that passes."""
    base = {
        "name": CONTAINER_NAME,
        "image": IMAGE,
        "essential": True,
        "user": CONTAINER_USER,
        "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": CONTAINER_PORT, "protocol": "tcp"}],
        "environment": [{"name": "APP_LOG_LEVEL", "value": "INFO"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/db"}],
        "healthCheck": {
            "command": liveness_probe_command(),
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 10,
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/app",
                "awslogs-region": "eu-west-1",
                "awslogs-stream-prefix": "app",
            },
        },
    }
    return merged(base, overrides)


def task_definition(
    containers: list[Any] | None = None, name: str = "web-task", **props: Any
) -> Resource:
    """An `aws:ecs/taskDefinition:TaskDefinition`; containerDefinitions is a JSON string."""
    definitions = containers if containers is not None else [container()]
    base = {
        "family": "web",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        "containerDefinitions": json.dumps(definitions),
    }
    return Resource("aws:ecs/taskDefinition:TaskDefinition", name, merged(base, props))


def awsx_container(**overrides: Any) -> dict[str, Any]:
    """A container as awsx takes it: its port mapping names the target group (awsx derives the
    service's load balancers from it) and it has no logConfiguration (awsx adds awslogs)."""
    port = {"containerPort": CONTAINER_PORT, "targetGroup": {"port": CONTAINER_PORT}}
    return merged(container(logConfiguration=DROP, portMappings=[port]), overrides)


def awsx_service(name: str = "web", **args: Any) -> Resource:
    """An `awsx:ecs:FargateService` with `taskDefinitionArgs.container`, load-balanced.
    `c` overrides container fields, `task` overrides taskDefinitionArgs."""
    task_args = {"cpu": "512", "memory": "1024", "container": awsx_container(**args.pop("c", {}))}
    task_args = merged(task_args, args.pop("task", {}))
    base = {"taskDefinitionArgs": task_args, **service_settings()}
    return Resource("awsx:ecs:FargateService", name, merged(base, args))


def service_settings() -> dict[str, Any]:
    """What both service shapes set alike: grace period, circuit breaker, private networking."""
    return {
        "healthCheckGracePeriodSeconds": 60,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "networkConfiguration": {
            "subnets": ["subnet-1"],
            "securityGroups": [TASK_SG_ID],
            "assignPublicIp": False,
        },
    }


def service(name: str = "web-service", **props: Any) -> Resource:
    """An `aws:ecs/service:Service` behind a target group."""
    base = {
        "launchType": "FARGATE",
        "desiredCount": 2,
        "taskDefinition": "arn:aws:ecs:eu-west-1:1:task-definition/web:1",
        "loadBalancers": [
            {
                "containerName": CONTAINER_NAME,
                "containerPort": CONTAINER_PORT,
                "targetGroupArn": "tg",
            }
        ],
        **service_settings(),
    }
    return Resource("aws:ecs/service:Service", name, merged(base, props))


def target_group(name: str = "web-tg", **props: Any) -> Resource:
    base = {
        "port": CONTAINER_PORT,
        "protocol": "HTTP",
        "targetType": "ip",
        "healthCheck": {"enabled": True, "path": LIVENESS_PATH, "matcher": "200"},
    }
    return Resource("aws:lb/targetGroup:TargetGroup", name, merged(base, props))


def http_listener(name: str = "web-http", **props: Any) -> Resource:
    base = {
        "port": 80,
        "protocol": "HTTP",
        "defaultActions": [
            {
                "type": "redirect",
                "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
            }
        ],
    }
    return Resource("aws:lb/listener:Listener", name, merged(base, props))


def https_listener(name: str = "web-https", **props: Any) -> Resource:
    base = {
        "port": 443,
        "protocol": "HTTPS",
        "sslPolicy": DEFAULT_TLS_POLICY,
        "certificateArn": "arn:aws:acm:eu-west-1:1:certificate/x",
        "defaultActions": [{"type": "forward", "targetGroupArn": "tg"}],
    }
    return Resource("aws:lb/listener:Listener", name, merged(base, props))


def load_balancer(name: str = "web-alb", **props: Any) -> Resource:
    base = {
        "loadBalancerType": "application",
        "dropInvalidHeaderFields": True,
        "securityGroups": [ALB_SG_ID],
        "accessLogs": {"bucket": LOG_BUCKET, "prefix": "alb", "enabled": True},
    }
    inputs = merged(base, props)
    return Resource(
        "aws:lb/loadBalancer:LoadBalancer", name, inputs, {**inputs, "arn": ALB_ARN, "id": ALB_ARN}
    )


def web_acl_association(name: str = "web-waf-association", **props: Any) -> Resource:
    inputs = merged({"resourceArn": ALB_ARN, "webAclArn": "arn:aws:wafv2:acl/web"}, props)
    return Resource("aws:wafv2/webAclAssociation:WebAclAssociation", name, inputs)


def repository(name: str = "web-repo", **props: Any) -> Resource:
    base = {"imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True}}
    return Resource("aws:ecr/repository:Repository", name, merged(base, props))


def security_group(name: str, group_id: str, ingress: list[dict[str, Any]]) -> Resource:
    inputs = {"ingress": ingress, "egress": []}
    return Resource(
        "aws:ec2/securityGroup:SecurityGroup", name, inputs, outputs={**inputs, "id": group_id}
    )


def from_alb(port: int = CONTAINER_PORT) -> dict[str, Any]:
    return {"protocol": "tcp", "fromPort": port, "toPort": port, "securityGroups": [ALB_SG_ID]}


def stack(*extra: Resource, task_ingress: list[dict[str, Any]] | None = None) -> list[Resource]:
    """A compliant stack: ALB (open to clients, behind a web ACL), its SG, the task SG (ALB
    only), the service."""
    return [
        load_balancer(),
        security_group(
            "alb-sg",
            ALB_SG_ID,
            [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
        ),
        security_group(
            "task-sg", TASK_SG_ID, task_ingress if task_ingress is not None else [from_alb()]
        ),
        service(),
        web_acl_association(),
        *extra,
    ]
