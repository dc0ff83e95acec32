"""The Pulumi type tokens the pack checks, and the words messages use for them.

`aws:alb/...` tokens are the older aliases of `aws:lb/...`: a program may use either.
"""

from __future__ import annotations

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
AWSX_FARGATE_SERVICE = "awsx:ecs:FargateService"
AWSX_FARGATE_TASK_DEFINITION = "awsx:ecs:FargateTaskDefinition"

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")

ECR_REPOSITORIES = ("aws:ecr/repository:Repository", "awsx:ecr:Repository")

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

IAM_ROLE = "aws:iam/role:Role"
VPC = "aws:ec2/vpc:Vpc"
AWSX_VPC = "awsx:ec2:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
WEB_ACL_ASSOCIATIONS = (
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:wafregional/webAclAssociation:WebAclAssociation",
)

# Every resource shape that carries container definitions.
TASK_BEARERS = (TASK_DEFINITION, AWSX_FARGATE_TASK_DEFINITION, AWSX_FARGATE_SERVICE)
SERVICES = (SERVICE, AWSX_FARGATE_SERVICE)

_KINDS = {
    TASK_DEFINITION: "task definition",
    AWSX_FARGATE_TASK_DEFINITION: "task definition",
    SERVICE: "service",
    AWSX_FARGATE_SERVICE: "service",
    **dict.fromkeys(LOAD_BALANCERS, "load balancer"),
    **dict.fromkeys(TARGET_GROUPS, "target group"),
    **dict.fromkeys(LISTENERS, "listener"),
    **dict.fromkeys(ECR_REPOSITORIES, "ECR repository"),
    SECURITY_GROUP: "security group",
    SECURITY_GROUP_RULE: "security group rule",
    VPC_INGRESS_RULE: "security group ingress rule",
    IAM_ROLE: "role",
    VPC: "VPC",
    AWSX_VPC: "VPC",
    FLOW_LOG: "flow log",
    **dict.fromkeys(WEB_ACL_ASSOCIATIONS, "web ACL association"),
}


def describe_resource(resource_type: str, name: str) -> str:
    """'task definition 'web'': the kind of resource and its Pulumi name, for messages."""
    return f"{_KINDS.get(resource_type, resource_type)} '{name}'"
