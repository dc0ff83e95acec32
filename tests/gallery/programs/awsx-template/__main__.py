"""Pulumi's container-aws-python template (an ALB, an ECR repository, an image built from ./app
and an awsx FargateService with a public IP in the default VPC), as `pulumi new` writes it.

With `compliant: true` it is the same service made to pass the pack's prod config: a VPC with
private subnets and a flow log, HTTPS with a redirect, access logs and a WAF web ACL on the ALB,
health checks that agree, a non-root read-only container, a task role that trusts ECS only for
this account, a grace period, the circuit breaker and an ECR repository that scans and keeps
tags. Stack "root-user" is that compliant program with its container user set to root: its
image is built in the program, so the preview cannot see the user, and only `--up` stops it.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

config = pulumi.Config()
compliant = config.get_bool("compliant") or False
container_port = config.get_int("containerPort") or 80
cpu = config.get_int("cpu") or 512
memory = config.get_int("memory") or 128

cluster = aws.ecs.Cluster("cluster")

if not compliant:
    loadbalancer = awsx.lb.ApplicationLoadBalancer("loadbalancer")
    repo = awsx.ecr.Repository("repo", force_delete=True)
    network = None
    service_args = {"assign_public_ip": True}
    container_extras = {}
    task_role = None
else:
    vpc = awsx.ec2.Vpc(
        "vpc",
        number_of_availability_zones=2,
        subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
        nat_gateways={"strategy": awsx.ec2.NatGatewayStrategy.SINGLE},
    )
    loadbalancer = awsx.lb.ApplicationLoadBalancer(
        "loadbalancer",
        subnet_ids=vpc.public_subnet_ids,
        drop_invalid_header_fields=True,
        access_logs={"bucket": "acme-alb-logs", "enabled": True},
        default_target_group={
            "port": container_port,
            "protocol": "HTTP",
            "target_type": "ip",
            "deregistration_delay": 20,
            "health_check": {"path": "/healthz", "matcher": "200", "port": "traffic-port"},
        },
        listeners=[
            {
                "port": 80,
                "protocol": "HTTP",
                "default_actions": [
                    {
                        "type": "redirect",
                        "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
                    }
                ],
            },
            {
                "port": 443,
                "protocol": "HTTPS",
                "certificate_arn": config.require("certificateArn"),
                "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            },
        ],
    )
    flow_logs = aws.s3.Bucket("flow-logs")
    repo = awsx.ecr.Repository(
        "repo",
        force_delete=True,
        image_scanning_configuration={"scan_on_push": True},
        image_tag_mutability="IMMUTABLE",
    )
    aws.ec2.FlowLog(
        "vpc",
        vpc_id=vpc.vpc_id,
        traffic_type="REJECT",
        log_destination_type="s3",
        log_destination=flow_logs.arn,
    )
    metrics = {"cloudwatch_metrics_enabled": True, "metric_name": "web"}
    web_acl = aws.wafv2.WebAcl(
        "web",
        scope="REGIONAL",
        default_action={"allow": {}},
        visibility_config={**metrics, "sampled_requests_enabled": True},
    )
    aws.wafv2.WebAclAssociation(
        "web", resource_arn=loadbalancer.load_balancer.arn, web_acl_arn=web_acl.arn
    )
    task_sg = aws.ec2.SecurityGroup(
        "service-sg",
        vpc_id=vpc.vpc_id,
        ingress=[
            {
                "protocol": "tcp",
                "from_port": container_port,
                "to_port": container_port,
                "security_groups": [loadbalancer.default_security_group.id],
            }
        ],
        egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
    )
    service_args = {
        "network_configuration": {
            "subnets": vpc.private_subnet_ids,
            "security_groups": [task_sg.id],
            "assign_public_ip": False,
        },
        "health_check_grace_period_seconds": 60,
        "deployment_circuit_breaker": {"enable": True, "rollback": True},
    }
    account = aws.get_caller_identity().account_id
    only_this_account = {"StringEquals": {"aws:SourceAccount": account}}
    task_role = {
        "args": {
            "assume_role_policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": only_this_account,
                        }
                    ],
                }
            )
        }
    }
    container_extras = {
        "user": config.get("containerUser") or "1000:1000",
        "readonly_root_filesystem": True,
        "stop_timeout": 30,
        "health_check": {
            "command": ["CMD-SHELL", f"curl -f http://localhost:{container_port}/healthz"],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "start_period": 10,
        },
    }

image = awsx.ecr.Image(
    "image", repository_url=repo.url, context="./app", platform="linux/amd64", image_tag="v1"
)

service = awsx.ecs.FargateService(
    "service",
    cluster=cluster.arn,
    task_definition_args={
        "task_role": task_role,
        "container": {
            "name": "app",
            "image": image.image_uri,
            "cpu": cpu,
            "memory": memory,
            "essential": True,
            "port_mappings": [
                {
                    "container_port": container_port,
                    "target_group": loadbalancer.default_target_group,
                }
            ],
            **container_extras,
        },
    },
    **service_args,
)

pulumi.export("url", pulumi.Output.concat("http://", loadbalancer.load_balancer.dns_name))
