"""The end-to-end stack policies on the program's real resources: what they share. Each policy's
own passing and failing cases are in tests/policy/rules/test_<policy>.py."""

from __future__ import annotations

from fargate_policies.readers.containers import UNKNOWN_DEFINITIONS_FIX
from testkit.policy_harness import Resource, check_stack
from tests.policy.test_policy_mutations import TASK, edit, props

CONSISTENCY = "ecs-service-health-check-consistency"
SHUTDOWN = "ecs-service-shutdown-timing"


def test_unknown_container_definitions_are_skipped_checks_in_preview(prod: list[Resource]) -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE  # noqa: PLC0415

    preview = edit(TASK, props(containerDefinitions=UNKNOWN_STRING_VALUE))(prod)
    for policy in (CONSISTENCY, SHUTDOWN):
        outcome = check_stack(policy, preview)
        assert outcome.violations == []
        assert outcome.skipped == [
            "skipped checks: containerDefinitions of task definition 'fastapi-task' is not "
            f"known until the update runs ({UNKNOWN_DEFINITIONS_FIX})"
        ]
