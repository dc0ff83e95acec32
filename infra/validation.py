"""Parsers and single-key checks for stack config values: plain functions, no Pulumi, testable on
their own.

`infra.settings` applies them to every key before the program registers a single resource, then
runs its rules across keys (beside the settings they relate). Parsers turn the CLI's config
strings into values and raise `ValueError` whose message says what would be valid; checks return
what would be valid. Every fact about AWS comes from `fargate_spec`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fargate_spec import limits, sizes, tls
from infra import names
from infra.arns import CERTIFICATE_ARN, REGION_PATTERN

ENVIRONMENTS = ("dev", "staging", "prod")
# The Docker platform a user names, and the ECS runtimePlatform.cpuArchitecture it runs on.
ARCHITECTURES: dict[str, str] = {"amd64": sizes.X86_64, "arm64": sizes.ARM64}
# awsx NatGatewayStrategy values that give private subnets a way out (ECR pulls, logs, SSM).
NAT_STRATEGIES = ("Single", "OnePerAz")
ECR_ENCRYPTION_TYPES = ("AES256", "KMS")
AZ_RANGE = limits.Bounds(2, 6)
VPC_PREFIX_RANGE = limits.Bounds(16, 20)
CPU_TARGET_RANGE = limits.Bounds(10, 90)
# The longest service name whose ALB, target group and security group names AWS still accepts
# once the program's suffixes and autonaming's are added (infra.names).
SERVICE_NAME_MAX = names.longest_service_name()

# A Docker image reference pinned by tag and/or digest: [registry/]path[:tag][@sha256:digest].
DOCKER_REFERENCE = re.compile(
    r"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::\d+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
# A DNS name Route 53 can hold an alias record for: lowercase labels of letters, digits and
# inner hyphens, at least two labels, 253 characters in all (RFC 1035 sections 2.3.1, 2.3.4).
DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Route 53 hosted zone IDs as the console and `aws route53 list-hosted-zones` show them
# (without the "/hostedzone/" prefix): "Z" and up to 31 uppercase letters and digits.
HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
ROLLBACK_ALARM_MINUTES = limits.Bounds(1, 60)
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


@dataclass(frozen=True)
class Problem:
    """One invalid setting: its config key, what would be valid, and optionally the value to show
    (instead of the configured one, e.g. one entry of a list with its secret part redacted)."""

    key: str
    allowed: str
    value: str | None = None
    # Other keys the verdict depends on: if one of them failed to parse, the verdict is moot.
    involves: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Parsers: config string -> value. The CLI passes every value as a string (lists as JSON).


def as_text(raw: str) -> str:
    return raw.strip()


def as_optional_text(raw: str) -> str | None:
    """An empty string means "not set" (Pulumi.yaml cannot declare a null default)."""
    return raw.strip() or None


def as_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("must be a whole number") from None


def as_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true"


def as_text_list(raw: str) -> tuple[str, ...]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('must be a list of strings, e.g. ["A", "B"] (pulumi config set --path)')
    return tuple(item.strip() for item in value)


def as_cpu(raw: str) -> int:
    try:
        return sizes.parse_cpu(raw.strip())
    except sizes.SizeError as error:
        raise ValueError(str(error)) from None


def as_memory(raw: str) -> int:
    try:
        return sizes.parse_memory(raw.strip())
    except sizes.SizeError as error:
        raise ValueError(str(error)) from None


def as_pairs(raw: str) -> tuple[tuple[str, str], ...]:
    """["NAME=value", ...] -> (("NAME", "value"), ...); the value may itself contain '='."""
    entries = as_text_list(raw)
    pairs = []
    for position, entry in enumerate(entries, start=1):
        name, equals, value = entry.partition("=")
        if not equals:
            # The entry is not echoed: a value pasted without its name may be a secret.
            raise ValueError(
                f"entry {position} of {len(entries)} has no '=': each must look like NAME=value"
            )
        pairs.append((name.strip(), value))
    return tuple(pairs)


# ---------------------------------------------------------------------------------------------
# Single-value checks: value -> None when valid, else what would be valid.

Check = Callable[[object], str | None]


def one_of(options: Sequence[str]) -> Check:
    def check(value: object) -> str | None:
        return None if value in options else f"must be one of {', '.join(options)}"

    return check


def within(bounds: limits.Bounds, unit: str = "") -> Check:
    suffix = f" {unit}" if unit else ""

    def check(value: object) -> str | None:
        ok = isinstance(value, int) and bounds.contains(value)
        return None if ok else f"must be {bounds}{suffix}"

    return check


def at_least(low: int, unit: str = "") -> Check:
    suffix = f" {unit}" if unit else ""

    def check(value: object) -> str | None:
        return None if isinstance(value, int) and value >= low else f"must be >= {low}{suffix}"

    return check


def log_retention(value: object) -> str | None:
    if value in limits.CLOUDWATCH_LOG_RETENTION_DAYS:
        return None
    days = ", ".join(map(str, limits.CLOUDWATCH_LOG_RETENTION_DAYS))
    return f"must be a retention CloudWatch Logs accepts (days): {days}"


def region_name(value: object) -> str | None:
    if not value:
        return "is required: the AWS region to deploy to, e.g. eu-west-1"
    return None if REGION_PATTERN.match(str(value)) else "must be an AWS region such as eu-west-1"


def service_name(value: object) -> str | None:
    """Lowercase (ECR repository and log group names), and every AWS name derived from it
    acceptable to AWS: all refusals in one message, since they are one key's."""
    text = str(value)
    if not SERVICE_NAME.match(text):
        return (
            f"must be 2 to {SERVICE_NAME_MAX} lowercase letters, digits or '-', starting with a "
            "letter and not ending in '-'"
        )
    refused = names.aws_name_problems(text)
    if not refused:
        return None
    return (
        f"makes names AWS refuses: {'; '.join(refused)}. Use 2 to {SERVICE_NAME_MAX} "
        "characters, not starting with 'internal-' or 'sg-'"
    )


