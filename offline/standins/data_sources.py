"""Data sources that programs in the common styles read, answered from the fake account's
default VPC (default_vpc.py): what terraform-provider-aws returns for them, in the shape
pulumi-aws 7.51.1's SDK reads (camelCase keys of its Get*Result types).

Sources: terraform-provider-aws internal/service/ec2/vpc_data_source.go, vpc_subnets_data_source.go,
vpc_subnet_data_source.go, vpc_security_group_data_source.go (their "no matching ... found" and
"multiple ... matched" errors), internal/service/iam/policy_document_data_source.go and
policy_model.go (statement order, single values as strings, lists reverse-sorted, two-space
indented JSON); EC2 filter names from the EC2 API reference (DescribeVpcs, DescribeSubnets,
DescribeSecurityGroups). A filter this module does not know fails naming itself rather than
matching everything. (The ECR authorization token is invokes.py's.)
"""

from __future__ import annotations

import fnmatch
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from offline.standins import account_network, fake_aws
from offline.standins.default_vpc import CIDR as DEFAULT_CIDR
from offline.standins.default_vpc import SECURITY_GROUP_NAME, DefaultSubnet, default_vpc


class NoMatchError(LookupError):
    """The data source's query matches nothing (or too much) in the fake account."""


Record = dict[str, Any]
Filters = Mapping[str, Callable[[Record], Sequence[str]]]


def _no_match(kind: str) -> NoMatchError:
    return NoMatchError(
        f"no matching {kind} found (offline stand-in: the fake account {fake_aws.ACCOUNT_ID} "
        f"holds each region's default VPC {DEFAULT_CIDR}, its default subnets and its "
        "'default' security group, and the VPCs, subnets and security groups an offline up "
        "created)"
    )


def _select(
    records: list[Record],
    args: Mapping[str, Any],
    filters: Filters,
    direct: Sequence[str],
) -> list[Record]:
    """Records matching every direct argument (a field of the record) and every EC2 filter."""
    kept = records
    for field in direct:
        value = args.get(field)
        if value is not None and value != "":
            kept = [r for r in kept if _text(r.get(field)) == _text(value)]
    for entry in args.get("filters") or ():
        name, values = entry.get("name"), entry.get("values") or []
        field = _filter_field(filters, name)
        kept = [r for r in kept if _any_match(field(r), values)]
    tags = args.get("tags") or {}
    for key, value in tags.items():
        kept = [r for r in kept if (r.get("tags") or {}).get(key) == value]
    return kept


def _filter_field(filters: Filters, name: str) -> Callable[[Record], Sequence[str]]:
    if name.startswith("tag:"):
        key = name[4:]
        return lambda record: [v for k, v in (record.get("tags") or {}).items() if k == key]
    if name == "tag-key":
        return lambda record: list(record.get("tags") or {})
    field = filters.get(name)
    if field is None:
        known = ", ".join(sorted([*filters, "tag:<key>", "tag-key"]))
        raise NoMatchError(
            f"offline stand-in: the EC2 filter {name!r} is not reproduced offline "
            f"(reproduced: {known})"
        )
    return field


def _any_match(actual: Sequence[str], wanted: Sequence[str]) -> bool:
    # EC2 filter values allow * and ? wildcards.
    return any(fnmatch.fnmatchcase(a, str(w)) for a in actual for w in wanted)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _lookup(
    records: list[Record],
    args: Mapping[str, Any],
    filters: Filters,
    direct: Sequence[str],
    kind: str,
) -> Record:
    """A singular data source: exactly one record matches, returned with the filters given."""
    found = _one(_select(records, args, filters, direct), kind, f"{kind}s")
    return {**found, "filters": args.get("filters")}


def _one(found: list[Record], kind: str, plural: str) -> Record:
    if not found:
        raise _no_match(kind)
    if len(found) > 1:
        raise NoMatchError(
            f"multiple {plural} matched; use additional constraints to reduce matches to a "
            f"single {kind}"
        )
    return found[0]


# --- VPCs --------------------------------------------------------------------------------------


def _vpc_record(region: str) -> Record:
    vpc = default_vpc(region)
    return {
        "arn": f"arn:{fake_aws.PARTITION}:ec2:{region}:{fake_aws.ACCOUNT_ID}:vpc/{vpc.id}",
        "cidrBlock": vpc.cidr_block,
        "cidrBlockAssociations": [
            {
                "associationId": f"vpc-cidr-assoc-{vpc.id[4:]}",
                "cidrBlock": vpc.cidr_block,
                "state": "associated",
            }
        ],
        "default": True,
        "dhcpOptionsId": f"dopt-{vpc.id[4:]}",
        "enableDnsHostnames": True,
        "enableDnsSupport": True,
        "enableNetworkAddressUsageMetrics": False,
        "id": vpc.id,
        "instanceTenancy": "default",
        "ipv6AssociationId": "",
        "ipv6CidrBlock": "",
        "mainRouteTableId": vpc.main_route_table_id,
        "ownerId": fake_aws.ACCOUNT_ID,
        "region": region,
        "state": "available",
        "tags": {},
    }


