"""What the end-to-end stack policies' cases share: each case is the program's prod stack
(captured under the Pulumi mocks, the `prod` fixture of tests/policy/conftest.py) with one change
(a `Mutate` of tests/policy/test_policy_mutations.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from testkit.policy_harness import Resource, check_stack
from tests.policy.test_policy_mutations import TASK, Mutate, edit

SPOT = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
APP = "Container 'app' in task definition 'fastapi-task'"


def keep(resources: list[Resource]) -> list[Resource]:
    return resources


def without_env(name: str) -> Mutate:
    """Remove one environment variable from the app container."""

    def change(values: dict[str, Any]) -> dict[str, Any]:
        definitions = json.loads(values["containerDefinitions"])
        env = definitions[0]["environment"]
        definitions[0]["environment"] = [e for e in env if e["name"] != name]
        return {**values, "containerDefinitions": json.dumps(definitions)}

    return edit(TASK, change)


def check_passing(policy: str, resources: list[Resource], config: dict[str, Any]) -> None:
    outcome = check_stack(policy, resources, config)
    assert outcome.violations == [] and outcome.skipped == [], outcome


def check_failing(
    policy: str,
    resources: list[Resource],
    config: dict[str, Any],
    fragments: str | tuple[str, ...],
) -> None:
    """One violation per fragment, in order, each naming the resource to change."""
    fragments = fragments if isinstance(fragments, tuple) else (fragments,)
    outcome = check_stack(policy, resources, config)
    assert len(outcome.violations) == len(fragments), outcome
    for message, fragment in zip(outcome.violations, fragments, strict=True):
        assert fragment in message, outcome
    assert all(outcome.urns), "a stack violation names the resource to change"


Passing = tuple[str, Mutate, dict[str, Any]]
Failing = tuple[str, Mutate, dict[str, Any], str | tuple[str, ...]]


def chain_tests(
    policy: str, passing: list[Passing], failing: list[Failing]
) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two tests of a stack policy's module (`test_passes, test_fails = chain_tests(...)`),
    each case the prod stack with its one change."""

    @pytest.mark.parametrize("case", passing, ids=[case[0] for case in passing])
    def test_passes(prod: list[Resource], case: Passing) -> None:
        _name, mutate, config = case
        check_passing(policy, mutate(prod), config)

    @pytest.mark.parametrize("case", failing, ids=[case[0] for case in failing])
    def test_fails(prod: list[Resource], case: Failing) -> None:
        _name, mutate, config, fragments = case
        check_failing(policy, mutate(prod), config, fragments)

    return test_passes, test_fails
