"""An awsx FargateService whose task has two containers: the app and an Envoy sidecar.

The team sets the task's cpu to 4096 and leaves memory to awsx, which fills it in from the
containers' requests on its own (1280 CPU units and 384 MiB: the cheapest size of awsx's table
that holds them is 2048/4096, so memory 4096), and 4096 MiB is not a Fargate size at 4096 CPU.
Both images are pinned, and the containers log to an existing log group, so every container is
known when the preview runs. With `compliant: true` the task sets memory, both containers run as a
non-root user with read-only root filesystems, the app has a health check, the task role is an
existing one that trusts ECS only for this account, and the VPC has a flow log.
"""

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

config = pulumi.Config()
compliant = config.get_bool("compliant") or False
account = aws.get_caller_identity().account_id
region = aws.get_region().region
APP_IMAGE = f"{account}.dkr.ecr.{region}.amazonaws.com/orders:1.4.2"
ENVOY_IMAGE = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod"
PROBE = "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz')"

vpc = awsx.ec2.Vpc(
    "orders",
    cidr_block="10.20.0.0/16",
    number_of_availability_zones=2,
    subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
    nat_gateways={"strategy": awsx.ec2.NatGatewayStrategy.SINGLE},
)
cluster = aws.ecs.Cluster("orders")
task_sg = aws.ec2.SecurityGroup(
    "orders-tasks",
    vpc_id=vpc.vpc_id,
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)

hardening = {"user": "1000:1000", "readonly_root_filesystem": True} if compliant else {}
app = {
    "image": APP_IMAGE,
    "cpu": 1024,
    "memory": 256,
    "essential": True,
    "command": ["uvicorn", "orders.main:app", "--host", "0.0.0.0", "--port", "8000"],
    "port_mappings": [{"container_port": 8000}],
    **hardening,
}
if compliant:
    app["health_check"] = {
        "command": ["CMD", "python", "-c", PROBE],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "start_period": 15,
    }
envoy = {
    "image": ENVOY_IMAGE,
    "cpu": 256,
    "memory": 128,
    "essential": False,
    **hardening,
}

task_args = {"cpu": "4096", "memory": "8192"} if compliant else {"cpu": "4096"}
if compliant:
    # awsx's own task role trusts ecs-tasks.amazonaws.com without a condition: the security
    # team's role instead, whose trust policy names this account.
    task_args["task_role"] = {"role_arn": f"arn:aws:iam::{account}:role/orders-task"}
    to_s3 = {"log_destination_type": "s3", "log_destination": "arn:aws:s3:::acme-vpc-flow-logs"}
    aws.ec2.FlowLog("orders", vpc_id=vpc.vpc_id, traffic_type="ALL", **to_s3)
service = awsx.ecs.FargateService(
    "orders",
    cluster=cluster.arn,
    network_configuration={
        "subnets": vpc.private_subnet_ids,
        "security_groups": [task_sg.id],
        "assign_public_ip": False,
    },
    deployment_circuit_breaker={"enable": True, "rollback": True},
    task_definition_args={
        **task_args,
        "log_group": {"existing": {"name": "/ecs/orders"}},
        "containers": {"app": app, "envoy": envoy},
    },
)
