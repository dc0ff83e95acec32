"""ecs-task-definition-readable: checks whether a task definition's container definitions are well
formed: valid JSON, one object per container, each with a unique name."""

from __future__ import annotations

import json

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource
from tests.policy.rules.cases import Case, policy_tests, td

POLICY = "ecs-task-definition-readable"

PASSING: list[Case] = [
    Case("json", f.task_definition(), []),
    Case("awsx-single", f.awsx_service(), []),
    Case(
        "awsx-map",
        f.awsx_service(
            task={
                "container": f.DROP,
                "containers": {"app": f.awsx_container(), "xray": f.awsx_container(name=f.DROP)},
            }
        ),
        [],
    ),
    Case(
        "list-not-string",
        Resource(
            "aws:ecs/taskDefinition:TaskDefinition", "t", {"containerDefinitions": [f.container()]}
        ),
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "not-json",
        f.task_definition(containerDefinitions="[{name: app}"),
        [
            "Task definition 'web-task' must set containerDefinitions to a JSON array of "
            "container definitions; it is not valid JSON (Expecting property name enclosed in "
            "double quotes: line 1 column 3 (char 2))."
        ],
    ),
    Case(
        "object",
        f.task_definition(containerDefinitions=json.dumps(f.container())),
        ["must set containerDefinitions to a non-empty JSON array of container definitions, not"],
    ),
    Case("empty", f.task_definition(containerDefinitions="[]"), ["not [] (array)"]),
    Case(
        "element",
        f.task_definition(["app"]),
        ["must make container definition #1 a JSON object, not 'app'"],
    ),
    Case(
        "no-name",
        f.task_definition([f.container(), f.container(name=f.DROP)]),
        ["must give container definition #2 a non-empty string name, not null"],
    ),
    Case("duplicate", f.task_definition([f.container(), f.container()]), ["'app' is used twice"]),
    Case(
        "awsx-both",
        f.awsx_service(task={"containers": {"x": f.awsx_container()}}),
        ["Service 'web' must set exactly one of container or containers, not both."],
    ),
    Case(
        "env-not-list",
        td(environment={"A": "1"}),
        ["must set environment to an array of {name, value} objects"],
    ),
    Case(
        "env-no-name",
        td(environment=[{"value": "1"}]),
        ["must give every environment entry a string name"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
