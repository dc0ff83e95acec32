"""policy-exemption-active: named passing and failing stacks, judged on a pinned day. Its
"violations" are the advisory notes it gives for each exemption in force; a stack passes when no
exemption is in force. How an exemption excuses a violation is held by
tests/policy/test_policy_exemptions.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fargate_policies.readers import exemptions
from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, check_case, ids

POLICY = "policy-exemption-active"
TODAY = date(2026, 3, 1)
TAG = "policy-exemption:ecs-container-non-root"
ROOT_VIOLATION = (
    "Container 'app' in task definition 'web-task' must not run as root (user 'root'; it names "
    "root): set user to a non-root UID such as '1000:1000'."
)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exemptions, "today", lambda: TODAY)


def root_task(tags: dict[str, Any]) -> Resource:
    return f.task_definition([f.container(user="root")], tags=tags)


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


@pytest.mark.parametrize("case", PASSING, ids=ids(PASSING))
def test_passes(case: Case) -> None:
    check_case(POLICY, case)


@pytest.mark.parametrize("case", FAILING, ids=ids(FAILING))
def test_fails(case: Case) -> None:
    check_case(POLICY, case)
