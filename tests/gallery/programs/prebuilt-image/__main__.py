"""A prebuilt image from another registry: tiangolo's uvicorn-gunicorn-fastapi image from Docker
Hub, which starts gunicorn with a worker per CPU core. The task definition is an awsx
FargateTaskDefinition of its own (log group by explicit name, so the container is known in the
preview), the service an awsx FargateService on it, placed with awsx's DefaultVpc.

With `compliant: true` the image is the team's own single-process build of it, run as a
non-root user with a health check, in private subnets of an awsx Vpc with a flow log, and its
task role trusts ECS only for this account.
"""

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

config = pulumi.Config()
compliant = config.get_bool("compliant") or False

container = {
    "name": "api",
    "image": "docker.io/tiangolo/uvicorn-gunicorn-fastapi:python3.11",
    "essential": True,
    "port_mappings": [{"container_port": 80}],
}
if compliant:
    probe = ["CMD", "python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1/')"]
    container.update(
        image="ghcr.io/acme/api:3.0.1",
        command=["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "80"],
        user="1000:1000",
        readonly_root_filesystem=True,
        health_check={"command": probe, "interval": 30, "timeout": 5, "retries": 3},
    )

same_account = aws.iam.get_policy_document(
    statements=[
        {
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}],
            "conditions": [
                {
                    "test": "StringEquals",
                    "variable": "aws:SourceAccount",
                    "values": [aws.get_caller_identity().account_id],
                }
            ],
        }
    ]
)
task = awsx.ecs.FargateTaskDefinition(
    "api",
    cpu="512",
    memory="1024",
    task_role={"args": {"assume_role_policy": same_account.json}} if compliant else None,
    log_group={"args": {"name": "/ecs/api", "retention_in_days": 14}},
    container=container,
)

cluster = aws.ecs.Cluster("api")
if compliant:
    vpc = awsx.ec2.Vpc(
        "api",
        number_of_availability_zones=2,
        subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
        nat_gateways={"strategy": awsx.ec2.NatGatewayStrategy.SINGLE},
    )
    vpc_id, subnets = vpc.vpc_id, vpc.private_subnet_ids
    aws.ec2.FlowLog(
        "api",
        vpc_id=vpc_id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::acme-network-logs",
    )
else:
    default_vpc = awsx.ec2.DefaultVpc("default")
    vpc_id, subnets = default_vpc.vpc_id, default_vpc.public_subnet_ids

task_sg = aws.ec2.SecurityGroup(
    "api-tasks",
    vpc_id=vpc_id,
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)
awsx.ecs.FargateService(
    "api",
    cluster=cluster.arn,
    task_definition=task.task_definition.arn,
    network_configuration={
        "subnets": subnets,
        "security_groups": [task_sg.id],
        "assign_public_ip": not compliant,
    },
    deployment_circuit_breaker={"enable": True, "rollback": True},
)
