"""Plain pulumi_aws in the account's default VPC, the way the AWS-flavoured tutorials write it:
the VPC and its subnets from data sources, the task's container definitions as a JSON string,
an execution role whose trust policy comes from getIamPolicyDocument, and a service that gets a
public IP because the default VPC has only public subnets.

With `compliant: true` the program adds private subnets to the default VPC with a NAT gateway,
serves HTTPS with a redirect, logs and guards the ALB (access logs, a WAF web ACL), and fixes the
container and the service.
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
compliant = config.get_bool("compliant") or False
region = aws.get_region().region
PORT = 8000

vpc = aws.ec2.get_vpc(default=True)
public_subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}]).ids
first_subnet = aws.ec2.get_subnet(id=public_subnets[0])
trust = aws.iam.get_policy_document(
    statements=[
        {
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}],
        }
    ]
)
execution_role = aws.iam.Role("billing-execution", assume_role_policy=trust.json)
aws.iam.RolePolicyAttachment(
    "billing-execution",
    role=execution_role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)
logs = aws.cloudwatch.LogGroup("billing", name="/ecs/billing", retention_in_days=30)

alb_sg = aws.ec2.SecurityGroup(
    "billing-alb",
    vpc_id=vpc.id,
    ingress=[
        {"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"]}
        for port in (80, 443)
    ],
    egress=[
        {"protocol": "tcp", "from_port": PORT, "to_port": PORT, "cidr_blocks": [vpc.cidr_block]}
    ],
)
task_ingress = (
    {"protocol": "tcp", "from_port": PORT, "to_port": PORT, "security_groups": [alb_sg.id]}
    if compliant
    else {"protocol": "tcp", "from_port": PORT, "to_port": PORT, "cidr_blocks": ["0.0.0.0/0"]}
)
task_sg = aws.ec2.SecurityGroup(
    "billing-tasks",
    vpc_id=vpc.id,
    ingress=[task_ingress],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)

alb = aws.lb.LoadBalancer(
    "billing",
    load_balancer_type="application",
    subnets=public_subnets,
    security_groups=[alb_sg.id],
    drop_invalid_header_fields=compliant,
    access_logs={"bucket": "acme-alb-logs", "enabled": True} if compliant else None,
)
if compliant:
    acl = aws.wafv2.WebAcl(
        "billing",
        scope="REGIONAL",
        default_action={"allow": {}},
        visibility_config={
            "cloudwatch_metrics_enabled": True,
            "metric_name": "billing",
            "sampled_requests_enabled": True,
        },
    )
    aws.wafv2.WebAclAssociation("billing", resource_arn=alb.arn, web_acl_arn=acl.arn)
target_group = aws.lb.TargetGroup(
    "billing",
    port=PORT,
    protocol="HTTP",
    target_type="ip",
    vpc_id=vpc.id,
    deregistration_delay=20,
    health_check={"path": "/healthz", "matcher": "200"} if compliant else {"path": "/"},
)
forward = [{"type": "forward", "target_group_arn": target_group.arn}]
if compliant:
    redirect = {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}
    aws.lb.Listener(
        "billing-http",
        load_balancer_arn=alb.arn,
        port=80,
        protocol="HTTP",
        default_actions=[{"type": "redirect", "redirect": redirect}],
    )
    aws.lb.Listener(
        "billing-https",
        load_balancer_arn=alb.arn,
        port=443,
        protocol="HTTPS",
        certificate_arn=config.require("certificateArn"),
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        default_actions=forward,
    )
else:
    aws.lb.Listener(
        "billing-http", load_balancer_arn=alb.arn, port=80, protocol="HTTP", default_actions=forward
    )

container = {
    "name": "billing",
    "image": "ghcr.io/acme/billing:2.3.1",
    "essential": True,
    "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
    "environment": [{"name": "STRIPE_API_KEY", "value": "sk_live_51H8exampleexampleexample"}],
    "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/billing",
            "awslogs-region": region,
            "awslogs-stream-prefix": "billing",
        },
    },
}
if compliant:
    probe = ["CMD-SHELL", f"curl -f http://localhost:{PORT}/healthz"]
    stripe = f"arn:aws:secretsmanager:{region}:123456789012:secret:billing/stripe"
    container.update(
        environment=[],
        secrets=[{"name": "STRIPE_API_KEY", "valueFrom": stripe}],
        user="1000:1000",
        readonlyRootFilesystem=True,
        stopTimeout=30,
        healthCheck=dict(command=probe, interval=15, timeout=5, retries=3, startPeriod=20),
    )
fargate = {"network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"]}
task = aws.ecs.TaskDefinition(
    "billing",
    family="billing",
    cpu="512",
    memory="1024",
    **fargate,
    execution_role_arn=execution_role.arn,
    container_definitions=json.dumps([container]),
    opts=pulumi.ResourceOptions(depends_on=[logs]),
)

if compliant:
    # The default VPC has only public subnets: add private ones behind a NAT gateway.
    eip = aws.ec2.Eip("billing-nat", domain="vpc")
    nat = aws.ec2.NatGateway("billing-nat", subnet_id=first_subnet.id, allocation_id=eip.id)
    private_table = aws.ec2.RouteTable(
        "billing-private",
        vpc_id=vpc.id,
        routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
    )
    service_subnets = []
    for index, zone in enumerate(("a", "b")):
        subnet = aws.ec2.Subnet(
            f"billing-private-{zone}",
            vpc_id=vpc.id,
            cidr_block=f"172.31.{96 + 16 * index}.0/20",
            availability_zone=f"{region}{zone}",
        )
        aws.ec2.RouteTableAssociation(
            f"billing-private-{zone}", subnet_id=subnet.id, route_table_id=private_table.id
        )
        service_subnets.append(subnet.id)
else:
    service_subnets = public_subnets

cluster = aws.ecs.Cluster("billing")
aws.ecs.Service(
    "billing",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    network_configuration={
        "subnets": service_subnets,
        "security_groups": [task_sg.id],
        "assign_public_ip": not compliant,
    },
    load_balancers=[
        {"target_group_arn": target_group.arn, "container_name": "billing", "container_port": PORT}
    ],
    health_check_grace_period_seconds=60 if compliant else None,
    deployment_circuit_breaker={"enable": True, "rollback": True} if compliant else None,
)

pulumi.export("url", alb.dns_name)
