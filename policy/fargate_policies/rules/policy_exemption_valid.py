"""`policy-exemption-valid` (mandatory) reports exemption tags (readers/exemptions.py has
their format) that excuse nothing because they are wrong: a name that is no policy of the pack, a
value that is not 'YYYY-MM-DD <reason>', a date in the past or too far ahead, or a policy the
platform does not let anyone exempt. The last two are judged against the exempted policy's
default `maxExemptionDays` and `exemptible` (a policy cannot read another's config); a stricter
setting in a policy's own config is applied by the exemption mechanism itself
(framework.report), which keeps that policy's violation and says why.
"""

from __future__ import annotations

import difflib
from datetime import timedelta
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    DOCS,
    Findings,
    stack_policy,
)
from fargate_policies.readers import exemptions
from fargate_policies.readers.exemptions import (
    EXEMPTION_POLICIES,
    MAX_DAYS_KNOB,
    VALID_POLICY,
    VALUE_FORMAT,
    Exemption,
    exemptions_in,
    refusal,
)
from fargate_policies.readers.stack import StackResource
from fargate_policies.readers.values import describe, is_unknown


def _tags(resource: StackResource, findings: Findings) -> Any:
    tags = resource.props.get("tags")
    unknown = is_unknown(tags) or (
        isinstance(tags, dict) and any(is_unknown(value) for value in tags.values())
    )
    if unknown:
        findings.skip(resource.not_known("tags"))
    return tags


def _problem(exemption: Exemption) -> str | None:
    """What is wrong with an exemption tag, as the end of a "must" sentence; None if nothing."""
    policies = [name for name in DOCS if name not in EXEMPTION_POLICIES]
    if exemption.policy not in policies:
        guess = difflib.get_close_matches(exemption.policy, policies, n=1)
        hint = f"use '{guess[0]}'" if guess else f"use one of {', '.join(policies)}"
        return f"name a policy of the pack, but '{exemption.policy}' names none: {hint}"
    limits = DOCS[exemption.policy].defaults()
    refused = refusal(exemption, limits)
    if refused is None:
        return None
    if refused.kind == "malformed":
        return (
            f"have a value of the form {VALUE_FORMAT}, but {exemption.problem} "
            f"(value {describe(exemption.value)})"
        )
    if refused.kind == "expired":
        return (
            f"be renewed or removed: it expired on {exemption.expires.isoformat()}, so "
            f"{exemption.policy} applies again; fix the violation, or set a new date and reason"
        )
    if refused.kind == "too-long":
        days = limits[MAX_DAYS_KNOB]
        latest = exemptions.today() + timedelta(days=days)
        return (
            f"expire by {latest.isoformat()} ({days} days from today, {exemption.policy}'s "
            f"{MAX_DAYS_KNOB}), not on {exemption.expires.isoformat()}"
        )
    return f"not exempt anything from {exemption.policy}: the platform allows no exemption"


@stack_policy(EnforcementLevel.MANDATORY, VALID_POLICY)
def policy_exemption_valid(
    resources: list[StackResource], _knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every policy-exemption tag names a policy of the pack, reads
    'YYYY-MM-DD <reason>', has not expired and ends within the allowed number of days."""
    for resource in resources:
        for exemption in exemptions_in(_tags(resource, findings)):
            if problem := _problem(exemption):
                findings.violation(
                    f"Tag '{exemption.tag}' on {resource.owner} must {problem}.", resource.urn
                )
