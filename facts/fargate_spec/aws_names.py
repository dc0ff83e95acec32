"""Names AWS refuses for the resources whose names carry the service name, and the length
Pulumi's autonaming adds to a logical name.

Sources:
- Application Load Balancer names: at most 32 characters, only alphanumerics and hyphens, no
  hyphen at either end, not starting with "internal-" (ELB API reference, CreateLoadBalancer
  `Name`; terraform-provider-aws `validName` for aws_lb).
- Target group names: the same, without the prefix rule (ELB API reference, CreateTargetGroup
  `Name`).
- Security group names: up to 255 characters and may not start with "sg-" (EC2 API reference,
  CreateSecurityGroup `GroupName`).
- Autonaming: pulumi-aws names a resource `<logical name>-<7 random hex characters>` and fails
  the registration when that exceeds the type's maximum ("name '<logical>-' plus 7 random chars
  is longer than maximum length 32": pulumi/pulumi sdk `resource.NewUniqueHex`, called by the
  bridge's AutoNameWithCustomOptions that pulumi-aws uses for aws_lb and aws_lb_target_group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AUTONAME_SEPARATOR = "-"
AUTONAME_RANDOM_CHARS = 7

_ALNUM_AND_HYPHENS = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts as the name of one resource type."""

    kind: str
    max_length: int
    alnum_and_hyphens: bool = False
    """Only letters, digits and '-', with no '-' at either end."""
    forbidden_prefix: str = ""

    def problems(self, name: str) -> list[str]:
        """Each reason AWS would refuse `name`, worded for a person; [] if it accepts it."""
        found = []
        if len(name) > self.max_length:
            found.append(f"is {len(name)} characters, above the {self.max_length} AWS allows")
        if self.alnum_and_hyphens and not _ALNUM_AND_HYPHENS.match(name):
            found.append("may hold only letters, digits and '-', and no '-' at either end")
        if self.forbidden_prefix and name.lower().startswith(self.forbidden_prefix):
            found.append(f"must not begin with '{self.forbidden_prefix}'")
        return found


LOAD_BALANCER = NameRule("load balancer", 32, alnum_and_hyphens=True, forbidden_prefix="internal-")
TARGET_GROUP = NameRule("target group", 32, alnum_and_hyphens=True)
SECURITY_GROUP = NameRule("security group", 255, forbidden_prefix="sg-")


def autoname(logical_name: str) -> str:
    """The physical name autonaming gives a logical name, its random part shown as 'x'."""
    return f"{logical_name}{AUTONAME_SEPARATOR}{'x' * AUTONAME_RANDOM_CHARS}"