VPC_FILTERS: Filters = {
    "vpc-id": lambda r: [r["id"]],
    "is-default": lambda r: [_text(r["default"])],
    "isDefault": lambda r: [_text(r["default"])],
    "cidr": lambda r: [r["cidrBlock"]],
    "cidr-block-association.cidr-block": lambda r: [r["cidrBlock"]],
    "state": lambda r: [r["state"]],
    "owner-id": lambda r: [r["ownerId"]],
    "dhcp-options-id": lambda r: [r["dhcpOptionsId"]],
}


def _created_vpc(outputs: Mapping[str, Any]) -> Record:
    return {
        "default": False,
        "state": "available",
        "ownerId": fake_aws.ACCOUNT_ID,
        "dhcpOptionsId": "",
        "tags": {},
        **outputs,
    }


def _vpcs(region: str) -> list[Record]:
    created = account_network.created(account_network.VPC, region)
    return [_vpc_record(region), *[_created_vpc(vpc) for vpc in created]]


def get_vpc(args: Mapping[str, Any], region: str) -> Record:
    region = args.get("region") or region
    direct = ("id", "cidrBlock", "default", "state", "dhcpOptionsId")
    return _lookup(_vpcs(region), args, VPC_FILTERS, direct, "EC2 VPC")


# --- subnets -----------------------------------------------------------------------------------


def _subnet_record(region: str, vpc_id: str, subnet: DefaultSubnet) -> Record:
    arn = f"arn:{fake_aws.PARTITION}:ec2:{region}:{fake_aws.ACCOUNT_ID}:subnet/{subnet.id}"
    return {
        "arn": arn,
        "assignIpv6AddressOnCreation": False,
        "availabilityZone": subnet.zone,
        "availabilityZoneId": subnet.zone_id,
        "availableIpAddressCount": 4091,  # a /20 less AWS's five reserved addresses
        "cidrBlock": subnet.cidr_block,
        "customerOwnedIpv4Pool": "",
        "defaultForAz": True,
        "enableDns64": False,
        "enableLniAtDeviceIndex": 0,
        "enableResourceNameDnsAaaaRecordOnLaunch": False,
        "enableResourceNameDnsARecordOnLaunch": False,
        "id": subnet.id,
        "ipv6CidrBlock": "",
        "ipv6CidrBlockAssociationId": "",
        "ipv6Native": False,
        "mapCustomerOwnedIpOnLaunch": False,
        "mapPublicIpOnLaunch": True,
        "outpostArn": "",
        "ownerId": fake_aws.ACCOUNT_ID,
        "privateDnsHostnameTypeOnLaunch": "ip-name",
        "region": region,
        "state": "available",
        "tags": {},
        "vpcId": vpc_id,
    }


def _subnets(region: str) -> list[Record]:
    vpc = default_vpc(region)
    defaults = [_subnet_record(region, vpc.id, subnet) for subnet in vpc.subnets]
    created = account_network.created(account_network.SUBNET, region)
    return defaults + [_created_subnet(region, subnet) for subnet in created]


def _created_subnet(region: str, outputs: Mapping[str, Any]) -> Record:
    zone = str(outputs.get("availabilityZone") or "")
    ids = dict(zip(fake_aws.availability_zones(region), fake_aws.zone_ids(region), strict=True))
    return {
        "availabilityZoneId": ids.get(zone, ""),
        "defaultForAz": False,
        "mapPublicIpOnLaunch": False,
        "state": "available",
        "ownerId": fake_aws.ACCOUNT_ID,
        "tags": {},
        **outputs,
    }


SUBNET_FILTERS: Filters = {
    "vpc-id": lambda r: [r["vpcId"]],
    "subnet-id": lambda r: [r["id"]],
    "availability-zone": lambda r: [r["availabilityZone"]],
    "availabilityZone": lambda r: [r["availabilityZone"]],
    "availability-zone-id": lambda r: [r["availabilityZoneId"]],
    "cidr-block": lambda r: [r["cidrBlock"]],
    "cidrBlock": lambda r: [r["cidrBlock"]],
    "cidr": lambda r: [r["cidrBlock"]],
    "default-for-az": lambda r: [_text(r["defaultForAz"])],
    "defaultForAz": lambda r: [_text(r["defaultForAz"])],
    "map-public-ip-on-launch": lambda r: [_text(r["mapPublicIpOnLaunch"])],
    "state": lambda r: [r["state"]],
    "owner-id": lambda r: [r["ownerId"]],
}


