"""The Pulumi type tokens the pack checks, and the words messages use for them.

`aws:alb/...` tokens are the older aliases of `aws:lb/...`: a program may use either.
"""

from __future__ import annotations

from collections.abc import Mapping

from fargate_policies.readers.values import cached

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

# What the engine shows the pack of an awsx component: never its inputs. A remote component goes
# to its provider's Construct, not through the step generator that calls analyzers (pulumi
# pkg/resource/deploy/source_eval.go, RegisterResource with remote=true), and awsx registers the
# component itself with no input properties (the Node SDK's ComponentResource sends none). So a
# resource policy gets `{}` and a stack policy the outputs awsx registers (these keys). The
# children awsx creates (aws:ecs:TaskDefinition, aws:ecs:Service, ...) carry every checkable
# value, and their findings name the component (describe_resource). Props beyond these keys are
# a component's inputs (Pulumi's unit-test mocks pass them), and are read as such.
AWSX_COMPONENT_OUTPUTS: dict[str, frozenset[str]] = {
    AWSX_FARGATE_SERVICE: frozenset({"service", "taskDefinition"}),
    AWSX_FARGATE_TASK_DEFINITION: frozenset(
        {"taskDefinition", "logGroup", "taskRole", "executionRole", "loadBalancers"}
    ),
    "awsx:ecr:Repository": frozenset({"repository", "lifecyclePolicy", "url"}),
}


def without_inputs(resource_type: str, props: Mapping[str, object]) -> bool:
    """Whether `props` is the engine's view of an awsx component (no inputs to check); reads
    only the keys."""
    outputs = AWSX_COMPONENT_OUTPUTS.get(resource_type)
    return outputs is not None and set(props.keys()) <= outputs


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


@cached  # every policy names the same resources: one parse per URN
def awsx_component(parent_urn: str | None) -> str | None:
    """The awsx component the user wrote that created a resource, from the resource's parent URN
    ("awsx:ecs:FargateService 'web'"), or None for a resource the program registered itself.

    A URN's type part chains its ancestors' types (`awsx:ecs:FargateService$awsx:ecs:
    FargateTaskDefinition`); the first awsx type is the component the program created. Only the
    parent's own name is in the URN, and awsx names its nested components after the one the
    program created (fargateService.ts: `new FargateTaskDefinition(name, ...)`), so it is that
    component's name too.
    """
    if not parent_urn:
        return None
    parts = parent_urn.split("::")
    if len(parts) < 4:
        return None
    chain, name = parts[2].split("$"), "::".join(parts[3:])
    component = next((kind for kind in chain if kind.startswith("awsx:")), None)
    return f"{component} '{name}'" if component else None


@cached
def describe_resource(resource_type: str, name: str, parent: str | None = None) -> str:
    """'task definition 'web'': the kind of resource and its Pulumi name, for messages; for a
    resource an awsx component created, also the component the user wrote ("task definition
    'web' (created by awsx:ecs:FargateService 'web')"), where the fix goes."""
    described = f"{_KINDS.get(resource_type, resource_type)} '{name}'"
    component = awsx_component(parent)
    return f"{described} (created by {component})" if component else described
