"""Per-resource exemptions with a reason and an expiry, written as resource tags.

    policy-exemption:ecs-container-non-root = "2026-03-31 vendor image runs as root OPS-1234"

Why tags: the exemption sits on the resource it excuses, in the same program and the same code
review, and stays visible on the resource in AWS; every policy, resource or stack, can read it
without seeing another policy's config.

The limits live with each policy, since a policy cannot read another's config: every policy but
the two exemption policies takes the knobs `exemptible` (default true) and `maxExemptionDays`
(default 90). The mechanism itself (`framework.report`) applies them with the policy's own
config, so whatever level `policy-exemption-valid` runs at, an exemption excuses a violation only
if it is well formed, unexpired, within the policy's maxExemptionDays and the policy is
exemptible.

- A policy leaves out a violation on a resource that carries such an exemption for it;
  `policy-exemption-active` (advisory) re-reports it as a note naming the reason and expiry.
- Any other exemption excuses nothing: the policy reports its violation and says why the tag
  does not excuse it, and `policy-exemption-valid` (mandatory) reports the tag itself (against
  each policy's default limits, the only ones it can see).

Tag values may hold letters, digits, spaces and `_ . : / = + - @` (AWS's tag character set), so
reasons are short phrases and ticket IDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fargate_policies.readers.values import is_unknown

TAG_PREFIX = "policy-exemption:"
VALID_POLICY = "policy-exemption-valid"
ACTIVE_POLICY = "policy-exemption-active"
# The exemption policies judge exemptions; nothing exempts a resource from them.
EXEMPTION_POLICIES = frozenset({VALID_POLICY, ACTIVE_POLICY})
_VALUE = re.compile(r"^\s*(\S+)\s*(.*?)\s*$", re.DOTALL)
VALUE_FORMAT = "'YYYY-MM-DD <reason>'"
# The per-policy limits' knobs and their defaults (framework.EXEMPTION_KNOBS declares them).
EXEMPTIBLE_KNOB = "exemptible"
MAX_DAYS_KNOB = "maxExemptionDays"
DEFAULT_MAX_DAYS = 90


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


def exemption_for(tags: Any, policy: str) -> Exemption | None:
    """The exemption tag among `tags` that names `policy`, if there is one."""
    return next((e for e in exemptions_in(tags) if e.policy == policy), None)


@dataclass(frozen=True)
class Refusal:
    """Why an exemption excuses nothing: its kind ("malformed", "expired", "too-long",
    "not-exemptible") and a clause saying so ("it expired on 2026-02-28")."""

    kind: str
    clause: str


def refusal(exemption: Exemption, limits: dict[str, Any], on: date | None = None) -> Refusal | None:
    """Why `exemption` excuses nothing under a policy's limits (its `exemptible` and
    `maxExemptionDays` knobs); None if it excuses the policy's violations today."""
    on = on or today()
    if exemption.problem or exemption.expires is None:
        return Refusal(
            "malformed", f"its value is not of the form {VALUE_FORMAT}: {exemption.problem}"
        )
    if exemption.expires < on:
        return Refusal("expired", f"it expired on {exemption.expires.isoformat()}")
    max_days = limits.get(MAX_DAYS_KNOB, DEFAULT_MAX_DAYS)
    latest = on + timedelta(days=max_days)
    if exemption.expires > latest:
        return Refusal(
            "too-long",
            f"it runs until {exemption.expires.isoformat()}, past {latest.isoformat()} "
            f"({max_days} days from today, this policy's {MAX_DAYS_KNOB})",
        )
    if limits.get(EXEMPTIBLE_KNOB, True) is False:
        return Refusal(
            "not-exemptible", f"{exemption.policy} allows no exemption ({EXEMPTIBLE_KNOB}: false)"
        )
    return None
