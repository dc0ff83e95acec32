"""Per-resource exemptions with a reason and an expiry, written as resource tags.

    policy-exemption:ecs-container-non-root = "2026-03-31 vendor image runs as root OPS-1234"

Why tags: the exemption sits on the resource it excuses, in the same program and the same code
review, and stays visible on the resource in AWS; every policy, resource or stack, can read it
without seeing another policy's config. The platform team keeps control through the pack config
of `policy-exemption-valid` (the longest allowed exemption, policies that cannot be exempted).

- A policy skips a violation on a resource that carries a well-formed, unexpired exemption for
  it; `policy-exemption-active` (advisory) re-reports it as a note naming the reason and expiry.
- An expired, malformed or misnamed exemption excuses nothing, and `policy-exemption-valid`
  (mandatory) reports the tag itself.

Tag values may hold letters, digits, spaces and `_ . : / = + - @` (AWS's tag character set), so
reasons are short phrases and ticket IDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fargate_policies.values import is_unknown

TAG_PREFIX = "policy-exemption:"
VALID_POLICY = "policy-exemption-valid"
ACTIVE_POLICY = "policy-exemption-active"
# The exemption policies judge exemptions; nothing exempts a resource from them.
EXEMPTION_POLICIES = frozenset({VALID_POLICY, ACTIVE_POLICY})
_VALUE = re.compile(r"^\s*(\S+)\s*(.*?)\s*$", re.DOTALL)
VALUE_FORMAT = "'YYYY-MM-DD <reason>'"


def today() -> date:
    """Today in UTC (tests replace this to pin the clock)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Exemption:
    """One exemption tag: the policy it names, its expiry and reason, or why it is malformed."""

    tag: str
    value: Any
    policy: str
    expires: date | None
    reason: str
    problem: str | None  # why the value is not 'YYYY-MM-DD <reason>', or None

    def active(self, on: date) -> bool:
        return self.problem is None and self.expires is not None and self.expires >= on

    def describe(self) -> str:
        return f"until {self.expires.isoformat() if self.expires else '?'} ({self.reason})"


def exemptions_in(tags: Any) -> list[Exemption]:
    """Every exemption tag among `tags` (a plain dict; anything else holds none)."""
    if not isinstance(tags, dict):
        return []
    return [
        _parse(key, value)
        for key, value in tags.items()
        if isinstance(key, str) and key.startswith(TAG_PREFIX) and not is_unknown(value)
    ]


def _parse(tag: str, value: Any) -> Exemption:
    policy = tag[len(TAG_PREFIX) :].strip()
    match = _VALUE.match(value) if isinstance(value, str) else None
    if match is None:
        problem = "it is empty" if isinstance(value, str) else "it is not text"
        return Exemption(tag, value, policy, None, "", problem)
    when, reason = match.groups()
    try:
        expires = date.fromisoformat(when)
    except ValueError:
        return Exemption(tag, value, policy, None, reason, f"{when!r} is not a date YYYY-MM-DD")
    if not reason:
        return Exemption(tag, value, policy, expires, "", "it gives no reason after the date")
    return Exemption(tag, value, policy, expires, reason, None)


def active_exemption(tags: Any, policy: str) -> Exemption | None:
    """The well-formed, unexpired exemption from `policy` among `tags`, if there is one."""
    on = today()
    for exemption in exemptions_in(tags):
        if exemption.policy == policy and exemption.active(on):
            return exemption
    return None
