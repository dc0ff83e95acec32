"""The fake AWS account the stand-ins answer for: deterministic, obviously fake values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
DNS_SUFFIX = "amazonaws.com"
CALLER_USER = "offline-preview"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's wire value for "unknown during preview" (pulumi.runtime.rpc.UNKNOWN)."""
ZONE_LETTERS = "abc"
"""Every region gets three zones: enough for the program's prod (3 AZs), and a program asking
for more gets awsx's own error about the region having too few zones."""


def availability_zones(region: str) -> list[str]:
    return [f"{region}{letter}" for letter in ZONE_LETTERS]


def zone_ids(region: str) -> list[str]:
    # eu-west-1 -> euw1, as AWS abbreviates zone IDs (euw1-az1).
    area, *middle, number = region.split("-")
    short = area + "".join(part[0] for part in middle) + number
    return [f"{short}-az{index}" for index in range(1, len(ZONE_LETTERS) + 1)]


def ecr_registry(region: str) -> str:
    return f"{ACCOUNT_ID}.dkr.ecr.{region}.{DNS_SUFFIX}"


def _known_string(inputs: Mapping[str, Any], key: str) -> str | None:
    """A plain string input; None when it is unset, unknown (preview) or secret."""
    value = inputs.get(key)
    if not isinstance(value, str) or value == UNKNOWN:
        return None
    return value


def _ecr_repository(inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
    # A repository's URL and ARN follow from its name: the image URI, and so the task
    # definition's containerDefinitions, stay readable by the policy pack during preview.
    name = _known_string(inputs, "name")
    if name is None:
        return {}
    return {
        "arn": f"arn:{PARTITION}:ecr:{region}:{ACCOUNT_ID}:repository/{name}",
        "registryId": ACCOUNT_ID,
        "repositoryUrl": f"{ecr_registry(region)}/{name}",
    }


ComputedOutputs = Callable[[Mapping[str, Any], str], dict[str, Any]]

PREVIEW_OUTPUTS: dict[str, ComputedOutputs] = {
    "aws:ecr/repository:Repository": _ecr_repository,
}
"""Computed outputs the stand-in fills in during preview, per resource type. A real preview
leaves them unknown; these few are pure functions of known inputs, and without them every
container definition built from the repository URL would be unknown to the policy pack."""


def preview_outputs(type_token: str, inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
    handler = PREVIEW_OUTPUTS.get(type_token)
    return handler(inputs, region) if handler else {}
