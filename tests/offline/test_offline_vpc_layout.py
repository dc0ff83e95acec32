"""The awsx VPC layout the stand-in reproduces (awsx 3.x "Auto" / "Exact" strategies)."""

from __future__ import annotations

import pytest

from offline.standins.vpc_layout import (
    LayoutError,
    SubnetSpec,
    nat_gateway_azs,
    parse_specs,
    plan_subnets,
    subnet_layout,
)

TWO_AZS = ["eu-west-1a", "eu-west-1b"]
THREE_AZS = [*TWO_AZS, "eu-west-1c"]
PUBLIC_PRIVATE = [SubnetSpec("Public"), SubnetSpec("Private")]


def _plan(cidr="10.0.0.0/16", azs=TWO_AZS, specs=PUBLIC_PRIVATE, strategy="Auto"):
    return plan_subnets("vpc", cidr, azs, specs, strategy=strategy)


def _cidrs(planned):
    return [s.cidr_block for s in planned]


def _rows(planned):
    return [(s.name, s.type, s.az, s.cidr_block) for s in planned]


def test_the_programs_dev_layout_splits_each_az_between_public_and_private():
    assert _rows(_plan("10.10.0.0/16")) == [
        ("vpc-public-1", "Public", "eu-west-1a", "10.10.0.0/18"),
        ("vpc-private-1", "Private", "eu-west-1a", "10.10.64.0/18"),
        ("vpc-public-2", "Public", "eu-west-1b", "10.10.128.0/18"),
        ("vpc-private-2", "Private", "eu-west-1b", "10.10.192.0/18"),
    ]


def test_three_azs_get_a_quarter_each_and_leave_the_last_unused():
    # Six consecutive /19 blocks: public and private in each of the first three /18s.
    assert _cidrs(_plan("10.30.0.0/16", THREE_AZS)) == [f"10.30.{i * 32}.0/19" for i in range(6)]


def test_public_subnets_come_first_in_each_az_whatever_the_spec_order():
    planned = plan_subnets(
        "net",
        "10.0.0.0/16",
        TWO_AZS,
        [SubnetSpec("Private"), SubnetSpec("Public")],
        strategy="Auto",
    )
    assert [(s.type, s.cidr_block) for s in planned[:2]] == [
        ("Public", "10.0.64.0/18"),
        ("Private", "10.0.0.0/18"),
    ]


def test_without_specs_awsx_defaults_to_a_larger_private_subnet():
    planned = plan_subnets("vpc", "10.0.0.0/16", TWO_AZS, None, strategy="Auto")
    assert _rows(planned)[:2] == [
        ("vpc-public-1", "Public", "eu-west-1a", "10.0.64.0/19"),
        ("vpc-private-1", "Private", "eu-west-1a", "10.0.0.0/18"),
    ]


def test_named_sized_and_unused_specs():
    specs = parse_specs(
        [
            {"type": "Public", "size": 1024},
            {"type": "Unused", "cidrMask": 22},
            {"type": "Isolated", "name": "db", "cidrMask": 24},
        ]
    )
    planned = plan_subnets("vpc", "10.0.0.0/16", ["z1"], specs, strategy="Auto")
    assert _rows(planned) == [
        ("vpc-public-1", "Public", "z1", "10.0.0.0/22"),
        ("vpc-db-1", "Isolated", "z1", "10.0.8.0/24"),
    ]
    assert subnet_layout(planned) == [
        {"type": "Public", "cidrMask": 22},
        {"type": "Isolated", "cidrMask": 24, "name": "db"},
    ]


def test_explicit_cidr_blocks_are_used_as_given():
    specs = parse_specs(
        [
            {"type": "Public", "cidrBlocks": ["10.0.0.0/24", "10.0.1.0/24"]},
            {"type": "Private", "cidrBlocks": ["10.0.2.0/24", "10.0.3.0/24"]},
        ]
    )
    assert _cidrs(_plan(specs=specs)) == [
        "10.0.0.0/24",
        "10.0.2.0/24",
        "10.0.1.0/24",
        "10.0.3.0/24",
    ]


@pytest.mark.parametrize(
    ("strategy", "expected"), [("Single", [0]), ("OnePerAz", [0, 1, 2]), ("None", [])]
)
def test_nat_gateways_per_strategy(strategy, expected):
    planned = plan_subnets("vpc", "10.0.0.0/16", THREE_AZS, PUBLIC_PRIVATE, strategy="Auto")
    assert nat_gateway_azs(strategy, planned) == expected


BAD_LAYOUTS = [
    (lambda: _plan(strategy="Legacy"), "subnetStrategy", "reproduces Auto and Exact only"),
    (lambda: _plan(cidr="10.0.0.0/33"), "cidrBlock", "'10.0.0.0/33' is not an IPv4 network"),
    (
        lambda: _plan(cidr="10.0.0.0/24", specs=[SubnetSpec("Public", cidr_mask=24)]),
        "subnetSpecs",
        "each availability zone has 128 addresses, but its subnets need 256",
    ),
    (lambda: _plan(cidr="10.0.0.0/28", specs=None), "subnetSpecs", "but only a /29"),
    (lambda: _plan(azs=THREE_AZS, strategy="Exact"), "subnetSpecs", "before 10.0.255.255"),
    (lambda: parse_specs([{"type": "Public", "size": 1000}]), "subnetSpecs", "a power of 2"),
    (
        lambda: parse_specs([{"type": "Public", "size": 256, "cidrMask": 23}]),
        "subnetSpecs",
        "size 256 does not match cidrMask /23",
    ),
    (
        lambda: parse_specs([{"type": "Dmz"}]),
        "subnetSpecs[0].type",
        "subnetSpecs[0].type is 'Dmz'; it must be one of Public, Private, Isolated, Unused",
    ),
    (
        lambda: nat_gateway_azs("Single", _plan(specs=[SubnetSpec("Private")])),
        "natGateways.strategy",
        "natGateways.strategy Single needs both public and private subnets",
    ),
    (
        lambda: nat_gateway_azs("Two", []),
        "natGateways.strategy",
        "natGateways.strategy is 'Two'; it must be one of None, Single, OnePerAz",
    ),
]


@pytest.mark.parametrize(("call", "key", "message"), BAD_LAYOUTS)
def test_bad_layouts_name_the_input_and_what_is_valid(call, key, message):
    with pytest.raises(LayoutError) as error:
        call()
    assert error.value.key == key
    assert message in str(error.value)


def test_exact_accepts_a_layout_that_fills_the_vpc():
    planned = plan_subnets("vpc", "10.0.0.0/16", TWO_AZS, PUBLIC_PRIVATE, strategy="Exact")
    assert len(planned) == 4


def test_overlapping_explicit_blocks_are_named():
    specs = parse_specs(
        [
            {"type": "Public", "cidrBlocks": ["10.0.0.0/23"]},
            {"type": "Private", "cidrBlocks": ["10.0.1.0/24"]},
        ]
    )
    with pytest.raises(LayoutError) as error:
        plan_subnets("vpc", "10.0.0.0/16", ["z1"], specs, strategy="Auto")
    assert "vpc-public-1: 10.0.0.0/23, vpc-private-1: 10.0.1.0/24" in str(error.value)