def tls_policy(value: object) -> str | None:
    if tls.is_tls12_or_newer(value):
        return None
    return (
        "must be an ELB security policy that refuses TLS 1.0 and 1.1, one of "
        f"{tls.allowed_policies_text()} (default {tls.DEFAULT_TLS_POLICY})"
    )


def certificate_arn(value: object) -> str | None:
    if value is None or CERTIFICATE_ARN.match(str(value)):
        return None
    return "must be an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<uuid>"


def vpc_cidr(value: object) -> str | None:
    allowed = (
        f"must be a private (RFC 1918) IPv4 network with a prefix of /{VPC_PREFIX_RANGE.low} to "
        f"/{VPC_PREFIX_RANGE.high}, e.g. 10.0.0.0/16"
    )
    try:
        network = ipaddress.IPv4Network(str(value))
    except ValueError:
        return allowed
    ok = network.is_private and VPC_PREFIX_RANGE.contains(network.prefixlen)
    return None if ok else allowed


def cidr_list(value: object) -> str | None:
    entries = value if isinstance(value, tuple) else ()
    bad = [entry for entry in entries if not _is_ipv4_network(entry)]
    if entries and not bad:
        return None
    if not entries:
        return 'must list at least one IPv4 CIDR that may reach the ALB, e.g. ["0.0.0.0/0"]'
    return f"{', '.join(map(repr, bad))} must be IPv4 CIDRs such as 203.0.113.0/24"


def image_uri(value: object) -> str | None:
    """A prebuilt image must be pinned: a tag other than latest, or a digest."""
    if value is None:
        return None
    match = DOCKER_REFERENCE.match(str(value))
    pinned = match and (match["digest"] or (match["tag"] and match["tag"] != "latest"))
    if pinned:
        return None
    return (
        "must be an image reference pinned by tag (not 'latest') or digest, e.g. "
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi:1.4.2 or ...@sha256:<64 hex>"
    )


def optional_match(pattern: re.Pattern[str], allowed: str) -> Check:
    """A check for an optional value: unset (None) or matching `pattern`."""

    def check(value: object) -> str | None:
        return None if value is None or pattern.match(str(value)) else allowed

    return check


domain_name = optional_match(
    DOMAIN_NAME,
    "must be a lowercase DNS name of two or more labels that the hosted zone holds, "
    "e.g. api.your-company.com",
)
hosted_zone_id = optional_match(
    HOSTED_ZONE_ID,
    "must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (without "
    "'/hostedzone/'), from `aws route53 list-hosted-zones`",
)


def _is_ipv4_network(text: str) -> bool:
    try:
        ipaddress.IPv4Network(text)
    except ValueError:
        return False
    return True
