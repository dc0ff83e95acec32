"""The Fargate service: cluster, log group, roles, security group, task definition and ECS
service, as one component built from pulumi_aws resources so tests and the policy pack see
every child."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import gcd

import pulumi
import pulumi_aws as aws

from fargate_spec import contract, sizes
from fargate_spec.edge import ECS_TASKS_PRINCIPAL
from infra import names
from infra.account import AwsAccount
from infra.arns import secret_arn_kind, secret_resource_arn
from infra.autoscaling import ScalableTaskCount, scalable_task_count
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


_DEFAULTS = Settings()


@dataclass(frozen=True)
class ContainerArgs:
    """The one container (fargate_spec.contract) beyond its image: what it is told and how ECS
    checks and stops it. Each default is the setting's (infra.settings)."""

    region: str
    """Where its logs go (the awslogs driver's region; config aws:region, required)."""
    service_name: str = _DEFAULTS.service_name
    """The app's APP_SERVICE_NAME (config serviceName). @default "fastapi"."""
    forwarded_allow_ips: str = _DEFAULTS.vpc_cidr
    """The VPC's range: uvicorn trusts X-Forwarded-* from the ALB there and nowhere else
    (config vpcCidr). @default "10.0.0.0/16"."""
    keep_alive_seconds: int = _DEFAULTS.keep_alive_seconds
    """uvicorn keep-alive (config keepAliveSeconds). @default 75."""
    graceful_shutdown_seconds: int = _DEFAULTS.graceful_shutdown_seconds
    """uvicorn's bound on in-flight requests after SIGTERM (config gracefulShutdownSeconds).
    @default 20."""
    stop_timeout: int = _DEFAULTS.stop_timeout
    """Seconds between SIGTERM and SIGKILL (config stopTimeout). @default 30."""
    health_check_interval: int = _DEFAULTS.health_check_interval
    """Container healthCheck interval (config healthCheckInterval). @default 30."""
    health_check_timeout: int = _DEFAULTS.health_check_timeout
    """Container healthCheck timeout (config healthCheckTimeout). @default 5."""
    health_check_retries: int = _DEFAULTS.health_check_retries
    """Failed checks before unhealthy (config healthCheckRetries). @default 3."""
    health_check_start_period: int = _DEFAULTS.health_check_start_period
    """Seconds during which failures do not count (config healthCheckStartPeriod). @default 10."""
    environment: Sequence[tuple[str, str]] = _DEFAULTS.app_environment
    """Plaintext NAME=value variables (config appEnvironment). @default none."""
    secrets: Sequence[tuple[str, str]] = _DEFAULTS.app_secrets
    """NAME=<SSM parameter or Secrets Manager ARN>, read by the execution role at start
    (config appSecrets). @default none."""


@dataclass(frozen=True)
class RolloutGuardArgs:
    """staging and prod: ECS rolls a deployment back when the target group's alarms fire, the
    update waits for steady state, and `pulumi up` fails when the service rolled back
    (infra.rollout). Each default is the setting's (infra.settings)."""

    target_5xx: int = _DEFAULTS.rollback_alarm_target_5xx
    """Target 5xx responses a minute that fire an alarm (config rollbackAlarmTarget5xx).
    @default 10."""
    unhealthy_targets: int = _DEFAULTS.rollback_alarm_unhealthy_targets
    """Unhealthy targets that fire an alarm (config rollbackAlarmUnhealthyTargets). @default 1."""
    minutes: int = _DEFAULTS.rollback_alarm_minutes
    """Consecutive minutes over a threshold (config rollbackAlarmMinutes). @default 2."""


