"""What the pack remembers between calls changes no answer.

The SDK's analyzer calls every policy with the same resource, each time with fresh objects:
pulumi-policy 1.21.0, policy.py `_PolicyAnalyzerServicer.Analyze` converts the request's
properties again for each policy, and `_get_policy_config` hands each call `config.copy()`. So
the pack remembers what depends only on values it can compare (a task definition's
containerDefinitions text, a URN, a policy's config): these tests hold that a remembered answer
is the one a fresh read gives, and that a config is remembered no less strictly than
`read_knobs` reads it.
"""

from __future__ import annotations

import json

import pytest

from fargate_policies.framework import PolicyConfigError
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.containers import read_task
from fargate_policies.readers.exemptions import EXEMPTIBLE_KNOB
from fargate_policies.readers.values import UNKNOWN_SENTINELS, clear_caches
from testkit import policy_fixtures as f
from testkit.policy_harness import check_resource

AWSX_PARENT = "urn:pulumi:dev::fargate::awsx:ecs:FargateService::web"


def test_a_boolean_knob_given_the_number_1_fails_after_true_was_read() -> None:
    """True == 1 in Python, but 1 is no boolean: a remembered config must not excuse it."""
    task = f.task_definition()
    assert check_resource("ecs-container-non-root", task, {EXEMPTIBLE_KNOB: True}).skipped == []
    with pytest.raises(PolicyConfigError, match="must be a boolean, not 1"):
        check_resource("ecs-container-non-root", task, {EXEMPTIBLE_KNOB: 1})
    with pytest.raises(PolicyConfigError, match="must be a boolean, not 1"):
        check_resource("ecs-container-non-root", task, {EXEMPTIBLE_KNOB: 1})  # not remembered


def test_an_integer_array_knob_given_true_fails_after_1_was_read() -> None:
    task = f.task_definition()
    check_resource("ecs-container-non-root", task, {"allowedUids": [1]})
    with pytest.raises(PolicyConfigError, match="must be an array of integer values"):
        check_resource("ecs-container-non-root", task, {"allowedUids": [True]})


@pytest.mark.parametrize(
    "definitions",
    [
        json.dumps([f.container()]),
        json.dumps([f.container(name="a"), f.container(name="a")]),  # a name used twice
        json.dumps([f.container(environment=[{"value": "x"}])]),  # an entry without a name
        json.dumps([f.container(user=sorted(UNKNOWN_SENTINELS)[0])]),
        "not json",
        "[]",
    ],
    ids=["compliant", "duplicate", "environment", "unknown", "not-json", "empty"],
)
def test_a_remembered_task_is_the_task_a_fresh_read_gives(definitions: str) -> None:
    props = {**f.task_definition().inputs, "containerDefinitions": definitions}
    clear_caches()
    fresh = read_task(rt.TASK_DEFINITION, "web", props, AWSX_PARENT)
    again = read_task(rt.TASK_DEFINITION, "web", props, AWSX_PARENT)
    other_owner = read_task(rt.TASK_DEFINITION, "api", props)
    clear_caches()
    assert again == fresh == read_task(rt.TASK_DEFINITION, "web", props, AWSX_PARENT)
    assert again is not fresh and again.containers is not fresh.containers  # lists of its own
    # The same text under another name reads as that task's, not the first one's.
    assert other_owner.owner == "task definition 'api'"
    assert all(c.owner == "task definition 'api'" for c in other_owner.containers)
    assert all("'api'" in text for text in other_owner.problems + other_owner.malformed)
