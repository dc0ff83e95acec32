"""policy-exemption-valid: named passing and failing stacks, each with one policy-exemption tag
(or none), judged on a pinned day. How an exemption excuses a violation is held by
tests/policy/test_policy_exemptions.py."""

from __future__ import annotations

import pytest

from testkit import policy_fixtures as f
from tests.policy.exemption_cases import (
    TAG,
    TODAY,
    root_task,
)
from tests.policy.rules.cases import Case, policy_tests

pytestmark = pytest.mark.usefixtures("pinned_clock")
POLICY = "policy-exemption-valid"


PASSING: list[Case] = [
    Case("no-tags", [f.task_definition()], []),
    Case("active", [root_task({TAG: "2026-03-31 vendor image runs as root OPS-1234"})], []),
    Case("last-day", [root_task({TAG: f"{TODAY.isoformat()} vendor image"})], []),
    Case(
        "stack-policy",
        [f.load_balancer(tags={"policy-exemption:alb-web-acl": "2026-03-31 internal tool"})],
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "expired",
        [root_task({TAG: "2026-02-28 vendor image"})],
        [
            f"Tag '{TAG}' on task definition 'web-task' must be renewed or removed: it expired "
            "on 2026-02-28, so ecs-container-non-root applies again; fix the violation, or set a "
            "new date and reason."
        ],
    ),
    Case(
        "not-a-date",
        [root_task({TAG: "soon vendor image"})],
        ["must have a value of the form 'YYYY-MM-DD <reason>', but 'soon' is not a date"],
    ),
    Case(
        "no-reason",
        [root_task({TAG: "2026-03-20"})],
        ["it gives no reason after the date (value '2026-03-20')"],
    ),
    Case(
        "misnamed",
        [root_task({"policy-exemption:ecs-container-nonroot": "2026-03-31 vendor image"})],
        ["'ecs-container-nonroot' names none: use 'ecs-container-non-root'."],
    ),
    Case(
        "exempts-itself",
        [root_task({f"policy-exemption:{POLICY}": "2026-03-31 no checks please"})],
        ["'policy-exemption-valid' names none"],
    ),
    Case(
        "too-long",
        [root_task({TAG: "2026-12-31 vendor image"})],
        ["must expire by 2026-05-30 (90 days from today, ecs-container-non-root's"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
