"""Example values that must never reach AWS: the stack files ship with them so that a preview
(and the offline rehearsal) runs, and a real `pulumi up` refuses them before it registers
anything.

- 123456789012 is the account ID AWS's own documentation uses in example ARNs.
- 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 are TEST-NET-1/2/3, reserved for
  documentation (RFC 5737).
- example.com/.net/.org and the .example, .test, .invalid and .localhost names are reserved for
  documentation and testing (RFC 2606, RFC 6761).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from infra.validation import Problem

if TYPE_CHECKING:
    from infra.settings import Settings

DOCUMENTATION_ACCOUNT = "123456789012"
DOCUMENTATION_NETWORKS = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
DOCUMENTATION_DOMAINS = ("example.com", "example.net", "example.org")
DOCUMENTATION_TLDS = ("example", "test", "invalid", "localhost")


def placeholder_problems(s: Settings) -> list[Problem]:
    """One problem per key that still holds a documentation value, saying what to put there."""
    problems = []
    if s.certificate_arn and _has_documentation_account(s.certificate_arn):
        problems.append(
            Problem(
                "certificateArn",
                f"uses the documentation account {DOCUMENTATION_ACCOUNT}: put the ARN of your "
                f"ACM certificate in {s.region} here (`aws acm list-certificates --region "
                f"{s.region}`)",
            )
        )
    secrets = [f"{name}={arn}" for name, arn in s.app_secrets if _has_documentation_account(arn)]
    if secrets:
        problems.append(
            Problem(
                "appSecrets",
                f"uses the documentation account {DOCUMENTATION_ACCOUNT}: point each entry at "
                "your own SSM parameter or Secrets Manager secret",
                value=", ".join(secrets),
            )
        )
    networks = [cidr for cidr in s.ingress_cidrs if _is_documentation_network(cidr)]
    if networks:
        problems.append(
            Problem(
                "ingressCidrs",
                f"{', '.join(networks)} is a documentation range (RFC 5737) that no client "
                "connects from: list the ranges your clients really use",
            )
        )
    if s.image_uri and _has_documentation_account(s.image_uri):
        problems.append(
            Problem(
                "imageUri",
                f"is in the documentation account {DOCUMENTATION_ACCOUNT}'s registry: name the "
                "image your CI pushed, or leave it empty to build service/",
            )
        )
    if s.domain_name and _is_documentation_domain(s.domain_name):
        problems.append(
            Problem(
                "domainName",
                "is a name reserved for documentation (RFC 2606/6761): use a name in your "
                "hosted zone",
            )
        )
    return problems


def _has_documentation_account(text: str) -> bool:
    return f":{DOCUMENTATION_ACCOUNT}:" in text or text.startswith(f"{DOCUMENTATION_ACCOUNT}.")


def _is_documentation_network(cidr: str) -> bool:
    try:
        network = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return False
    return any(network.subnet_of(reserved) for reserved in DOCUMENTATION_NETWORKS)


def _is_documentation_domain(name: str) -> bool:
    labels = name.lower().rstrip(".").split(".")
    apex = ".".join(labels[-2:])
    return apex in DOCUMENTATION_DOMAINS or labels[-1] in DOCUMENTATION_TLDS
