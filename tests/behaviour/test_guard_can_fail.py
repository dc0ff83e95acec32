"""The guard can fail: a changed input, a changed finding and a changed plan each come out of
the comparison as the path that changed, with the value before and now.

The stacks case changes the program's input for real (a config override under the Pulumi
mocks); the policy case changes the pack for real (a policy object's report and its declared
enforcement level, monkeypatched on the pulumi_policy objects the harness runs); the plans case
edits a copy of the recorded plan, since a second real-CLI preview of a changed project would
cost a minute for what the same comparison code shows."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from testkit import policy_harness as harness
from tests.behaviour import capture
from tests.behaviour.compare import compare_plans, compare_policy, compare_stacks
from tests.behaviour.diff import differences, report, shown

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
STACK = "pulumi:pulumi:Stack"
NON_ROOT = "ecs-container-non-root"


def _urn_of(resources: dict[str, Any], type_token: str) -> str:
    (urn,) = [urn for urn, resource in resources.items() if resource["type"] == type_token]
    return urn


def test_a_changed_input_is_reported_with_its_resource_and_values() -> None:
    before = {"dev": capture.read("stacks")["dev"]}
    now = {"dev": capture.capture_one_stack("dev", {"cpu": "512", "memory": "1024"})}
    lines = compare_stacks(before, now)
    task = _urn_of(before["dev"]["resources"], TASK_DEFINITION)
    assert f'dev.resources.{task}.inputs.cpu: "256" -> "512"' in lines
    assert f'dev.resources.{task}.inputs.memory: "512" -> "1024"' in lines
    assert "cpu" in report("stacks", lines) and "python -m tests.behaviour capture stacks" in (
        report("stacks", lines)
    )


def _corpus_of(policy: str) -> dict[str, Any]:
    """The baseline cases of one policy that found something, with what they point to."""
    corpus = capture.read("policy")
    cases = {
        case_id: case
        for case_id, case in corpus["cases"].items()
        if case["policy"] == policy and case["violations"]
    }
    subjects = {case["subject"]: corpus["subjects"][case["subject"]] for case in cases.values()}
    used = {key for hashes in subjects.values() for key in hashes}
    resources = {key: corpus["resources"][key] for key in used}
    return {"cases": cases, "subjects": subjects, "resources": resources}


def test_an_unchanged_pack_gives_no_difference_on_the_same_cases() -> None:
    corpus = _corpus_of(NON_ROOT)
    assert len(corpus["cases"]) >= 5
    assert compare_policy(corpus) == []


def test_a_changed_finding_is_reported_with_its_case(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus_of(NON_ROOT)
    policy = harness.POLICIES[NON_ROOT]
    validate = policy.validate

    def reworded(args: Any, report_violation: Any) -> None:
        validate(args, lambda message, urn=None: report_violation(f"{message} (reworded)", urn))

    monkeypatch.setattr(policy, "validate", reworded)
    lines = compare_policy(corpus)
    assert len(lines) == sum(len(case["violations"]) for case in corpus["cases"].values())
    case_id, case = next(iter(corpus["cases"].items()))
    on = corpus["resources"][corpus["subjects"][case["subject"]][0]]["name"]
    message = case["violations"][0]["message"]
    where = f"{NON_ROOT} on {on} [{case_id}].violations[0].message: "
    assert f"{where}{shown(message)} -> {shown(message + ' (reworded)')}" in lines


def test_a_changed_enforcement_level_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus_of(NON_ROOT)
    monkeypatch.setattr(harness.POLICIES[NON_ROOT], "enforcement_level", EnforcementLevel.ADVISORY)
    lines = compare_policy(corpus)
    assert len(lines) == len(corpus["cases"])
    assert all(line.endswith('.enforcementLevel: "mandatory" -> "advisory"') for line in lines)


def test_a_changed_plan_is_reported_with_its_urn_and_values() -> None:
    before = capture.read("plans")
    now = copy.deepcopy(before)
    resources = now["dev"]["resources"]
    task = _urn_of({urn: plan["goal"] for urn, plan in resources.items()}, TASK_DEFINITION)
    resources[task]["ops"] = ["replace"]
    stack = _urn_of({urn: plan["goal"] for urn, plan in resources.items()}, STACK)
    resources[stack]["unknownOutputs"].remove("url")  # the stack's url export became known
    dropped = sorted(resources)[0]
    del resources[dropped]
    lines = compare_plans(before, now)
    assert f'dev.resources.{task}.ops[0]: "create" -> "replace"' in lines
    assert any(line.startswith(f"dev.resources.{stack}.unknownOutputs[") for line in lines)
    assert any(line.startswith(f"dev.resources.{dropped}: removed (was ") for line in lines)


def test_a_change_inside_a_json_string_reads_as_the_field_that_changed() -> None:
    before = {"containerDefinitions": json.dumps([{"name": "app", "user": "1000:1000"}])}
    now = {"containerDefinitions": json.dumps([{"name": "app", "user": "0"}])}
    assert differences(before, now) == ['containerDefinitions<json>[0].user: "1000:1000" -> "0"']


def test_the_plan_records_where_outputs_are_unknown() -> None:
    state = {"arn": capture.UNKNOWN, "name": "x", "tags": {"a": capture.UNKNOWN}, "l": [1, None]}
    assert capture.unknown_paths(state) == ["arn", "tags.a"]
    dev = capture.read("plans")["dev"]["resources"]
    task = _urn_of({urn: plan["goal"] for urn, plan in dev.items()}, TASK_DEFINITION)
    assert dev[task]["unknownOutputs"] == ["executionRoleArn", "taskRoleArn"]  # role ARNs
    stack = _urn_of({urn: plan["goal"] for urn, plan in dev.items()}, STACK)
    assert "url" in dev[stack]["unknownOutputs"] and "imageUri" not in dev[stack]["unknownOutputs"]
