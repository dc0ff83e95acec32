"""The Fargate service: cluster, log group, roles, security group, task definition and ECS
service, as one component built from pulumi_aws resources so tests and the policy pack see
every child."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

import pulumi
import pulumi_aws as aws

from fargate_spec import contract, sizes
from fargate_spec.edge import ECS_TASKS_PRINCIPAL
from infra import names
from infra.account import AwsAccount
from infra.arns import secret_arn_kind, secret_resource_arn
from infra.component import Component
from infra.network import tcp_egress, tcp_ingress
from infra.rollout import verified_rollout
from infra.settings import Settings
from infra.trust import guarded_trust_policy, trust_policy

TMP_VOLUME = "tmp"
# ECS Exec's agent writes to these paths; with a read-only root filesystem they need writable
# volumes (AWS documents the two as incompatible; this is the workaround reported in
# aws/containers-roadmap#1359 and amazon-ecs-exec-checker#71). Mounted only when exec is on.
EXEC_AGENT_PATHS = {
    "exec-managed-agents": "/managed-agents",
    "exec-ssm-lib": "/var/lib/amazon/ssm",
    "exec-ssm-log": "/var/log/amazon/ssm",
}
EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
ALB_METRICS_NAMESPACE = "AWS/ApplicationELB"
ALARM_PERIOD_SECONDS = 60


@dataclass(frozen=True)
class FargateServiceArgs:
    """What the service needs from the rest of the stack; its own knobs are in `settings`."""

    settings: Settings
    image_uri: str
    """Known when the program runs, so containerDefinitions is known in every preview and the
    policy pack checks the containers there."""
    image: pulumi.Resource | None
    """The build that pushes `image_uri`: the task definition is registered after it."""
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    alb_security_group_id: pulumi.Input[str]
    """The only source the tasks accept traffic from."""
    target_group_arn: pulumi.Input[str]
    listeners: Sequence[pulumi.Resource]
    """The ECS service is created after these: a target group must be attached to a load
    balancer before a service can register targets in it."""
    pull_repository_arns: pulumi.Input[Sequence[str]]
    account: AwsAccount
    """Names the account in the task role's confused-deputy guard (infra.trust)."""
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    """The CloudWatch dimensions of the target group the deployment alarms watch."""


