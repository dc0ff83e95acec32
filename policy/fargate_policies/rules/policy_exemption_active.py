"""`policy-exemption-active` (advisory) reports what every active exemption excuses: it runs
the exempted policy again on the resource (with that policy's default knobs, since a policy
cannot read another's config) and turns each violation it finds into an advisory note naming
the reason and the expiry. Making it mandatory in a pack config turns exemptions off. The tag
format is in readers/exemptions.py; policy-exemption-valid reports the tags that are wrong.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    DOCS,
    Findings,
    PolicyDoc,
    Subject,
    stack_policy,
    upper_first,
)
from fargate_policies.readers.exemptions import (
    ACTIVE_POLICY,
    EXEMPTION_POLICIES,
    exemptions_in,
    refusal,
)
from fargate_policies.readers.stack import StackResource


def excused(doc: PolicyDoc, resource: StackResource, resources: list[StackResource]) -> list[str]:
    """The violations `doc`'s policy finds on `resource` (with its default knobs)."""
    findings = Findings()
    if not doc.resource_types:
        doc.check(resources, doc.defaults(), findings)
    elif resource.resource_type in doc.resource_types:
        subject = Subject(
            resource.resource_type, resource.name, resource.props, doc.defaults(), resource.parent
        )
        doc.check(subject, findings)
    return [v.message for v in findings.violations if v.urn in (None, resource.urn)]


@stack_policy(EnforcementLevel.ADVISORY, ACTIVE_POLICY)
def policy_exemption_active(
    resources: list[StackResource], _knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether any resource is exempt from a policy, and reports what each active
    exemption excuses as an advisory note with its reason and expiry."""
    for resource in resources:
        for exemption in exemptions_in(resource.props.get("tags")):
            doc = DOCS.get(exemption.policy)
            if doc is None or exemption.policy in EXEMPTION_POLICIES:
                continue
            if refusal(exemption, doc.defaults()) is not None:
                continue
            exempt = f"{upper_first(resource.owner)} is exempt from {exemption.policy} "
            exempt += exemption.describe()
            for message in excused(doc, resource, resources) or [
                f"its violations of {exemption.policy} must be fixed by then."
            ]:
                findings.violation(f"{exempt}; advisory until then: {message}", resource.urn)
