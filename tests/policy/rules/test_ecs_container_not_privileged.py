"""ecs-container-not-privileged: checks whether every container runs unprivileged.

Named passing and failing cases, one resource (or small stack) each."""

from __future__ import annotations

import pytest

from tests.policy.rules.cases import Case, awsx, check_case, ids, td

POLICY = "ecs-container-not-privileged"

PASSING: list[Case] = [
    Case("absent", td(), []),
    Case("false", td(privileged=False), []),
    Case("awsx-false", awsx(privileged=False), []),
]

FAILING: list[Case] = [
    Case(
        "true",
        td(privileged=True),
        [
            "Container 'app' in task definition 'web-task' must not be privileged "
            "(privileged true): remove privileged or set it to false."
        ],
    ),
    Case("string", td(privileged="true"), ["(privileged 'true')"]),
    Case("awsx-true", awsx(privileged=True), ["in service 'web' must not be"]),
]


@pytest.mark.parametrize("case", PASSING, ids=ids(PASSING))
def test_passes(case: Case) -> None:
    check_case(POLICY, case)


@pytest.mark.parametrize("case", FAILING, ids=ids(FAILING))
def test_fails(case: Case) -> None:
    check_case(POLICY, case)