@dataclass(frozen=True)
class FargateServiceArgs:
    """Inputs of the service. Without a default: what the rest of the stack provides; with one:
    the service's own knobs, each defaulting to its setting (infra.settings)."""

    family: str
    """The task definition family, also naming the log group `/ecs/<family>`; unique per stack
    (Settings.physical_name)."""
    container: ContainerArgs
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
    """The CloudWatch dimensions of the target group the deployment alarms and the
    request-count scaling policy watch."""
    tags: Mapping[str, str]
    cpu: int = _DEFAULTS.cpu
    """Task CPU units (config cpu). @default 256."""
    memory: int = _DEFAULTS.memory
    """Task memory in MiB (config memory). @default 512."""
    cpu_architecture: str = _DEFAULTS.cpu_architecture
    """ECS runtimePlatform.cpuArchitecture (config architecture). @default X86_64."""
    desired_count: int = _DEFAULTS.desired_count
    """Tasks at first deploy (config desiredCount). @default 1."""
    autoscaled: bool = _DEFAULTS.autoscaling
    """True when `autoscale()` will own the task count: deploys then leave desiredCount alone
    (minCount < maxCount). @default True."""
    spot_percent: int = _DEFAULTS.spot_percent
    """Share of tasks on FARGATE_SPOT (config spotPercent). @default 0."""
    container_insights: bool = _DEFAULTS.container_insights
    """CloudWatch Container Insights (config containerInsights). @default False."""
    enable_exec: bool = _DEFAULTS.enable_exec
    """ECS Exec, its volumes and its task-role grants (config enableExec). @default False."""
    log_retention_days: int = _DEFAULTS.log_retention_days
    """The log group's retention (config logRetentionDays). @default 30."""
    health_check_grace_period: int = _DEFAULTS.health_check_grace_period
    """Seconds the service ignores ALB health checks of a new task (config
    healthCheckGracePeriod). @default 60."""
    deletion_protection: bool = _DEFAULTS.deletion_protection
    """Protects the log group (config deletionProtection). @default False."""
    retain_on_delete: bool = _DEFAULTS.retain_on_delete
    """Keeps the log group on destroy (config retainOnDelete). @default False."""
    rollout_guard: RolloutGuardArgs | None = None
    """Deployment alarms, steady-state wait and rollback check; None (dev) deploys without
    waiting. @default None (the program sets it in staging and prod)."""


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

    def autoscale(self, min_capacity: int, max_capacity: int) -> ScalableTaskCount:
        """The task count between `min_capacity` and `max_capacity` (config minCount, maxCount;
        @default 1 and 2), as a scalable target that is a child of this service (CDK's
        `autoScaleTaskCount`); add policies with its `scale_on_cpu` / `scale_on_requests`.

        Only for a service made with `autoscaled=True`: otherwise every deploy would reset the
        count the scaler set (desiredCount is ignored on update only then)."""
        if not self._args.autoscaled:
            raise ValueError(
                f"{self._name}: autoscale() needs FargateServiceArgs(autoscaled=True), or each "
                "deploy resets the task count the scaler set"
            )
        return scalable_task_count(
            self._child_name("scaling"),
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", self.service.name),
            request_count_label=pulumi.Output.concat(
                self._args.load_balancer_arn_suffix, "/", self._args.target_group_arn_suffix
            ),
            tags=self._args.tags,
            opts=self._child(),
        )

    def _cluster(self) -> aws.ecs.Cluster:
        insights = "enabled" if self._args.container_insights else "disabled"
        return aws.ecs.Cluster(
            self._child_name("cluster"),
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=insights)],
            tags=dict(self._args.tags),
            opts=self._child(),
        )

    def _capacity_providers(self) -> aws.ecs.ClusterCapacityProviders:
        return aws.ecs.ClusterCapacityProviders(
            self._child_name("capacity"),
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=capacity_provider_strategy(
                self._args.spot_percent
            ),
            opts=self._child(),
        )

    def _log_group(self) -> aws.cloudwatch.LogGroup:
        a = self._args
        return aws.cloudwatch.LogGroup(
            self._child_name("logs"),
            name=log_group_name(a.family),
            retention_in_days=a.log_retention_days,
            deletion_protection_enabled=a.deletion_protection,
            tags=dict(a.tags),
            opts=self._child(protect=a.deletion_protection, retain_on_delete=a.retain_on_delete),
        )

    def _role(self, suffix: str, description: str, trust: pulumi.Input[str]) -> aws.iam.Role:
        return aws.iam.Role(
            self._child_name(suffix),
            description=description,
            assume_role_policy=trust,
            tags=dict(self._args.tags),
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
                execution_policy(values[0], values[1], self._args.container.secrets)
            )
        )
        self._grant("execution-policy", role, policy)
        return role

    def _task_role(self) -> aws.iam.Role:
        """The app's own identity. It calls no AWS API, so it gets nothing unless ECS Exec is on."""
        # Only this account's ECS tasks may assume it (ECS guide, "Amazon ECS task IAM role").
        trust = guarded_trust_policy(ECS_TASKS_PRINCIPAL, self._args.account, "ecs", "*")
        role = self._role("task-role", "The app's AWS identity (least privilege)", trust)
        if self._args.enable_exec:
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
            tags=dict(self._args.tags),
            opts=self._child(),
        )

    def _task_definition(
        self, execution_role: aws.iam.Role, task_role: aws.iam.Role
    ) -> aws.ecs.TaskDefinition:
        a = self._args
        # Plain text from plain values (the log group by its explicit name, not its output):
        # a preview shows the containers to the policy pack, first deploy or not.
        containers = json.dumps(
            [
                container_definition(
                    a.container, a.image_uri, log_group_name(a.family), a.enable_exec
                )
            ]
        )
        return aws.ecs.TaskDefinition(
            self._child_name("task"),
            family=a.family,
            cpu=str(a.cpu),
            memory=str(a.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family=sizes.LINUX, cpu_architecture=a.cpu_architecture
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(name=name) for name in volume_names(a.enable_exec)
            ],
            container_definitions=containers,
            tags=dict(a.tags),
            # Never registered before its image is pushed; the log group must exist before a
            # task writes to it.
            opts=self._child(
                depends_on=[self.log_group, *([self._args.image] if self._args.image else [])]
            ),
        )

    def _deployment_alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        """staging and prod: the target group's 5xx count and unhealthy hosts, watched by ECS
        during each deployment (a release can pass health checks and still fail requests)."""
        guard = self._args.rollout_guard
        if guard is None:
            return []
        dimensions = {
            "LoadBalancer": self._args.load_balancer_arn_suffix,
            "TargetGroup": self._args.target_group_arn_suffix,
        }
        return [self._alarm(alarm, dimensions, guard) for alarm in deployment_alarm_specs(guard)]

    def _alarm(
        self,
        alarm: DeploymentAlarm,
        dimensions: dict[str, pulumi.Input[str]],
        guard: RolloutGuardArgs,
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            self._child_name(alarm.suffix),
            alarm_description=alarm.description,
            namespace=ALB_METRICS_NAMESPACE,
            metric_name=alarm.metric,
            statistic=alarm.statistic,
            dimensions=dimensions,
            period=ALARM_PERIOD_SECONDS,
            evaluation_periods=guard.minutes,
            threshold=alarm.threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # No requests means no 5xx datapoints: quiet, not alarming.
            treat_missing_data="notBreaching",
            tags=dict(self._args.tags),
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
        if self._args.rollout_guard is None:
            return self.service.task_definition
        return verified_rollout(
            self.service.name, self.service.task_definition, self.task_definition.arn
        )

    def _service(
        self, security_group: aws.ec2.SecurityGroup, depends_on: list[pulumi.Resource]
    ) -> aws.ecs.Service:
        a = self._args
        return aws.ecs.Service(
            self._child_name("service"),
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=a.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(**entry)
                for entry in capacity_provider_strategy(a.spot_percent)
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
            wait_for_steady_state=a.rollout_guard is not None,
            health_check_grace_period_seconds=a.health_check_grace_period,
            enable_execute_command=a.enable_exec,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            tags=dict(a.tags),
            # With autoscaling on, the desired count is the scaler's; a deploy must not reset it.
            opts=self._child(
                depends_on=depends_on,
                ignore_changes=["desiredCount"] if a.autoscaled else None,
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


def deployment_alarm_specs(guard: RolloutGuardArgs) -> list[DeploymentAlarm]:
    minutes = f"{guard.minutes} consecutive minute(s)"
    return [
        DeploymentAlarm(
            "target-5xx-alarm",
            "HTTPCode_Target_5XX_Count",
            "Sum",
            guard.target_5xx,
            f"{guard.target_5xx}+ target 5xx responses a minute for {minutes}: "
            "ECS rolls a deployment in progress back",
        ),
        DeploymentAlarm(
            "unhealthy-hosts-alarm",
            "UnHealthyHostCount",
            "Maximum",
            guard.unhealthy_targets,
            f"{guard.unhealthy_targets}+ unhealthy targets for {minutes}: ECS rolls "
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


def log_group_name(family: str) -> str:
    return f"/ecs/{family}"


def volume_names(enable_exec: bool) -> list[str]:
    return [TMP_VOLUME, *(EXEC_AGENT_PATHS if enable_exec else ())]


def container_definition(
    c: ContainerArgs, image: str, log_group: str, enable_exec: bool
) -> dict[str, object]:
    """The one container: the image's CMD (one uvicorn process) untouched, everything else
    from the contract and its args."""
    mounts = {TMP_VOLUME: contract.TMP_MOUNT_PATH}
    if enable_exec:
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
        "environment": environment(c),
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(c.secrets)],
        # ECS ignores the Dockerfile HEALTHCHECK; this is the same command (no curl needed).
        "healthCheck": {
            "command": contract.liveness_probe_command(),
            "interval": c.health_check_interval,
            "timeout": c.health_check_timeout,
            "retries": c.health_check_retries,
            "startPeriod": c.health_check_start_period,
        },
        "stopTimeout": c.stop_timeout,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": c.region,
                "awslogs-stream-prefix": contract.CONTAINER_NAME,
                # A slow CloudWatch must not block the app's stdout (and so its requests).
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        },
    }
    if enable_exec:
        # An init process reaps the shells ECS Exec starts.
        definition["linuxParameters"] = {"initProcessEnabled": True}
    else:
        # uvicorn listens above 1024 and needs no Linux capability at all.
        definition["linuxParameters"] = {"capabilities": {"drop": ["ALL"]}}
    return definition


def environment(container: ContainerArgs) -> list[dict[str, str]]:
    """The app's plaintext variables plus the uvicorn timing the program owns."""
    owned = {
        "APP_SERVICE_NAME": container.service_name,
        contract.UVICORN_KEEP_ALIVE_ENV: str(container.keep_alive_seconds),
        contract.UVICORN_GRACEFUL_SHUTDOWN_ENV: str(container.graceful_shutdown_seconds),
        # The ALB's addresses are in the VPC: trust X-Forwarded-* from there and nowhere else.
        contract.UVICORN_FORWARDED_ALLOW_IPS_ENV: container.forwarded_allow_ips,
    }
    variables = dict(container.environment) | owned
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