class FargateService(Component):
    """A Fargate service running the one container of the contract (fargate_spec.contract)."""

    cluster: aws.ecs.Cluster
    log_group: aws.cloudwatch.LogGroup
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service
    deployment_alarms: list[aws.cloudwatch.MetricAlarm]
    running_task_definition: pulumi.Output[str]
    """The task definition the service runs after this update; in staging and prod a `pulumi up`
    fails when it is not the one this update registered (infra.rollout)."""

    def __init__(
        self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fastapi-fargate:service:FargateService", name, opts)
        self._args = args
        self._settings = args.settings
        # Role policies are separate resources: the service waits for them, or its first tasks
        # start before they may pull the image or read their secrets.
        self._grants: list[aws.iam.RolePolicy] = []
        self.cluster = self._cluster()
        capacity = self._capacity_providers()
        self.log_group = self._log_group()
        execution_role = self._execution_role()
        task_role = self._task_role()
        security_group = self._security_group()
        self.task_definition = self._task_definition(execution_role, task_role)
        self.deployment_alarms = self._deployment_alarms()
        self.service = self._service(
            security_group, depends_on=[*args.listeners, capacity, *self._grants]
        )
        self.running_task_definition = self._running_task_definition()
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "serviceName": self.service.name,
                "taskDefinitionArn": self.task_definition.arn,
                "runningTaskDefinitionArn": self.running_task_definition,
                "logGroupName": self.log_group.name,
                "securityGroupId": security_group.id,
            }
        )

    def _cluster(self) -> aws.ecs.Cluster:
        insights = "enabled" if self._settings.container_insights else "disabled"
        return aws.ecs.Cluster(
            self._child_name("cluster"),
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=insights)],
            tags=self._settings.tags,
            opts=self._child(),
        )

    def _capacity_providers(self) -> aws.ecs.ClusterCapacityProviders:
        return aws.ecs.ClusterCapacityProviders(
            self._child_name("capacity"),
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=capacity_provider_strategy(
                self._settings.spot_percent
            ),
            opts=self._child(),
        )

    def _log_group(self) -> aws.cloudwatch.LogGroup:
        s = self._settings
        return aws.cloudwatch.LogGroup(
            self._child_name("logs"),
            name=log_group_name(s),
            retention_in_days=s.log_retention_days,
            deletion_protection_enabled=s.deletion_protection,
            tags=s.tags,
            opts=self._child(protect=s.deletion_protection, retain_on_delete=s.retain_on_delete),
        )

    def _role(self, suffix: str, description: str, trust: pulumi.Input[str]) -> aws.iam.Role:
        return aws.iam.Role(
            self._child_name(suffix),
            description=description,
            assume_role_policy=trust,
            tags=self._settings.tags,
            opts=self._child(),
        )

    def _execution_role(self) -> aws.iam.Role:
        # Unguarded on purpose: AWS documents the aws:SourceAccount/aws:SourceArn guard for the
        # task role only; its execution-role page shows the bare ecs-tasks trust policy.
        trust = json.dumps(trust_policy(ECS_TASKS_PRINCIPAL))
        role = self._role(
            "execution-role", "ECS agent: pull the image, write logs, read secrets", trust
        )
        policy = pulumi.Output.all(self.log_group.arn, self._args.pull_repository_arns).apply(
            lambda values: json.dumps(
                execution_policy(values[0], values[1], self._settings.app_secrets)
            )
        )
        self._grant("execution-policy", role, policy)
        return role

    def _task_role(self) -> aws.iam.Role:
        """The app's own identity. It calls no AWS API, so it gets nothing unless ECS Exec is on."""
        # Only this account's ECS tasks may assume it (ECS guide, "Amazon ECS task IAM role").
        trust = guarded_trust_policy(ECS_TASKS_PRINCIPAL, self._args.account, "ecs", "*")
        role = self._role("task-role", "The app's AWS identity (least privilege)", trust)
        if self._settings.enable_exec:
            policy = self.log_group.arn.apply(lambda arn: json.dumps(exec_policy(arn)))
            self._grant("task-exec-policy", role, policy)
        return role

    def _grant(self, suffix: str, role: aws.iam.Role, policy: pulumi.Input[str]) -> None:
        self._grants.append(
            aws.iam.RolePolicy(
                self._child_name(suffix), role=role.id, policy=policy, opts=self._child()
            )
        )

    def _security_group(self) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            self._child_name(names.TASK_SECURITY_GROUP),
            description="Tasks: the container port from the load balancer only; HTTPS out",
            vpc_id=self._args.vpc_id,
            ingress=[
                tcp_ingress(
                    "Load balancer to the container port",
                    contract.CONTAINER_PORT,
                    security_groups=[self._args.alb_security_group_id],
                )
            ],
            # ECR, CloudWatch Logs, SSM and Secrets Manager are all HTTPS; add rules here for
            # the app's own dependencies (a database port, say) when it gains some.
            egress=[tcp_egress("HTTPS to AWS APIs through NAT", 443, "0.0.0.0/0")],
            tags=self._settings.tags,
            opts=self._child(),
        )

    def _task_definition(
        self, execution_role: aws.iam.Role, task_role: aws.iam.Role
    ) -> aws.ecs.TaskDefinition:
        s = self._settings
        # Plain text from plain values (the log group by its explicit name, not its output):
        # a preview shows the containers to the policy pack, first deploy or not.
        containers = json.dumps([container_definition(s, self._args.image_uri, log_group_name(s))])
        return aws.ecs.TaskDefinition(
            self._child_name("task"),
            family=s.physical_name,
            cpu=str(s.cpu),
            memory=str(s.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family=sizes.LINUX, cpu_architecture=s.cpu_architecture
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=name) for name in volume_names(s)],
            container_definitions=containers,
            tags=s.tags,
            # Never registered before its image is pushed; the log group must exist before a
            # task writes to it.
            opts=self._child(
                depends_on=[self.log_group, *([self._args.image] if self._args.image else [])]
            ),
        )

    def _deployment_alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        """staging and prod: the target group's 5xx count and unhealthy hosts, watched by ECS
        during each deployment (a release can pass health checks and still fail requests)."""
        if not self._settings.guards_rollouts:
            return []
        dimensions = {
            "LoadBalancer": self._args.load_balancer_arn_suffix,
            "TargetGroup": self._args.target_group_arn_suffix,
        }
        return [self._alarm(alarm, dimensions) for alarm in deployment_alarm_specs(self._settings)]

    def _alarm(
        self, alarm: DeploymentAlarm, dimensions: dict[str, pulumi.Input[str]]
    ) -> aws.cloudwatch.MetricAlarm:
        s = self._settings
        return aws.cloudwatch.MetricAlarm(
            self._child_name(alarm.suffix),
            alarm_description=alarm.description,
            namespace=ALB_METRICS_NAMESPACE,
            metric_name=alarm.metric,
            statistic=alarm.statistic,
            dimensions=dimensions,
            period=ALARM_PERIOD_SECONDS,
            evaluation_periods=s.rollback_alarm_minutes,
            threshold=alarm.threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # No requests means no 5xx datapoints: quiet, not alarming.
            treat_missing_data="notBreaching",
            tags=s.tags,
            opts=self._child(),
        )

    def _deployment_alarms_block(self) -> aws.ecs.ServiceAlarmsArgs | None:
        if not self.deployment_alarms:
            return None
        return aws.ecs.ServiceAlarmsArgs(
            alarm_names=[alarm.name for alarm in self.deployment_alarms],
            enable=True,
            rollback=True,
        )

    def _running_task_definition(self) -> pulumi.Output[str]:
        if not self._settings.guards_rollouts:
            return self.service.task_definition
        return verified_rollout(
            self.service.name, self.service.task_definition, self.task_definition.arn
        )

    def _service(
        self, security_group: aws.ec2.SecurityGroup, depends_on: list[pulumi.Resource]
    ) -> aws.ecs.Service:
        s = self._settings
        return aws.ecs.Service(
            self._child_name("service"),
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=s.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(**entry)
                for entry in capacity_provider_strategy(s.spot_percent)
            ],
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=self._args.private_subnet_ids,
                security_groups=[security_group.id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=self._args.target_group_arn,
                    container_name=contract.CONTAINER_NAME,
                    container_port=contract.CONTAINER_PORT,
                )
            ],
            # A deploy whose tasks never turn healthy stops and rolls back by itself; the old
            # tasks keep serving throughout (100 % stay up, up to 200 % run during the swap).
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            # staging and prod: also roll back when the target group's alarms fire.
            alarms=self._deployment_alarms_block(),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            # The provider refuses a change of capacity_provider_strategies on an existing
            # service unless this is set (terraform-provider-aws
            # capacityProviderStrategyCustomizeDiff); spotPercent differs per stack. It only
            # adds ForceNewDeployment to the UpdateService calls an update makes anyway.
            force_new_deployment=True,
            # staging and prod: the update returns once the service is stable (or fails), so a
            # rolled-back deployment can be told apart afterwards (infra.rollout).
            wait_for_steady_state=s.guards_rollouts,
            health_check_grace_period_seconds=s.health_check_grace_period,
            enable_execute_command=s.enable_exec,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            tags=s.tags,
            # With autoscaling on, the desired count is the scaler's; a deploy must not reset it.
            opts=self._child(
                depends_on=depends_on,
                ignore_changes=["desiredCount"] if s.autoscaling else None,
            ),
        )


