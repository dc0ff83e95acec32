"""The policy pack's entry point: `pulumi preview --policy-pack policy` runs this file.

It only assembles the pack; the rules live in `fargate_policies` (importing this module starts
the pack's gRPC server and never returns, so tests import the rules from there).
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from fargate_policies.catalog import ALL_POLICIES, PACK_NAME

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,  # each policy sets its own level
    policies=ALL_POLICIES,
)
