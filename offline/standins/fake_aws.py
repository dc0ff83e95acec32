"""The fake AWS account the stand-ins answer for: deterministic, obviously fake values.

What a real create returns beyond the inputs (ARNs, IDs, DNS names, repository URLs, names the
provider generates) is computed here per resource type, from the resource's URN and inputs, so
two runs of the same program get the same fakes (task definition revisions excepted: they count
up, as ECS's do). Nothing here is used in a preview: there, as in
a real preview of a new resource, every computed output stays unknown.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fargate_spec.network_mode import AWSVPC, FARGATE_NETWORK_MODE_REFUSED, fargate_refuses
from fargate_spec.port_mappings import AWSVPC_PORTS_REFUSED, awsvpc_refuses

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
DNS_SUFFIX = "amazonaws.com"
CALLER_USER = "offline-preview"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's wire value for "unknown during preview" (pulumi.runtime.rpc.UNKNOWN)."""
ZONE_LETTERS = "abc"
"""Every region gets three zones: enough for the program's prod (3 AZs), and a program asking
for more gets awsx's own error about the region having too few zones."""
# The ALB hosted zone the fake load balancers report (eu-west-1's, as AWS documents it).
ELB_ZONE_ID = "Z32O12XQLNTSW2"
AUTONAME_SUFFIX = 7
"""pulumi-aws autonames `<logical name>-<7 random hex>`; the stand-in derives the hex from the
URN instead, so a rerun gets the same fake."""


def availability_zones(region: str) -> list[str]:
    return [f"{region}{letter}" for letter in ZONE_LETTERS]


def zone_ids(region: str) -> list[str]:
    # eu-west-1 -> euw1, as AWS abbreviates zone IDs (euw1-az1).
    area, *middle, number = region.split("-")
    short = area + "".join(part[0] for part in middle) + number
    return [f"{short}-az{index}" for index in range(1, len(ZONE_LETTERS) + 1)]


def ecr_registry(region: str) -> str:
    return f"{ACCOUNT_ID}.dkr.ecr.{region}.{DNS_SUFFIX}"


def fake_hex(urn: str, length: int, salt: str = "") -> str:
    return hashlib.sha256(f"{salt}{urn}".encode()).hexdigest()[:length]