def get_subnets(args: Mapping[str, Any], region: str) -> Record:
    region = args.get("region") or region
    found = _select(_subnets(region), args, SUBNET_FILTERS, ())
    # aws_subnets returns an empty list rather than an error when nothing matches.
    return {
        "id": region,
        "ids": [subnet["id"] for subnet in found],
        "filters": args.get("filters"),
        "tags": args.get("tags"),
        "region": region,
    }


def get_subnet(args: Mapping[str, Any], region: str) -> Record:
    region = args.get("region") or region
    direct = (
        "id",
        "vpcId",
        "availabilityZone",
        "availabilityZoneId",
        "cidrBlock",
        "defaultForAz",
        "state",
    )
    return _lookup(_subnets(region), args, SUBNET_FILTERS, direct, "EC2 Subnet")


# --- security groups ---------------------------------------------------------------------------


def _security_group_record(region: str) -> Record:
    vpc = default_vpc(region)
    group_id = vpc.security_group_id
    return {
        "arn": f"arn:{fake_aws.PARTITION}:ec2:{region}:{fake_aws.ACCOUNT_ID}:security-group/"
        f"{group_id}",
        "description": "default VPC security group",
        "id": group_id,
        "name": SECURITY_GROUP_NAME,
        "region": region,
        "tags": {},
        "vpcId": vpc.id,
    }


SECURITY_GROUP_FILTERS: Filters = {
    "group-id": lambda r: [r["id"]],
    "group-name": lambda r: [r["name"]],
    "vpc-id": lambda r: [r["vpcId"]],
    "description": lambda r: [r["description"]],
    "owner-id": lambda r: [fake_aws.ACCOUNT_ID],
}


def get_security_group(args: Mapping[str, Any], region: str) -> Record:
    region = args.get("region") or region
    created = account_network.created(account_network.SECURITY_GROUP, region)
    records = [_security_group_record(region), *created]
    direct = ("id", "name", "vpcId")
    return _lookup(records, args, SECURITY_GROUP_FILTERS, direct, "EC2 Security Group")


# --- IAM policy documents ----------------------------------------------------------------------


def _string_or_list(values: Sequence[str]) -> str | list[str]:
    # policyDecodeConfigStringList: one value is a string; more are sorted in reverse.
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else sorted(values, reverse=True)


def _principals(entries: Sequence[Mapping[str, Any]]) -> str | dict[str, Any]:
    only = entries[0] if len(entries) == 1 else {}
    if only.get("type") == "*" and list(only.get("identifiers") or []) == ["*"]:
        return "*"
    merged: dict[str, Any] = {}
    for entry in entries:
        kind, identifiers = entry["type"], _string_or_list(entry.get("identifiers") or [])
        before = merged.get(kind)
        if before is None:
            merged[kind] = identifiers
        else:
            earlier = [before] if isinstance(before, str) else before
            later = [identifiers] if isinstance(identifiers, str) else identifiers
            merged[kind] = earlier + later
    return dict(sorted(merged.items()))


def _conditions(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for entry in entries:
        values = _string_or_list(entry.get("values") or [])
        bucket = grouped.setdefault(entry["test"], {}).setdefault(entry["variable"], [])
        bucket.extend([values] if isinstance(values, str) else values)
    return {
        test: {var: vals[0] if len(vals) == 1 else vals for var, vals in sorted(vs.items())}
        for test, vs in sorted(grouped.items())
    }


def _statement(raw: Mapping[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if raw.get("sid"):
        statement["Sid"] = raw["sid"]
    statement["Effect"] = raw.get("effect") or "Allow"
    for key, name in (
        ("actions", "Action"),
        ("notActions", "NotAction"),
        ("resources", "Resource"),
        ("notResources", "NotResource"),
    ):
        if raw.get(key):
            statement[name] = _string_or_list(raw[key])
    for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if raw.get(key):
            statement[name] = _principals(raw[key])
    if raw.get("conditions"):
        statement["Condition"] = _conditions(raw["conditions"])
    return statement


def get_policy_document(args: Mapping[str, Any], region: str) -> Record:
    for unsupported in ("sourcePolicyDocuments", "overridePolicyDocuments"):
        if args.get(unsupported):
            raise NoMatchError(
                f"offline stand-in: getPolicyDocument's {unsupported} is not reproduced "
                "offline; list the statements instead"
            )
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    statements = [_statement(raw) for raw in args.get("statements") or ()]
    if statements:
        document["Statement"] = statements
    indented = json.dumps(document, indent=2)
    return {
        **{key: args.get(key) for key in ("statements", "version", "policyId")},
        "id": str(zlib.crc32(indented.encode())),
        "json": indented,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
    }


INVOKES: dict[str, Callable[[Mapping[str, Any], str], Record]] = {
    "aws:ec2/getVpc:getVpc": get_vpc,
    "aws:ec2/getSubnets:getSubnets": get_subnets,
    "aws:ec2/getSubnet:getSubnet": get_subnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": get_security_group,
    "aws:iam/getPolicyDocument:getPolicyDocument": get_policy_document,
}