@dataclass(frozen=True)
class DeploymentAlarm:
    """One CloudWatch alarm on an AWS/ApplicationELB target-group metric."""

    suffix: str
    metric: str
    statistic: str
    threshold: int
    description: str


def deployment_alarm_specs(settings: Settings) -> list[DeploymentAlarm]:
    s = settings
    minutes = f"{s.rollback_alarm_minutes} consecutive minute(s)"
    return [
        DeploymentAlarm(
            "target-5xx-alarm",
            "HTTPCode_Target_5XX_Count",
            "Sum",
            s.rollback_alarm_target_5xx,
            f"{s.rollback_alarm_target_5xx}+ target 5xx responses a minute for {minutes}: "
            "ECS rolls a deployment in progress back",
        ),
        DeploymentAlarm(
            "unhealthy-hosts-alarm",
            "UnHealthyHostCount",
            "Maximum",
            s.rollback_alarm_unhealthy_targets,
            f"{s.rollback_alarm_unhealthy_targets}+ unhealthy targets for {minutes}: ECS rolls "
            "a deployment in progress back",
        ),
    ]


def capacity_provider_strategy(spot_percent: int) -> list[dict[str, object]]:
    """FARGATE / FARGATE_SPOT weights for a Spot share; below 100 % the first task (base 1) is
    on-demand, so a Spot reclaim never takes the whole service down."""
    if spot_percent == 0:
        return [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}]
    if spot_percent == 100:
        return [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    divisor = gcd(spot_percent, 100 - spot_percent)
    return [
        {"capacity_provider": "FARGATE", "weight": (100 - spot_percent) // divisor, "base": 1},
        {"capacity_provider": "FARGATE_SPOT", "weight": spot_percent // divisor, "base": 0},
    ]


def log_group_name(settings: Settings) -> str:
    return f"/ecs/{settings.physical_name}"


def volume_names(settings: Settings) -> list[str]:
    return [TMP_VOLUME, *(EXEC_AGENT_PATHS if settings.enable_exec else ())]


def container_definition(settings: Settings, image: str, log_group: str) -> dict[str, object]:
    """The one container: the image's CMD (one uvicorn process) untouched, everything else
    from the contract and the settings."""
    s = settings
    mounts = {TMP_VOLUME: contract.TMP_MOUNT_PATH}
    if s.enable_exec:
        mounts |= EXEC_AGENT_PATHS
    definition: dict[str, object] = {
        "name": contract.CONTAINER_NAME,
        "image": image,
        "essential": True,
        "user": contract.CONTAINER_USER,
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": volume, "containerPath": path, "readOnly": False}
            for volume, path in mounts.items()
        ],
        "portMappings": [
            {
                "name": "http",
                "containerPort": contract.CONTAINER_PORT,
                "hostPort": contract.CONTAINER_PORT,
                "protocol": "tcp",
                "appProtocol": "http",
            }
        ],
        "environment": environment(s),
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(s.app_secrets)],
        # ECS ignores the Dockerfile HEALTHCHECK; this is the same command (no curl needed).
        "healthCheck": {
            "command": contract.liveness_probe_command(),
            "interval": s.health_check_interval,
            "timeout": s.health_check_timeout,
            "retries": s.health_check_retries,
            "startPeriod": s.health_check_start_period,
        },
        "stopTimeout": s.stop_timeout,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": s.region,
                "awslogs-stream-prefix": contract.CONTAINER_NAME,
                # A slow CloudWatch must not block the app's stdout (and so its requests).
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    if s.enable_exec:
        # An init process reaps the shells ECS Exec starts.
        definition["linuxParameters"] = {"initProcessEnabled": True}
    else:
        # uvicorn listens above 1024 and needs no Linux capability at all.
        definition["linuxParameters"] = {"capabilities": {"drop": ["ALL"]}}
    return definition


def environment(settings: Settings) -> list[dict[str, str]]:
    """The app's plaintext variables plus the uvicorn timing the program owns."""
    owned = {
        "APP_SERVICE_NAME": settings.service_name,
        contract.UVICORN_KEEP_ALIVE_ENV: str(settings.keep_alive_seconds),
        contract.UVICORN_GRACEFUL_SHUTDOWN_ENV: str(settings.graceful_shutdown_seconds),
        # The ALB's addresses are in the VPC: trust X-Forwarded-* from there and nowhere else.
        contract.UVICORN_FORWARDED_ALLOW_IPS_ENV: settings.vpc_cidr,
    }
    variables = dict(settings.app_environment) | owned
    return [{"name": name, "value": value} for name, value in sorted(variables.items())]


def execution_policy(
    log_group_arn: str, repository_arns: Sequence[str], secrets: Sequence[tuple[str, str]]
) -> dict[str, object]:
    """What the ECS agent needs to start the task, scoped to this service's resources."""
    statements: list[dict[str, object]] = [
        # GetAuthorizationToken is account-wide by design: it supports no resource scoping.
        _allow("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
        _allow(
            "PullImage",
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            sorted(repository_arns),
        ),
        _allow("WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], f"{log_group_arn}:*"),
    ]
    by_kind: dict[str, set[str]] = {"ssm": set(), "secretsmanager": set()}
    for _name, arn in secrets:
        kind = secret_arn_kind(arn)
        if kind:
            by_kind[kind].add(secret_resource_arn(arn))
    if by_kind["ssm"]:
        statements.append(_allow("ReadParameters", ["ssm:GetParameters"], sorted(by_kind["ssm"])))
    if by_kind["secretsmanager"]:
        statements.append(
            _allow(
                "ReadSecrets",
                ["secretsmanager:GetSecretValue"],
                sorted(by_kind["secretsmanager"]),
            )
        )
    return {"Version": "2012-10-17", "Statement": statements}


def exec_policy(log_group_arn: str) -> dict[str, object]:
    """ECS Exec: the SSM channels (which support no resource scoping) and session logs, which
    ECS writes to the task's own log group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow("EcsExecChannels", EXEC_ACTIONS, "*"),
            _allow("EcsExecLogGroups", ["logs:DescribeLogGroups"], "*"),
            _allow(
                "EcsExecSessionLogs",
                ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                f"{log_group_arn}:*",
            ),
        ],
    }


def _allow(sid: str, actions: list[str], resources: str | list[str]) -> dict[str, object]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
