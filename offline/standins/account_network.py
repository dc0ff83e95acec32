"""The VPCs, subnets and security groups the stand-ins created in the fake account, for the data
sources (data_sources.py) to find beside the default VPC, as AWS's DescribeSubnets finds any
subnet of the account: awsx's ApplicationLoadBalancer, given `subnetIds`, looks up the VPC of the
first one with getSubnet (pulumi-awsx awsx/lb/applicationLoadBalancer.ts), so an `up` that
creates a VPC and a load balancer in it needs the subnet it just created to be found.

Kept beside the local backend, like the task-definition revisions of fake_aws.py (the fake
account's memory outside the engine's state): one account for every stack of the backend, as in
AWS. Recorded at create and update, forgotten at delete; without a file backend (the handler
tests) nothing is kept.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
TRACKED = (VPC, SUBNET, SECURITY_GROUP)
_LOCK = threading.Lock()


def _file() -> Path | None:
    backend = os.environ.get("PULUMI_BACKEND_URL", "")
    if not backend.startswith("file://"):
        return None
    return Path(backend.removeprefix("file://")) / "offline-account-network.json"


def _load(path: Path) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text()) if path.is_file() else {}


def _change(type_token: str, resource_id: str, entry: dict[str, Any] | None) -> None:
    path = _file()
    if type_token not in TRACKED or not resource_id or path is None:
        return
    with _LOCK:
        held = _load(path)
        kind = held.setdefault(type_token, {})
        if entry is None:
            kind.pop(resource_id, None)
        else:
            kind[resource_id] = entry
        path.write_text(json.dumps(held, sort_keys=True))


def record(type_token: str, region: str, outputs: Mapping[str, Any]) -> None:
    """A created or updated resource, with the region it lives in."""
    _change(type_token, str(outputs.get("id") or ""), {"region": region, "outputs": dict(outputs)})


def forget(type_token: str, resource_id: str) -> None:
    _change(type_token, resource_id, None)


def created(type_token: str, region: str) -> list[dict[str, Any]]:
    """The outputs of every resource of `type_token` the fake account holds in `region`."""
    path = _file()
    if path is None:
        return []
    with _LOCK:
        held = _load(path).get(type_token, {})
    return [entry["outputs"] for entry in held.values() if entry.get("region") == region]
