"""One FastAPI service on ECS Fargate behind an ALB. `pulumi up -s dev|staging|prod`.

Reads like the architecture; each step is one module of the `infra` package.
"""

import pulumi

from infra.access_logs import create_access_logs
from infra.account import current_account
from infra.autoscaling import Cooldowns
from infra.flow_logs import create_flow_logs
from infra.load_balancer import LoadBalancer, LoadBalancerArgs
from infra.network import create_network
from infra.registry import create_registry
from infra.service import ContainerArgs, FargateService, FargateServiceArgs, RolloutGuardArgs
from infra.settings import load_settings
from infra.waf import create_web_acl

# Validated in full before anything is registered: bad config creates nothing.
settings = load_settings()

account = current_account(settings.region)
network = create_network(settings)
registry = create_registry(settings)

create_flow_logs(settings, account, network.vpc_id)
access_logs = create_access_logs(settings, account)

load_balancer = LoadBalancer(
    settings.service_name,
    LoadBalancerArgs(
        vpc_id=network.vpc_id,
        vpc_cidr=network.cidr_block,
        public_subnet_ids=network.public_subnet_ids,
        ingress_cidrs=settings.ingress_cidrs,
        certificate_arn=settings.certificate_arn,
        tls_policy=settings.tls_policy,
        idle_timeout=settings.alb_idle_timeout,
        deregistration_delay=settings.deregistration_delay,
        deletion_protection=settings.deletion_protection,
        tags=settings.tags,
        access_logs=access_logs.load_balancer_access_logs() if access_logs else None,
        access_log_permission=access_logs.policy if access_logs else None,
        domain_name=settings.domain_name,
        hosted_zone_id=settings.hosted_zone_id,
    ),
)

create_web_acl(settings, load_balancer.alb.arn)

service = FargateService(
    settings.service_name,
    FargateServiceArgs(
        family=settings.physical_name,
        container=ContainerArgs(
            region=settings.region,
            service_name=settings.service_name,
            forwarded_allow_ips=settings.vpc_cidr,
            keep_alive_seconds=settings.keep_alive_seconds,
            graceful_shutdown_seconds=settings.graceful_shutdown_seconds,
            stop_timeout=settings.stop_timeout,
            health_check_interval=settings.health_check_interval,
            health_check_timeout=settings.health_check_timeout,
            health_check_retries=settings.health_check_retries,
            health_check_start_period=settings.health_check_start_period,
            environment=settings.app_environment,
            secrets=settings.app_secrets,
        ),
        image_uri=registry.image_uri,
        image=registry.image,
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        alb_security_group_id=load_balancer.security_group.id,
        target_group_arn=load_balancer.target_group.arn,
        listeners=load_balancer.listeners,
        pull_repository_arns=registry.pull_repository_arns,
        account=account,
        load_balancer_arn_suffix=load_balancer.alb.arn_suffix,
        target_group_arn_suffix=load_balancer.target_group.arn_suffix,
        tags=settings.tags,
        cpu=settings.cpu,
        memory=settings.memory,
        cpu_architecture=settings.cpu_architecture,
        desired_count=settings.desired_count,
        autoscaled=settings.autoscaling,
        spot_percent=settings.spot_percent,
        container_insights=settings.container_insights,
        enable_exec=settings.enable_exec,
        log_retention_days=settings.log_retention_days,
        health_check_grace_period=settings.health_check_grace_period,
        deletion_protection=settings.deletion_protection,
        retain_on_delete=settings.retain_on_delete,
        rollout_guard=RolloutGuardArgs(
            target_5xx=settings.rollback_alarm_target_5xx,
            unhealthy_targets=settings.rollback_alarm_unhealthy_targets,
            minutes=settings.rollback_alarm_minutes,
        )
        if settings.guards_rollouts
        else None,
    ),
)

# A fixed count (minCount equal to maxCount) needs no scaler.
if settings.autoscaling:
    scaling = service.autoscale(settings.min_count, settings.max_count)
    cooldowns = Cooldowns(settings.scale_in_cooldown, settings.scale_out_cooldown)
    scaling.scale_on_cpu(settings.cpu_target_percent, cooldowns)
    scaling.scale_on_requests(settings.requests_per_target, cooldowns)

# The domain name when domainName is set; otherwise the ALB's DNS name, which an HTTPS stack's
# certificate does not cover (the program warns, README "Deploying for real").
pulumi.export("url", load_balancer.url)
pulumi.export("albDnsName", load_balancer.alb.dns_name)
pulumi.export("repositoryUrl", registry.repository_url)
pulumi.export("imageUri", registry.image_uri)
pulumi.export("clusterName", service.cluster.name)
pulumi.export("serviceName", service.service.name)
# staging and prod: an update whose deployment ECS rolled back fails here (infra.rollout).
pulumi.export("taskDefinitionArn", service.running_task_definition)
pulumi.export("vpcId", network.vpc_id)