class Revisions:
    """ECS numbers a family's registrations 1, 2, 3, ... and never reuses a number, so a replaced
    task definition gets a new ARN (and the service that names it an update). The counters live
    beside the local backend (`offline-account.json`), the fake account's one piece of memory
    outside the engine's state; without a file backend (the handler tests) in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def next(self, family: str) -> int:
        with self._lock:
            path = _account_file()
            counts = json.loads(path.read_text()) if path and path.is_file() else self._counts
            counts[family] = counts.get(family, 0) + 1
            if path:
                path.write_text(json.dumps(counts, sort_keys=True))
            return counts[family]


def _account_file() -> Path | None:
    backend = os.environ.get("PULUMI_BACKEND_URL", "")
    if not backend.startswith("file://"):
        return None
    return Path(backend.removeprefix("file://")) / "offline-account.json"


REVISIONS = Revisions()


class Created:
    """One resource being created: its URN, inputs and region, and the fakes derived from them."""

    def __init__(self, urn: str, inputs: Mapping[str, Any], region: str) -> None:
        self.urn = urn
        self.inputs = inputs
        self.region = region
        self.logical = urn.rsplit("::", 1)[-1]

    def hex(self, length: int, salt: str = "") -> str:
        return fake_hex(self.urn, length, salt)

    def known(self, key: str) -> str | None:
        """A plain string input; None when it is unset, unknown or secret."""
        value = self.inputs.get(key)
        return value if isinstance(value, str) and value != UNKNOWN else None

    def name(self) -> str:
        """The `name` input, or the name pulumi-aws generates when the program sets none."""
        return self.known("name") or f"{self.logical}-{self.hex(AUTONAME_SUFFIX)}"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{resource}"


ComputedOutputs = Callable[[Created], dict[str, Any]]


def _ecr_repository(r: Created) -> dict[str, Any]:
    name = r.name()
    return {
        "id": name,
        "name": name,
        "arn": r.arn("ecr", f"repository/{name}"),
        "registryId": ACCOUNT_ID,
        "repositoryUrl": f"{ecr_registry(r.region)}/{name}",
    }


def _ecr_lifecycle_policy(r: Created) -> dict[str, Any]:
    return {"id": r.known("repository") or r.logical, "registryId": ACCOUNT_ID}


def _ecs_cluster(r: Created) -> dict[str, Any]:
    name = r.name()
    arn = r.arn("ecs", f"cluster/{name}")
    return {"id": arn, "arn": arn, "name": name}


def _ecs_capacity_providers(r: Created) -> dict[str, Any]:
    return {"id": r.known("clusterName") or r.logical}


def _ecs_service(r: Created) -> dict[str, Any]:
    name = r.name()
    cluster = (r.known("cluster") or "default").rsplit("/", 1)[-1]
    arn = r.arn("ecs", f"service/{cluster}/{name}")
    return {"id": arn, "arn": arn, "name": name}


def _ecs_task_definition(r: Created) -> dict[str, Any]:
    family = r.known("family") or r.logical
    revision = REVISIONS.next(family)
    return {
        "id": family,
        "arn": r.arn("ecs", f"task-definition/{family}:{revision}"),
        "arnWithoutRevision": r.arn("ecs", f"task-definition/{family}"),
        "revision": revision,
    }


def _log_group(r: Created) -> dict[str, Any]:
    name = r.name()
    return {"id": name, "name": name, "arn": r.arn("logs", f"log-group:{name}")}


def _iam_role(r: Created) -> dict[str, Any]:
    name = r.name()
    return {
        "id": name,
        "name": name,
        "arn": r.arn("iam", f"role/{name}", regional=False),
        "uniqueId": f"AROA{r.hex(17).upper()}",
    }


def _iam_role_policy(r: Created) -> dict[str, Any]:
    name = r.name()
    return {"id": f"{r.known('role') or 'role'}:{name}", "name": name}


def _role_policy_attachment(r: Created) -> dict[str, Any]:
    # terraform-provider-aws internal/service/iam/role_policy_attachment.go (v6, which
    # pulumi-aws 7 bridges): @IdAttrFormat("{role}/{policy_arn}"). awsx attaches the ECS task
    # execution policy to the execution role it creates.
    return {"id": f"{r.known('role') or 'role'}/{r.known('policyArn') or 'policy'}"}


def _security_group(r: Created) -> dict[str, Any]:
    group = f"sg-{r.hex(17)}"
    return {
        "id": group,
        "name": r.name(),
        "arn": r.arn("ec2", f"security-group/{group}"),
        "ownerId": ACCOUNT_ID,
    }


def _load_balancer(r: Created) -> dict[str, Any]:
    name = r.name()
    suffix = f"app/{name}/{r.hex(16)}"
    arn = r.arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    internal = "internal-" if r.inputs.get("internal") is True else ""
    dns = f"{internal}{name}-{int(r.hex(8), 16)}.{r.region}.elb.{DNS_SUFFIX}"
    return {
        "id": arn,
        "arn": arn,
        "arnSuffix": suffix,
        "name": name,
        "dnsName": dns,
        "zoneId": ELB_ZONE_ID,
    }


def _target_group(r: Created) -> dict[str, Any]:
    name = r.name()
    suffix = f"targetgroup/{name}/{r.hex(16)}"
    arn = r.arn("elasticloadbalancing", suffix)
    return {"id": arn, "arn": arn, "arnSuffix": suffix, "name": name}


def _listener(r: Created) -> dict[str, Any]:
    balancer = (r.known("loadBalancerArn") or "").split("loadbalancer/", 1)[-1] or "app/lb/0"
    arn = r.arn("elasticloadbalancing", f"listener/{balancer}/{r.hex(16)}")
    return {"id": arn, "arn": arn}


def _scaling_target(r: Created) -> dict[str, Any]:
    resource = r.known("resourceId") or r.logical
    return {"id": resource, "arn": r.arn("application-autoscaling", f"scalable-target/{r.hex(20)}")}


def _scaling_policy(r: Created) -> dict[str, Any]:
    name = r.name()
    policy = f"scalingPolicy:{r.hex(36)}:resource/{r.known('resourceId')}:policyName/{name}"
    return {"id": name, "name": name, "arn": r.arn("autoscaling", policy)}


def _metric_alarm(r: Created) -> dict[str, Any]:
    name = r.known("name") or r.name()
    return {"id": name, "name": name, "arn": r.arn("cloudwatch", f"alarm:{name}")}


def _route53_record(r: Created) -> dict[str, Any]:
    zone, name, kind = r.known("zoneId"), r.known("name"), r.known("type")
    return {"id": f"{zone}_{name}_{kind}", "fqdn": name}


def _s3_bucket(r: Created) -> dict[str, Any]:
    # pulumi-aws autonames `bucket`, not `name`; S3 ARNs carry neither region nor account.
    name = r.known("bucket") or f"{r.logical}-{r.hex(AUTONAME_SUFFIX)}"
    return {
        "id": name,
        "bucket": name,
        "arn": f"arn:{PARTITION}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.{DNS_SUFFIX}",
        "bucketRegionalDomainName": f"{name}.s3.{r.region}.{DNS_SUFFIX}",
        "region": r.region,
    }


def _of_bucket(r: Created) -> dict[str, Any]:
    """A bucket's policy, lifecycle, encryption or public access block: its ID is the bucket's."""
    return {"id": r.known("bucket") or r.logical}


def _flow_log(r: Created) -> dict[str, Any]:
    flow = f"fl-{r.hex(17)}"
    return {"id": flow, "arn": r.arn("ec2", f"vpc-flow-log/{flow}")}


def _web_acl(r: Created) -> dict[str, Any]:
    name, acl = r.name(), r.hex(36)
    return {
        "id": acl,
        "name": name,
        "arn": r.arn("wafv2", f"regional/webacl/{name}/{acl}"),
        "lockToken": r.hex(36, "lock"),
        "capacity": 0,
    }


def _web_acl_association(r: Created) -> dict[str, Any]:
    return {"id": f"{r.known('webAclArn')},{r.known('resourceArn')}"}


def _ec2(prefix: str, kind: str) -> ComputedOutputs:
    """An EC2 resource with an `<prefix>-<17 hex>` ID and an ARN of `kind`."""

    def outputs(r: Created) -> dict[str, Any]:
        resource = f"{prefix}-{r.hex(17)}"
        return {"id": resource, "arn": r.arn("ec2", f"{kind}/{resource}"), "ownerId": ACCOUNT_ID}

    return outputs


def _vpc(r: Created) -> dict[str, Any]:
    return _ec2("vpc", "vpc")(r) | {
        "defaultRouteTableId": f"rtb-{r.hex(17, 'main')}",
        "mainRouteTableId": f"rtb-{r.hex(17, 'main')}",
        "defaultSecurityGroupId": f"sg-{r.hex(17, 'default')}",
        "defaultNetworkAclId": f"acl-{r.hex(17, 'acl')}",
    }


def _eip(r: Created) -> dict[str, Any]:
    allocation = f"eipalloc-{r.hex(17)}"
    # 198.51.100.0/24 is TEST-NET-2: documentation addresses, never routed.
    address = f"198.51.100.{int(r.hex(2), 16) % 254 + 1}"
    return {
        "id": allocation,
        "allocationId": allocation,
        "publicIp": address,
        "arn": r.arn("ec2", f"elastic-ip/{allocation}"),
    }


def _nat_gateway(r: Created) -> dict[str, Any]:
    return {"id": f"nat-{r.hex(17)}", "privateIp": f"10.0.{int(r.hex(2), 16)}.10"}


def _route(r: Created) -> dict[str, Any]:
    return {"id": f"r-{r.known('routeTableId') or 'rtb'}{r.hex(10)}"}


def _route_table_association(r: Created) -> dict[str, Any]:
    return {"id": f"rtbassoc-{r.hex(17)}"}


CREATED: dict[str, ComputedOutputs] = {
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _ecr_lifecycle_policy,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": _ecs_capacity_providers,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_task_definition,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _iam_role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:appautoscaling/target:Target": _scaling_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:route53/record:Record": _route53_record,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:s3/bucketPolicy:BucketPolicy": _of_bucket,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _of_bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _of_bucket,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _of_bucket
    ),
    "aws:ec2/flowLog:FlowLog": _flow_log,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:wafv2/webAclAssociation:WebAclAssociation": _web_acl_association,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _route_table_association,
    "aws:ec2/route:Route": _route,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
}
"""What a real create returns beyond the inputs, per resource type the stand-in can create."""

REPLACED_BY: dict[str, frozenset[str]] = {
    # terraform-provider-aws internal/service/ecs/task_definition.go: every argument but tags
    # and skip_destroy is ForceNew; a changed task definition is a new revision.
    "aws:ecs/taskDefinition:TaskDefinition": frozenset(
        {
            "containerDefinitions",
            "cpu",
            "memory",
            "family",
            "executionRoleArn",
            "taskRoleArn",
            "networkMode",
            "requiresCompatibilities",
            "runtimePlatform",
            "volumes",
            "ephemeralStorage",
            "placementConstraints",
            "proxyConfiguration",
            "ipcMode",
            "pidMode",
            "inferenceAccelerators",
        }
    ),
    "aws:ecr/repository:Repository": frozenset({"name", "encryptionConfigurations"}),
    "aws:cloudwatch/logGroup:LogGroup": frozenset({"name", "namePrefix", "kmsKeyId"}),
    "aws:ec2/securityGroup:SecurityGroup": frozenset(
        {"name", "namePrefix", "description", "vpcId"}
    ),
    "aws:lb/targetGroup:TargetGroup": frozenset(
        {"name", "namePrefix", "port", "protocol", "vpcId", "targetType", "protocolVersion"}
    ),
    "aws:lb/loadBalancer:LoadBalancer": frozenset(
        {"name", "namePrefix", "internal", "loadBalancerType"}
    ),
    "aws:ecs/cluster:Cluster": frozenset({"name"}),
    "aws:iam/role:Role": frozenset({"name", "namePrefix", "path"}),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": frozenset({"role", "policyArn"}),
}
"""Inputs whose change makes the real provider replace the resource (ForceNew), for the types
this program creates; any other change is an update in place."""


def created_outputs(type_token: str, urn: str, inputs: Mapping[str, Any], region: str) -> dict:
    """The computed outputs of a real create; LookupError if the stand-in cannot create it."""
    handler = CREATED.get(type_token)
    if handler is None:
        raise LookupError(type_token)
    return handler(Created(urn, inputs, region))


def _task_definition_refusal(urn: str, inputs: Mapping[str, Any]) -> str | None:
    """What ECS's RegisterTaskDefinition refuses (`_ecs_client_exception`), as
    terraform-provider-aws returns it: it sends the task definition as it is (task_definition.go
    resourceTaskDefinitionCreate) and wraps ECS's error in its own words and the SDK's."""
    refused = _ecs_client_exception(inputs)
    if refused is None:
        return None
    family = inputs.get("family") or urn.rsplit("::", 1)[-1]
    request = fake_hex(urn, 32, salt="request")
    request_id = "-".join(
        request[start:end] for start, end in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
    )
    return (
        f"creating ECS Task Definition ({family}): operation error ECS: RegisterTaskDefinition, "
        f"https response error StatusCode: 400, RequestID: {request_id}, ClientException: "
        f"{refused}"
    )


def _ecs_client_exception(inputs: Mapping[str, Any]) -> str | None:
    """ECS's message for the refusals reproduced: a task that requires FARGATE in a network mode
    other than awsvpc, unset included (fargate_spec.network_mode), and, in awsvpc, a port
    mapping whose hostPort is set, not 0 and not its containerPort (fargate_spec.port_mappings
    has the sources). The two cannot meet: one is outside awsvpc, the other inside it."""
    mode = inputs.get("networkMode")
    if fargate_refuses(inputs.get("requiresCompatibilities"), mode):
        return FARGATE_NETWORK_MODE_REFUSED
    if mode != AWSVPC:
        return None
    try:
        definitions = json.loads(inputs.get("containerDefinitions") or "")
    except (TypeError, ValueError):
        return None  # not JSON: the real provider's own validation, which the stand-in lacks
    mappings = [
        mapping
        for definition in (definitions if isinstance(definitions, list) else [])
        if isinstance(definition, dict) and isinstance(definition.get("portMappings"), list)
        for mapping in definition["portMappings"]
        if isinstance(mapping, dict) and mapping.get("containerPort") is not None
    ]
    if any(awsvpc_refuses(m["containerPort"], m.get("hostPort")) for m in mappings):
        return AWSVPC_PORTS_REFUSED
    return None


REFUSED_AT_CREATE: dict[str, Callable[[str, Mapping[str, Any]], str | None]] = {
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition_refusal,
}
"""What AWS's API refuses when the provider creates the resource, after a preview that could not
see it (the provider does not check it at Check), per type: the error the provider returns."""


def refusal(type_token: str, urn: str, inputs: Mapping[str, Any]) -> str | None:
    """The error a real create of these inputs fails with, or None if AWS accepts them."""
    check = REFUSED_AT_CREATE.get(type_token)
    return check(urn, inputs) if check is not None else None
