"""ECR repositories make image tags immutable.

With mutable tags, the image a task definition names can change under it: a rollback or a new
task may run code nobody deployed.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, Subject, expect, resource_policy
from fargate_policies.readers import resource_types as rt

IMMUTABLE = "IMMUTABLE"
IMMUTABLE_WITH_EXCLUSION = "IMMUTABLE_WITH_EXCLUSION"
_EXCLUSIONS = {
    "allowExclusions": Knob(
        "boolean", False, "Also accept IMMUTABLE_WITH_EXCLUSION (some tags stay mutable)."
    )
}


@resource_policy(
    EnforcementLevel.ADVISORY, "ecr-repository-immutable-tags", rt.ECR_REPOSITORIES, _EXCLUSIONS
)
def ecr_immutable_tags(resource: Subject, findings: Findings) -> None:
    """Checks whether an ECR repository makes image tags immutable."""
    # A tuple, not a set: a malformed value (a list, say) is compared, never hashed.
    allowed = (
        (IMMUTABLE, IMMUTABLE_WITH_EXCLUSION) if resource.knobs["allowExclusions"] else (IMMUTABLE,)
    )
    expect(
        findings,
        resource.props.get("imageTagMutability"),
        lambda mutability: mutability in allowed,
        unknown=resource.not_known("imageTagMutability"),
        violation=f"{resource.subject} must set imageTagMutability to '{IMMUTABLE}', not {{shown}} "
        "(ECR's default is MUTABLE), and deploy each build under a new tag or digest.",
    )
