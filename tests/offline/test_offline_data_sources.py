"""The data sources the stand-in answers from the fake account's default VPC
(offline/standins/data_sources.py, default_vpc.py), held to what terraform-provider-aws returns:
internal/service/ec2/vpc_data_source.go and vpc_subnet_data_source.go ("no matching EC2 VPC
found", exactly one match), vpc_subnets_data_source.go (an empty list, not an error),
internal/service/iam/policy_model.go (a single value as a string, several reverse-sorted, the
statement's key order, two-space indentation), and AWS's default VPC (172.31.0.0/16, a public
/20 per zone: the VPC user guide, "Default VPCs")."""

from __future__ import annotations

import json

import pytest

from offline.standins import account_network, invokes
from offline.standins import data_sources as ds

REGION = "eu-west-1"


def test_the_default_vpc_has_one_public_20_per_zone():
    vpc = ds.get_vpc({"default": True}, REGION)
    assert (vpc["cidrBlock"], vpc["default"], vpc["ownerId"]) == (
        "172.31.0.0/16",
        True,
        "123456789012",
    )
    ids = ds.get_subnets({"filters": [{"name": "vpc-id", "values": [vpc["id"]]}]}, REGION)["ids"]
    subnets = [ds.get_subnet({"id": subnet_id}, REGION) for subnet_id in ids]
    assert [s["availabilityZone"] for s in subnets] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert [s["cidrBlock"] for s in subnets] == [
        "172.31.0.0/20",
        "172.31.16.0/20",
        "172.31.32.0/20",
    ]
    assert all(s["mapPublicIpOnLaunch"] and s["defaultForAz"] for s in subnets)
    assert {s["vpcId"] for s in subnets} == {vpc["id"]}


def test_filters_narrow_and_wildcards_match():
    found = ds.get_subnets(
        {"filters": [{"name": "availability-zone", "values": ["eu-west-1[ab]", "*c"]}]}, REGION
    )
    assert len(found["ids"]) == 3
    none = ds.get_subnets({"filters": [{"name": "tag:Tier", "values": ["private"]}]}, REGION)
    assert none["ids"] == []  # aws_subnets: an empty list, not an error


def test_a_vpc_the_account_does_not_have_fails_like_the_provider():
    with pytest.raises(ds.NoMatchError, match=r"^no matching EC2 VPC found"):
        ds.get_vpc({"tags": {"Name": "prod"}}, REGION)
    with pytest.raises(ds.NoMatchError, match=r"^multiple EC2 Subnets matched"):
        ds.get_subnet({"defaultForAz": True}, REGION)


def test_an_unknown_filter_fails_naming_itself():
    with pytest.raises(
        ds.NoMatchError, match=r"the EC2 filter 'route\.gateway-id' is not reproduced"
    ):
        ds.get_subnets({"filters": [{"name": "route.gateway-id", "values": ["x"]}]}, REGION)


def test_the_default_security_group():
    group = ds.get_security_group(
        {"name": "default", "vpcId": ds.get_vpc({}, REGION)["id"]}, REGION
    )
    assert group["name"] == "default" and group["id"].startswith("sg-")


def test_a_policy_document_is_the_json_the_provider_writes():
    document = ds.get_policy_document(
        {
            "statements": [
                {
                    "sid": "Pull",
                    "actions": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"],
                    "resources": ["*"],
                    "principals": [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}],
                    "conditions": [
                        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]}
                    ],
                }
            ]
        },
        REGION,
    )
    assert document["json"] == (
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        "    {\n"
        '      "Sid": "Pull",\n'
        '      "Effect": "Allow",\n'
        '      "Action": [\n'
        '        "ecr:GetAuthorizationToken",\n'
        '        "ecr:BatchGetImage"\n'
        "      ],\n"
        '      "Resource": "*",\n'
        '      "Principal": {\n'
        '        "Service": "ecs-tasks.amazonaws.com"\n'
        "      },\n"
        '      "Condition": {\n'
        '        "StringEquals": {\n'
        '          "aws:SourceAccount": "1"\n'
        "        }\n"
        "      }\n"
        "    }\n"
        "  ]\n"
        "}"
    )
    assert json.loads(document["minifiedJson"]) == json.loads(document["json"])


def test_any_other_data_source_still_fails_by_name():
    with pytest.raises(invokes.UnknownDataSourceError, match="aws:route53/getZone:getZone"):
        invokes.invoke("aws:route53/getZone:getZone", {"name": "example.com"}, REGION)


def test_what_an_offline_up_created_is_found_beside_the_default_vpc(tmp_path, monkeypatch):
    """awsx's ApplicationLoadBalancer looks up the VPC of the subnets it is given
    (applicationLoadBalancer.ts: getSubnet({id: ids[0]})); AWS finds a subnet the same update
    created, and so does the fake account once the stand-in created it."""
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{tmp_path}")
    subnet = {
        "id": "subnet-0123456789abcdef0",
        "vpcId": "vpc-0123456789abcdef0",
        "availabilityZone": "eu-west-1b",
        "cidrBlock": "10.0.64.0/19",
    }
    account_network.record(account_network.SUBNET, REGION, subnet)
    found = ds.get_subnet({"id": subnet["id"]}, REGION)
    assert (found["vpcId"], found["availabilityZoneId"], found["mapPublicIpOnLaunch"]) == (
        "vpc-0123456789abcdef0",
        "euw1-az2",
        False,
    )
    assert ds.get_subnets({"filters": [{"name": "vpc-id", "values": [subnet["vpcId"]]}]}, REGION)[
        "ids"
    ] == [subnet["id"]]
    assert len(ds.get_subnets({}, "us-east-1")["ids"]) == 3  # another region: its defaults only
    account_network.forget(account_network.SUBNET, subnet["id"])
    with pytest.raises(ds.NoMatchError, match=r"^no matching EC2 Subnet found"):
        ds.get_subnet({"id": subnet["id"]}, REGION)
