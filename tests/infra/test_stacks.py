"""What each stack registers, asserted by value, under Pulumi's mocks (no AWS).

The program runs for real (__main__.py, infra/); only the engine is mocked. Inputs are what the
engine would receive: camelCase, integers as floats, containerDefinitions as a JSON string.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pulumi.runtime import rpc

from fargate_spec import contract, limits, tls
from infra import registry
from infra.registry import SERVICE_DIR, image_tag
from infra.service import FargateService
from testkit.program_capture import CapturedResource, CapturedStack, capture_stack
from tests.infra.conftest import STACKS

TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
VPC = "awsx:ec2:Vpc"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
REPOSITORY = "aws:ecr/repository:Repository"
IMAGE_BUILD = "docker-build:index:Image"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SCALING_TARGET = "aws:appautoscaling/target:Target"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
SERVICE_COMPONENT = "fastapi-fargate:service:FargateService"
LB_COMPONENT = "fastapi-fargate:loadbalancer:LoadBalancer"
ACCESS_LOG_COMPONENT = "fastapi-fargate:accesslogs:AccessLogBucket"
FLOW_LOG_COMPONENT = "fastapi-fargate:flowlogs:FlowLogs"
WAF_COMPONENT = "fastapi-fargate:waf:WebAcl"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
ROLE = "aws:iam/role:Role"
APP_LOG_GROUP = "fastapi-logs"

# Measured by these tests; the closing note quotes this table.
COMMON_COUNTS = {
    "aws:appautoscaling/policy:Policy": 2,
    "aws:appautoscaling/target:Target": 1,
    # the app's and the flow logs'
    "aws:cloudwatch/logGroup:LogGroup": 2,
    "aws:ec2/flowLog:FlowLog": 1,
    "aws:ec2/securityGroup:SecurityGroup": 2,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
    "aws:ecr/repository:Repository": 1,
    "aws:ecs/cluster:Cluster": 1,
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
    "aws:ecs/service:Service": 1,
    "aws:ecs/taskDefinition:TaskDefinition": 1,
    # execution, task, flow logs
    "aws:iam/role:Role": 3,
    "aws:lb/loadBalancer:LoadBalancer": 1,
    "aws:lb/targetGroup:TargetGroup": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "awsx:ec2:Vpc": 1,
    "docker-build:index:Image": 1,
    "fastapi-fargate:accesslogs:AccessLogBucket": 1,
    "fastapi-fargate:flowlogs:FlowLogs": 1,
    "fastapi-fargate:loadbalancer:LoadBalancer": 1,
    "fastapi-fargate:service:FargateService": 1,
}
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
# WAF is on in staging and prod, off in dev (Pulumi.dev.yaml).
WAF_COUNTS = {WEB_ACL: 1, WEB_ACL_ASSOCIATION: 1, WAF_COMPONENT: 1}
EXPECTED_COUNTS = {
    # dev: plain HTTP (one listener); ECS Exec on (a task-role policy besides the execution one
    # and the flow logs' one); no WAF
    "dev": COMMON_COUNTS | {LISTENER: 1, ROLE_POLICY: 3},
    # staging and prod: two deployment alarms (target 5xx, unhealthy hosts), and WAF
    "staging": COMMON_COUNTS | WAF_COUNTS | {LISTENER: 2, ROLE_POLICY: 3, METRIC_ALARM: 2},
    # prod: HTTPS + redirect; no ECS Exec, so the task role has no policy at all
    "prod": COMMON_COUNTS | WAF_COUNTS | {LISTENER: 2, ROLE_POLICY: 2, METRIC_ALARM: 2},
}


def container(stack: CapturedStack) -> dict[str, Any]:
    definitions = json.loads(stack.one(TASK_DEF).inputs["containerDefinitions"])
    assert len(definitions) == 1, "the task runs exactly one container"
    return definitions[0]


def env_of(stack: CapturedStack) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container(stack)["environment"]}


def policies(stack: CapturedStack) -> dict[str, dict[str, Any]]:
    return {r.name: json.loads(r.inputs["policy"]) for r in stack.of_type(ROLE_POLICY)}


def service_policies(stack: CapturedStack) -> dict[str, dict[str, Any]]:
    """The role policies of the service component (its execution and task roles)."""
    children = stack.children_of(stack.one(SERVICE_COMPONENT))
    return {r.name: json.loads(r.inputs["policy"]) for r in children if r.type == ROLE_POLICY}


def listener(stack: CapturedStack, port: int) -> CapturedResource:
    found = [r for r in stack.of_type(LISTENER) if r.inputs["port"] == port]
    assert len(found) == 1
    return found[0]


def vpc_outputs(stack: CapturedStack) -> dict[str, Any]:
    return dict(stack.one(VPC).outputs)


def security_group(stack: CapturedStack, name: str) -> CapturedResource:
    return stack.named(name)


def test_each_stack_registers_the_expected_resources_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    assert stack.type_counts() == EXPECTED_COUNTS[stack.stack]


def test_container_follows_the_contract_under_pulumi_mocks(stack: CapturedStack) -> None:
    app = container(stack)
    assert app["name"] == contract.CONTAINER_NAME
    assert app["user"] == contract.CONTAINER_USER == "1000:1000"
    assert app["essential"] is True
    assert app["readonlyRootFilesystem"] is True
    tmp_mounts = [m for m in app["mountPoints"] if m["containerPath"] == contract.TMP_MOUNT_PATH]
    assert tmp_mounts == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert {"name": "tmp"} in stack.one(TASK_DEF).inputs["volumes"]
    assert app["portMappings"] == [
        {
            "name": "http",
            "containerPort": 8000,
            "hostPort": 8000,
            "protocol": "tcp",
            "appProtocol": "http",
        }
    ]
    # The image's CMD (one uvicorn process) is never overridden.
    assert "command" not in app and "entryPoint" not in app
    # The health check works in a slim image: Python's urllib, no curl.
    assert app["healthCheck"]["command"] == contract.liveness_probe_command()
    assert "curl" not in json.dumps(app["healthCheck"])
    assert app["image"] == stack.outputs["imageUri"]
    log_options = app["logConfiguration"]["options"]
    assert app["logConfiguration"]["logDriver"] == "awslogs"
    assert log_options["awslogs-group"] == f"/ecs/fastapi-{stack.stack}"
    assert log_options["awslogs-group"] == stack.named(APP_LOG_GROUP).inputs["name"]
    assert log_options["awslogs-region"] == "eu-west-1"


TASK_SHAPES = {
    # stack: (cpu, memory, architecture, stopTimeout, uvicorn graceful shutdown)
    "dev": ("256", "512", "X86_64", 10, "5"),
    # staging writes "0.5 vCPU" / "1 GB": the program registers the units ECS stores
    "staging": ("512", "1024", "ARM64", 30, "20"),
    "prod": ("1024", "2048", "ARM64", 60, "45"),
}


def test_task_size_platform_and_timing_by_stack_under_pulumi_mocks(stack: CapturedStack) -> None:
    cpu, memory, architecture, stop, graceful = TASK_SHAPES[stack.stack]
    task = stack.one(TASK_DEF).inputs
    assert (task["cpu"], task["memory"]) == (cpu, memory)
    assert task["runtimePlatform"] == {
        "operatingSystemFamily": "LINUX",
        "cpuArchitecture": architecture,
    }
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["family"] == f"fastapi-{stack.stack}"
    app = container(stack)
    assert app["stopTimeout"] == stop
    env = env_of(stack)
    assert env[contract.UVICORN_GRACEFUL_SHUTDOWN_ENV] == graceful
    assert int(graceful) < stop
    assert env[contract.UVICORN_KEEP_ALIVE_ENV] == "75"
    # uvicorn trusts X-Forwarded-* from the VPC (where the ALB is), and nowhere else.
    assert env[contract.UVICORN_FORWARDED_ALLOW_IPS_ENV] == stack.one(VPC).inputs["cidrBlock"]
    assert env["APP_SERVICE_NAME"] == "fastapi"


def test_service_runs_privately_behind_the_alb_under_pulumi_mocks(stack: CapturedStack) -> None:
    service = stack.one(SERVICE)
    inputs = service.inputs
    network = inputs["networkConfiguration"]
    assert network["subnets"] == vpc_outputs(stack)["privateSubnetIds"]
    assert not set(network["subnets"]) & set(vpc_outputs(stack)["publicSubnetIds"])
    assert network["assignPublicIp"] is False
    task_sg = stack.named("fastapi-task-sg")
    assert network["securityGroups"] == [task_sg.id]
    assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert inputs["deploymentMinimumHealthyPercent"] == 100
    assert inputs["deploymentMaximumPercent"] == 200
    assert inputs["loadBalancers"] == [
        {
            "containerName": "app",
            "containerPort": 8000,
            "targetGroupArn": stack.one(TARGET_GROUP).outputs["arn"],
        }
    ]
    assert inputs["taskDefinition"] == stack.one(TASK_DEF).outputs["arn"]
    assert "launchType" not in inputs, "capacity providers and a launch type exclude each other"
    # Autoscaling owns the count after the first deploy.
    assert service.ignore_changes == ("desiredCount",)
    # Created after its target group is attached to a listener, and after the capacity providers.
    depends = set(service.dependencies)
    assert {r.urn for r in stack.of_type(LISTENER)} <= depends
    assert stack.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").urn in depends
    # ... and after its roles' policies exist, so its first tasks can pull and read secrets.
    service_grants = stack.children_of(stack.one(SERVICE_COMPONENT))
    assert {r.urn for r in service_grants if r.type == ROLE_POLICY} <= depends


def test_tasks_accept_traffic_from_the_alb_security_group_only_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    alb_sg = stack.named("fastapi-alb-sg")
    task_sg = stack.named("fastapi-task-sg")
    assert task_sg.inputs["ingress"] == [
        {
            "description": "Load balancer to the container port",
            "protocol": "tcp",
            "fromPort": 8000,
            "toPort": 8000,
            "securityGroups": [alb_sg.id],
        }
    ]
    assert stack.one(ALB).inputs["securityGroups"] == [alb_sg.id]
    assert alb_sg.inputs["egress"][0]["cidrBlocks"] == [stack.one(VPC).inputs["cidrBlock"]]
    assert alb_sg.inputs["egress"][0]["fromPort"] == alb_sg.inputs["egress"][0]["toPort"] == 8000


def test_load_balancer_and_target_group_under_pulumi_mocks(stack: CapturedStack) -> None:
    alb = stack.one(ALB).inputs
    assert alb["subnets"] == vpc_outputs(stack)["publicSubnetIds"]
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["idleTimeout"] == limits.ALB_IDLE_TIMEOUT_DEFAULT == 60
    target_group = stack.one(TARGET_GROUP).inputs
    assert target_group["targetType"] == "ip"
    assert target_group["port"] == contract.CONTAINER_PORT
    assert target_group["vpcId"] == vpc_outputs(stack)["vpcId"]
    health = target_group["healthCheck"]
    assert health["path"] == contract.LIVENESS_PATH == "/healthz"
    assert health["matcher"] == "200"
    assert health["timeout"] < health["interval"]
    # Draining ends before the container's SIGKILL deadline.
    assert target_group["deregistrationDelay"] < container(stack)["stopTimeout"]


def test_dev_serves_plain_http_straight_to_the_app_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    stack = captured["dev"]
    (http,) = stack.of_type(LISTENER)
    assert http.inputs["port"] == 80
    assert http.inputs["protocol"] == "HTTP"
    assert http.inputs["defaultActions"] == [
        {"type": "forward", "targetGroupArn": stack.one(TARGET_GROUP).outputs["arn"]}
    ]
    assert "certificateArn" not in http.inputs
    assert stack.outputs["url"].startswith("http://")
    ports = [rule["fromPort"] for rule in stack.named("fastapi-alb-sg").inputs["ingress"]]
    assert ports == [80]


@pytest.mark.parametrize("stack_name", ["staging", "prod"])
def test_https_with_tls12_and_http_redirect_under_pulumi_mocks(
    captured: dict[str, CapturedStack], stack_name: str
) -> None:
    stack = captured[stack_name]
    https = listener(stack, 443).inputs
    assert https["protocol"] == "HTTPS"
    assert https["certificateArn"] == stack.config["fastapi-fargate:certificateArn"]
    assert https["sslPolicy"] == tls.DEFAULT_TLS_POLICY
    assert tls.is_tls12_or_newer(https["sslPolicy"])
    assert https["defaultActions"][0]["targetGroupArn"] == stack.one(TARGET_GROUP).outputs["arn"]
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"].startswith("max-age=")
    http = listener(stack, 80).inputs
    assert http["protocol"] == "HTTP"
    assert http["defaultActions"] == [
        {
            "type": "redirect",
            "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
        }
    ]
    assert stack.outputs["url"] == f"https://{stack.outputs['albDnsName']}"
    ports = [rule["fromPort"] for rule in stack.named("fastapi-alb-sg").inputs["ingress"]]
    assert ports == [80, 443]


def test_no_policy_grants_a_wildcard_action_under_pulumi_mocks(stack: CapturedStack) -> None:
    for name, document in policies(stack).items():
        for statement in document["Statement"]:
            actions = statement["Action"]
            assert isinstance(actions, list) and actions, name
            for action in actions:
                assert "*" not in action, f"{name} grants {action}"


def test_execution_role_is_scoped_to_this_stack_under_pulumi_mocks(stack: CapturedStack) -> None:
    statements = {s["Sid"]: s for s in policies(stack)["fastapi-execution-policy"]["Statement"]}
    assert statements["PullImage"]["Resource"] == [stack.one(REPOSITORY).outputs["arn"]]
    assert statements["WriteLogs"]["Resource"] == f"{stack.named(APP_LOG_GROUP).outputs['arn']}:*"
    secrets = container(stack)["secrets"]
    secret_arns = sorted(secret["valueFrom"] for secret in secrets)
    granted = sorted(
        arn
        for sid in ("ReadParameters", "ReadSecrets")
        for arn in statements.get(sid, {}).get("Resource", [])
    )
    assert granted == secret_arns


def test_secrets_reach_the_container_by_arn_never_by_value_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    assert container(captured["dev"])["secrets"] == []
    assert container(captured["staging"])["secrets"] == [
        {
            "name": "APP_PARTNER_TOKEN",
            "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
            "fastapi/staging/partner-token-Q7x2Lm",
        }
    ]
    assert container(captured["prod"])["secrets"] == [
        {
            "name": "APP_SENTRY_DSN",
            "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/fastapi/prod/sentry-dsn",
        }
    ]
    for stack in captured.values():
        assert not any("SENTRY" in name or "TOKEN" in name for name in env_of(stack))


@pytest.mark.parametrize("stack_name", ["dev", "staging"])
def test_ecs_exec_grants_only_the_ssm_channels_and_session_logs_under_pulumi_mocks(
    captured: dict[str, CapturedStack], stack_name: str
) -> None:
    stack = captured[stack_name]
    document = policies(stack)["fastapi-task-exec-policy"]
    actions = sorted(a for s in document["Statement"] for a in s["Action"])
    assert actions == [
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ]
    assert stack.one(SERVICE).inputs["enableExecuteCommand"] is True
    app = container(stack)
    # The root filesystem stays read-only; the exec agent gets writable volumes instead.
    assert app["readonlyRootFilesystem"] is True
    mounted = {m["containerPath"] for m in app["mountPoints"]}
    assert mounted == {"/tmp", "/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}
    assert app["linuxParameters"] == {"initProcessEnabled": True}


def test_prod_task_role_has_no_permissions_and_no_exec_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    stack = captured["prod"]
    assert set(service_policies(stack)) == {"fastapi-execution-policy"}
    assert stack.one(SERVICE).inputs["enableExecuteCommand"] is False
    app = container(stack)
    assert [m["containerPath"] for m in app["mountPoints"]] == ["/tmp"]
    assert app["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}


def test_registry_is_immutable_scanned_and_expires_images_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    repo = stack.one(REPOSITORY).inputs
    assert repo["name"] == f"fastapi-{stack.stack}"
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    lifecycle = stack.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs
    assert lifecycle["repository"] == f"fastapi-{stack.stack}"
    rules = json.loads(lifecycle["policy"])["rules"]
    assert [rule["selection"]["tagStatus"] for rule in rules] == ["untagged", "any"]
    # ECR requires the "any" rule to have the highest priority number.
    assert rules[-1]["rulePriority"] == max(rule["rulePriority"] for rule in rules)
    image = stack.one(IMAGE_BUILD)
    tag = image_tag(SERVICE_DIR, stack.config["fastapi-fargate:architecture"])
    assert image.inputs["tags"] == [f"{stack.outputs['repositoryUrl']}:{tag}"]
    assert image.inputs["push"] is True
    assert image.inputs["context"] == {"location": "service"}
    assert image.inputs["dockerfile"] == {"location": "service/Dockerfile"}
    # The ECR token is a password: the engine gets the registries as a secret.
    registries = image.inputs["registries"]
    assert registries[rpc._special_sig_key] == rpc._special_secret_sig
    assert registries["value"] == [
        {
            "address": stack.outputs["repositoryUrl"].split("/")[0],
            "username": "AWS",
            "password": "mock-password",
        }
    ]
    # Pushed only once the repository exists; the task definition only once the image is pushed.
    assert stack.one(REPOSITORY).urn in image.dependencies
    assert image.urn in stack.one(TASK_DEF).dependencies


def test_components_parent_their_children_and_register_real_outputs_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    stack = captured["prod"]
    service = stack.one(SERVICE_COMPONENT)
    balancer = stack.one(LB_COMPONENT)
    service_children = {(r.type, r.name) for r in stack.children_of(service)}
    assert (TASK_DEF, "fastapi-task") in service_children
    assert (SERVICE, "fastapi-service") in service_children
    assert (LOG_GROUP, "fastapi-logs") in service_children
    assert (SCALING_TARGET, "fastapi-scaling") in service_children
    assert {r.name for r in stack.of_type(SCALING_POLICY)} <= {n for _, n in service_children}
    assert {r.type for r in stack.children_of(balancer)} == {
        SECURITY_GROUP,
        ALB,
        TARGET_GROUP,
        LISTENER,
    }
    assert service.outputs == {
        "clusterName": stack.outputs["clusterName"],
        "serviceName": stack.outputs["serviceName"],
        "taskDefinitionArn": stack.one(TASK_DEF).outputs["arn"],
        "runningTaskDefinitionArn": stack.outputs["taskDefinitionArn"],
        "logGroupName": "/ecs/fastapi-prod",
        "securityGroupId": stack.named("fastapi-task-sg").id,
    }
    assert balancer.outputs["url"] == stack.outputs["url"]
    assert balancer.outputs["dnsName"] == stack.outputs["albDnsName"]
    # Registry and network live at the top: they outlive any one service component.
    top_level = {r.type for r in stack.resources if r.parent_urn is None}
    assert top_level == {
        VPC,
        REPOSITORY,
        IMAGE_BUILD,
        SERVICE_COMPONENT,
        LB_COMPONENT,
        ACCESS_LOG_COMPONENT,
        FLOW_LOG_COMPONENT,
        WAF_COMPONENT,
    }


def test_the_ecr_lifecycle_policy_is_a_child_of_its_repository_and_unprotected_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    """Issue 16: the repository's rules sit under it. prod protects the repository; a child
    inherits `protect` from its parent unless it sets its own (pulumi SDK 3.260.0,
    pulumi/resource.py "Infer protection from parent"), and the policy keeps its old, unprotected
    state."""
    for name, stack in captured.items():
        repository = stack.one(REPOSITORY)
        policy = stack.one(LIFECYCLE_POLICY)
        assert policy.parent_urn == repository.urn, name
        assert policy.protect is False, name
        assert repository.protect is (name == "prod"), name


def test_autoscaling_tracks_cpu_and_requests_per_target_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    target = stack.one(SCALING_TARGET).inputs
    assert target["resourceId"] == (
        f"service/{stack.outputs['clusterName']}/{stack.outputs['serviceName']}"
    )
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    configs = {
        c["predefinedMetricSpecification"]["predefinedMetricType"]: c
        for c in (
            p.inputs["targetTrackingScalingPolicyConfiguration"]
            for p in stack.of_type(SCALING_POLICY)
        )
    }
    assert set(configs) == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}
    assert configs["ECSServiceAverageCPUUtilization"]["targetValue"] == 60
    label = configs["ALBRequestCountPerTarget"]["predefinedMetricSpecification"]["resourceLabel"]
    alb_suffix = stack.one(ALB).outputs["arnSuffix"]
    tg_suffix = stack.one(TARGET_GROUP).outputs["arnSuffix"]
    assert label == f"{alb_suffix}/{tg_suffix}"


def test_stack_exports_under_pulumi_mocks(stack: CapturedStack) -> None:
    outputs = stack.outputs
    assert set(outputs) == {
        "url",
        "albDnsName",
        "repositoryUrl",
        "imageUri",
        "clusterName",
        "serviceName",
        "taskDefinitionArn",
        "vpcId",
    }
    assert outputs["vpcId"] == vpc_outputs(stack)["vpcId"]
    # The tag, not the build's digest: known in every preview (infra/registry.py).
    assert re.fullmatch(
        re.escape(outputs["repositoryUrl"]) + r":src-[0-9a-f]{16}-(amd|arm)64", outputs["imageUri"]
    )


def environment_facts(stack: CapturedStack) -> dict[str, Any]:
    """The values that are meant to differ between environments, read from what was registered."""
    vpc = stack.one(VPC).inputs
    service = stack.one(SERVICE).inputs
    scaling = stack.one(SCALING_TARGET).inputs
    strategy = [
        (s["capacityProvider"], s["weight"], s["base"])
        for s in service["capacityProviderStrategies"]
    ]
    return {
        "size": (stack.one(TASK_DEF).inputs["cpu"], stack.one(TASK_DEF).inputs["memory"]),
        "platform": stack.one(IMAGE_BUILD).inputs["platforms"][0],
        "tasks": (scaling["minCapacity"], service["desiredCount"], scaling["maxCapacity"]),
        "zones": vpc["numberOfAvailabilityZones"],
        "nat": vpc["natGateways"]["strategy"],
        "https": any(r.inputs["protocol"] == "HTTPS" for r in stack.of_type(LISTENER)),
        "ingress": stack.named("fastapi-alb-sg").inputs["ingress"][0]["cidrBlocks"],
        "exec": service["enableExecuteCommand"],
        "capacity": strategy,
        "insights": stack.one("aws:ecs/cluster:Cluster").inputs["settings"][0]["value"],
        "log_days": stack.named(APP_LOG_GROUP).inputs["retentionInDays"],
        "alb_protection": (
            stack.one(ALB).inputs["enableDeletionProtection"],
            stack.one(ALB).protect,
        ),
        "log_group_kept": (
            stack.named(APP_LOG_GROUP).protect,
            stack.named(APP_LOG_GROUP).retain_on_delete,
        ),
        "repository_kept": (
            stack.one(REPOSITORY).protect,
            stack.one(REPOSITORY).retain_on_delete,
            stack.one(REPOSITORY).inputs["forceDelete"],
        ),
        "encryption": stack.one(REPOSITORY).inputs["encryptionConfigurations"][0]["encryptionType"],
        "keep_images": json.loads(
            stack.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"]
        )["rules"][1]["selection"]["countNumber"],
        "drain": stack.one(TARGET_GROUP).inputs["deregistrationDelay"],
        "grace": service["healthCheckGracePeriodSeconds"],
        "access_log_days": _expiry_days(stack),
        "flow_log_days": stack.named("fastapi-flow-logs").inputs["retentionInDays"],
        "bucket_kept": (
            stack.one(BUCKET).protect,
            stack.one(BUCKET).retain_on_delete,
            stack.one(BUCKET).inputs["forceDestroy"],
        ),
        "waf": bool(stack.of_type(WEB_ACL)),
        "api_docs": env_of(stack).get("APP_API_DOCS"),
    }


def _expiry_days(stack: CapturedStack) -> int:
    lifecycle = stack.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    (rule,) = lifecycle.inputs["rules"]
    return rule["expiration"]["days"]


# fact: (dev, staging, prod), as registered.
EXPECTED_FACTS: dict[str, tuple[Any, Any, Any]] = {
    "size": (("256", "512"), ("512", "1024"), ("1024", "2048")),
    "platform": ("linux/amd64", "linux/arm64", "linux/arm64"),
    "tasks": ((1, 1, 2), (2, 2, 4), (3, 3, 12)),  # min, desired, max
    "zones": (2, 3, 3),
    "nat": ("Single", "Single", "OnePerAz"),
    "https": (False, True, True),
    "ingress": (["0.0.0.0/0"], ["203.0.113.0/24"], ["0.0.0.0/0"]),
    "exec": (True, True, False),
    # (provider, weight, base): all Spot; half Spot with the first task on-demand; on-demand
    "capacity": (
        [("FARGATE_SPOT", 1, 0)],
        [("FARGATE", 1, 1), ("FARGATE_SPOT", 1, 0)],
        [("FARGATE", 1, 0)],
    ),
    "insights": ("disabled", "enabled", "enabled"),
    "log_days": (7, 30, 365),
    "alb_protection": ((False, False), (False, False), (True, True)),  # AWS flag, Pulumi protect
    "log_group_kept": ((False, False), (False, False), (True, True)),  # protect, retainOnDelete
    "repository_kept": ((False, False, True), (False, False, True), (True, True, False)),
    "encryption": ("AES256", "AES256", "KMS"),
    "keep_images": (10, 20, 50),
    "drain": (5, 25, 30),
    "grace": (30, 60, 90),
    "access_log_days": (7, 30, 365),
    "flow_log_days": (7, 30, 365),
    "bucket_kept": ((False, False, True), (False, False, True), (True, True, False)),
    "waf": (False, True, True),
    "api_docs": ("true", None, None),  # /docs, /redoc, /openapi.json in dev only
}


def test_environments_differ_as_designed_under_pulumi_mocks(stack: CapturedStack) -> None:
    column = STACKS.index(stack.stack)
    expected = {fact: values[column] for fact, values in EXPECTED_FACTS.items()}
    assert environment_facts(stack) == expected


def test_dev_and_prod_differ_on_every_environment_fact_but_ingress_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    dev, prod = environment_facts(captured["dev"]), environment_facts(captured["prod"])
    same = sorted(fact for fact in dev if dev[fact] == prod[fact])
    assert same == ["ingress"]


def test_a_prebuilt_image_replaces_the_build_under_pulumi_mocks() -> None:
    image = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/ci/fastapi@sha256:" + "b" * 64
    stack = capture_stack("prod", {"imageUri": image})
    assert stack.error is None
    assert stack.of_type(IMAGE_BUILD) == []
    assert container(stack)["image"] == image
    assert stack.outputs["imageUri"] == image
    pull = next(
        s
        for s in policies(stack)["fastapi-execution-policy"]["Statement"]
        if s["Sid"] == "PullImage"
    )
    assert pull["Resource"] == sorted(
        [
            stack.one(REPOSITORY).outputs["arn"],
            "arn:aws:ecr:eu-west-1:210987654321:repository/ci/fastapi",
        ]
    )


def test_a_fixed_task_count_has_no_scaler_and_keeps_desired_count_under_pulumi_mocks() -> None:
    stack = capture_stack("dev", {"minCount": 2, "desiredCount": 2, "maxCount": 2})
    assert stack.error is None
    assert stack.of_type(SCALING_TARGET) == [] and stack.of_type(SCALING_POLICY) == []
    service = stack.one(SERVICE)
    assert service.inputs["desiredCount"] == 2
    assert service.ignore_changes == ()


def test_autoscale_refuses_a_service_whose_deploys_would_reset_the_count() -> None:
    """The component's guard, for programs that use FargateService themselves: without
    autoscaled=True the service does not ignore desiredCount, so every deploy would set back the
    count the scaler chose. Refused before any resource is registered (no Pulumi runtime here)."""
    fixed = SimpleNamespace(_name="orders", _args=SimpleNamespace(autoscaled=False))
    with pytest.raises(ValueError, match=r"orders: autoscale\(\) needs .*autoscaled=True"):
        FargateService.autoscale(fixed, 1, 2)  # type: ignore[arg-type]


def test_the_image_build_keeps_its_identity_when_the_source_changes_under_pulumi_mocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12, item 2. awsx 3.11.0's ecr.Image names its docker-build child after imageTag
    (awsx/ecr/image.ts, computeImageFromAsset: `new docker.Image(imageName, ...)`), so a content
    tag replaced that child on every source change, and docker-build's Delete removes a replaced
    image from ECR by digest (pulumi-docker-build v0.0.22 provider/internal/image.go, Delete).
    Here the build is one docker-build Image whose logical name (so URN) stays put; only its
    tag moves, which docker-build's Diff reports as an update, never a replacement (Diff in the
    same file returns only `update` kinds)."""
    context = tmp_path / "service"
    shutil.copytree(SERVICE_DIR, context, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    monkeypatch.setattr(registry, "SERVICE_DIR", context)

    def build() -> tuple[str, str, str]:
        registry.build_context_digest.cache_clear()
        stack = capture_stack("dev")
        image = stack.one(IMAGE_BUILD)
        (tag,) = image.inputs["tags"]
        return image.urn, tag, container(stack)["image"]

    urn, tag, image_in_task = build()
    assert image_in_task == tag
    (context / "app" / "main.py").write_text("# changed\n", encoding="utf-8")
    changed_urn, changed_tag, changed_image_in_task = build()
    assert changed_urn == urn
    assert changed_tag != tag
    assert changed_image_in_task == changed_tag
