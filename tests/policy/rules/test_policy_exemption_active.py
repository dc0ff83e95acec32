"""policy-exemption-active: named passing and failing stacks, judged on a pinned day. Its
"violations" are the advisory notes it gives for each exemption in force; a stack passes when no
exemption is in force. How an exemption excuses a violation is held by
tests/policy/test_policy_exemptions.py."""

from __future__ import annotations

import pytest

from testkit import policy_fixtures as f
from tests.policy.exemption_cases import (
    ROOT_VIOLATION,
    TAG,
    TODAY,
    root_task,
)
from tests.policy.rules.cases import Case, policy_tests

pytestmark = pytest.mark.usefixtures("pinned_clock")
POLICY = "policy-exemption-active"


PASSING: list[Case] = [
    Case("no-tags", [root_task({})], []),
    Case("expired", [root_task({TAG: "2026-02-28 vendor image"})], []),
    Case(
        "misnamed",
        [root_task({"policy-exemption:ecs-container-nonroot": "2026-03-31 vendor image"})],
        [],
    ),
    Case("malformed", [root_task({TAG: "soon vendor image"})], []),
]

FAILING: list[Case] = [
    Case(
        "active",
        [root_task({TAG: "2026-03-31 vendor image runs as root OPS-1234"})],
        [
            "Task definition 'web-task' is exempt from ecs-container-non-root until 2026-03-31 "
            f"(vendor image runs as root OPS-1234); advisory until then: {ROOT_VIOLATION}"
        ],
    ),
    Case(
        "excuses-nothing",
        [f.task_definition(tags={TAG: "2026-03-31 vendor image"})],
        [
            "Task definition 'web-task' is exempt from ecs-container-non-root until 2026-03-31 "
            "(vendor image); advisory until then: its violations of ecs-container-non-root must "
            "be fixed by then."
        ],
    ),
    Case(
        "last-day",
        [root_task({TAG: f"{TODAY.isoformat()} vendor image"})],
        ["is exempt from ecs-container-non-root until 2026-03-01 (vendor image)"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
