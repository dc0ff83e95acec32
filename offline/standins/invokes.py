"""The AWS data sources the stand-in answers, with values from the fake account (fake_aws)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from offline.standins import data_sources
from offline.standins import fake_aws as fake

Invoke = Callable[[Mapping[str, Any], str], dict[str, Any]]


class UnknownDataSourceError(LookupError):
    """The program calls a data source the stand-in does not answer."""


def _region(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    name = args.get("region") or args.get("name") or region
    return {
        "id": name,
        "name": name,
        "region": name,
        "description": f"{name} (offline stand-in)",
        "endpoint": f"ec2.{name}.{fake.DNS_SUFFIX}",
    }


def _caller_identity(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": fake.ACCOUNT_ID,
        "accountId": fake.ACCOUNT_ID,
        "arn": f"arn:{fake.PARTITION}:iam::{fake.ACCOUNT_ID}:user/{fake.CALLER_USER}",
        "userId": "AIDAOFFLINEPREVIEW0000",
    }


def _partition(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "id": fake.PARTITION,
        "partition": fake.PARTITION,
        "dnsSuffix": fake.DNS_SUFFIX,
        "reverseDnsPrefix": "com.amazonaws",
    }


def _availability_zones(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    names, ids = fake.availability_zones(region), fake.zone_ids(region)
    excluded = set(args.get("excludeNames") or ()) | set(args.get("excludeZoneIds") or ())
    kept = [
        (name, zone) for name, zone in zip(names, ids, strict=True) if not {name, zone} & excluded
    ]
    return {
        "id": region,
        "names": [name for name, _ in kept],
        "zoneIds": [zone for _, zone in kept],
        "groupNames": [region] * len(kept),
        "state": args.get("state"),
    }


def _ecr_authorization_token(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    """A fresh token on every call, as ECR issues one (valid 12 hours): a program must not let
    it show up as a change (docker-build's Diff ignores registry passwords)."""
    password = f"offline-token-{time.time_ns()}"
    registry = f"{args.get('registryId') or fake.ACCOUNT_ID}.dkr.ecr.{region}.{fake.DNS_SUFFIX}"
    expires = datetime.now(UTC) + timedelta(hours=12)
    return {
        "id": region,
        "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
        "userName": "AWS",
        "password": password,
        "proxyEndpoint": f"https://{registry}",
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


INVOKES: dict[str, Invoke] = {
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_authorization_token,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    # The default VPC, IAM policy documents and the ECR token (data_sources.py).
    **data_sources.INVOKES,
}


def invoke(token: str, args: Mapping[str, Any], region: str) -> dict[str, Any]:
    handler = INVOKES.get(token)
    if handler is None:
        known = ", ".join(sorted(INVOKES))
        raise UnknownDataSourceError(
            f"offline stand-in: the data source {token} needs AWS and has no offline answer "
            f"(answered offline: {known}); add one to offline/standins/invokes.py"
        )
    return handler(args, region)
