"""One FastAPI service on ECS Fargate behind an ALB. `pulumi up -s dev|staging|prod`.

Reads like the architecture; each step is one module of the `infra` package.
"""

import pulumi

from infra.access_logs import create_access_logs
from infra.account import current_account
from infra.autoscaling import scale_service
from infra.flow_logs import create_flow_logs
from infra.load_balancer import LoadBalancer, LoadBalancerArgs
from infra.network import create_network
from infra.registry import create_registry
from infra.service import FargateService, FargateServiceArgs
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
        settings=settings,
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
    ),
)

scale_service(settings, service, load_balancer)

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
