"""One FastAPI service on ECS Fargate behind an ALB. `pulumi up -s dev|staging|prod`.

Reads like the architecture; each step is one module of the `infra` package.
"""

import pulumi

from infra.access_logs import AccessLogBucket, AccessLogBucketArgs
from infra.account import current_account
from infra.autoscaling import scale_service
from infra.flow_logs import FlowLogs, FlowLogsArgs
from infra.load_balancer import LoadBalancer, LoadBalancerArgs
from infra.network import create_network
from infra.registry import create_registry
from infra.service import FargateService, FargateServiceArgs
from infra.settings import load_settings
from infra.waf import WebAcl, WebAclArgs

# Validated in full before anything is registered: bad config creates nothing.
settings = load_settings()

account = current_account(settings.region)
network = create_network(settings)
registry = create_registry(settings)

flow_logs = (
    FlowLogs(
        settings.service_name,
        FlowLogsArgs(
            account=account,
            vpc_id=network.vpc_id,
            log_group_name=f"/vpc/{settings.physical_name}/flow-logs",
            retention_days=settings.flow_log_retention_days,
            deletion_protection=settings.deletion_protection,
            retain_on_delete=settings.retain_on_delete,
            tags=settings.tags,
        ),
    )
    if settings.flow_logs
    else None
)

access_logs = (
    AccessLogBucket(
        settings.service_name,
        AccessLogBucketArgs(
            account=account,
            name_prefix=settings.physical_name,
            expiry_days=settings.alb_access_log_expiry_days,
            deletion_protection=settings.deletion_protection,
            retain_on_delete=settings.retain_on_delete,
            tags=settings.tags,
        ),
    )
    if settings.alb_access_logs
    else None
)

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
    ),
)

if settings.waf:
    WebAcl(
        settings.service_name,
        WebAclArgs(
            load_balancer_arn=load_balancer.alb.arn,
            metric_prefix=settings.physical_name,
            rate_limit=settings.waf_rate_limit,
            common_rule_set_action=settings.waf_common_rule_set_action,
            known_bad_inputs_action=settings.waf_known_bad_inputs_action,
            rate_limit_action=settings.waf_rate_limit_action,
            tags=settings.tags,
        ),
    )

service = FargateService(
    settings.service_name,
    FargateServiceArgs(
        settings=settings,
        image_uri=registry.image_uri,
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        alb_security_group_id=load_balancer.security_group.id,
        target_group_arn=load_balancer.target_group.arn,
        listeners=load_balancer.listeners,
        pull_repository_arns=registry.pull_repository_arns,
        account=account,
    ),
)

scale_service(settings, service, load_balancer)

pulumi.export("url", load_balancer.url)
pulumi.export("albDnsName", load_balancer.alb.dns_name)
pulumi.export("repositoryUrl", registry.repository_url)
pulumi.export("imageUri", registry.image_uri)
pulumi.export("clusterName", service.cluster.name)
pulumi.export("serviceName", service.service.name)
pulumi.export("vpcId", network.vpc_id)
