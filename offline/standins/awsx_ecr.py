"""The `awsx:ecr:Repository` stand-in: an `aws:ecr:Repository` and its lifecycle policy, named
and defaulted as awsx 3.11.0 does.

Follows pulumi-awsx awsx/ecr/repository.ts (snapshot e60adf3c; last changed by 918acb22, which
passes `region` to the lifecycle policy, before v3.8.0). Children of the component `<name>`:
`aws:ecr:Repository <name in lower case>` with every other input, and unless
`lifecyclePolicy.skip` an `aws:ecr:LifecyclePolicy <name in lower case>` whose document expires
untagged images beyond one (awsx's default rule) or the given rules, an "any" rule placed last.
awsx adds no scanning or tag-immutability default: ECR's own (no scan on push, MUTABLE) apply.
awsx passes the document as an object and the provider's Check turns it into a JSON string
(pulumi-aws maps the input with TransformJSONDocument: Go's json.Marshal, keys sorted); the
stand-in registers that string.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult

from offline.standins.aws_args import aws_kwargs

TYPE = "awsx:ecr:Repository"
DEFAULT_RULES = [
    {"description": "remove untagged images", "tagStatus": "untagged", "maximumNumberOfImages": 1}
]


def construct_repository(
    name: str, inputs: Mapping[str, Any], options: pulumi.ResourceOptions | None
) -> ConstructResult:
    lifecycle = inputs.get("lifecyclePolicy") or {}
    document = None if lifecycle.get("skip") else _document(lifecycle.get("rules"))
    component = pulumi.ComponentResource(TYPE, name, {}, options)
    under = pulumi.ResourceOptions(parent=component)
    lower = name.lower()
    repo_args = {key: value for key, value in inputs.items() if key != "lifecyclePolicy"}
    repository = aws.ecr.Repository(lower, **aws_kwargs(aws.ecr.Repository, repo_args), opts=under)
    state: dict[str, Any] = {"repository": repository, "url": repository.repository_url}
    if document is not None:
        policy_args: dict[str, Any] = {"repository": repository.name, "policy": document}
        if inputs.get("region") is not None:
            policy_args["region"] = inputs["region"]
        state["lifecyclePolicy"] = aws.ecr.LifecyclePolicy(lower, **policy_args, opts=under)
    component.register_outputs(state)
    return ConstructResult(urn=component.urn, state=state)


def _document(rules: Any) -> Any:
    if rules is None:
        return _json(_convert(DEFAULT_RULES))
    try:
        plain = json.loads(json.dumps(rules))  # an Output anywhere in the rules is refused
    except TypeError:
        return pulumi.Output.from_input(rules).apply(lambda given: _json(_convert(given)))
    # Known now: awsx's error (from an apply) comes before anything is registered.
    return _json(_convert(plain))


def _json(document: dict[str, Any]) -> str:
    return json.dumps(_whole_numbers(document), separators=(",", ":"), sort_keys=True)


def _whole_numbers(value: Any) -> Any:
    """Numbers arrive from the engine as floats; the document holds integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def _convert(rules: list[Mapping[str, Any]]) -> dict[str, Any]:
    """repository.ts convertRules: priorities in order, the one "any" rule last."""
    any_rules = [rule for rule in rules if rule.get("tagStatus") == "any"]
    if len(any_rules) >= 2:
        raise pulumi.InputPropertyError(
            "lifecyclePolicy.rules", 'At most one [selection: "any"] rule can be provided.'
        )
    ordered = [rule for rule in rules if rule.get("tagStatus") != "any"] + any_rules
    return {"rules": [_rule(rule, priority) for priority, rule in enumerate(ordered, start=1)]}


def _rule(rule: Mapping[str, Any], priority: int) -> dict[str, Any]:
    converted: dict[str, Any] = {"rulePriority": priority}
    if rule.get("description") is not None:
        converted["description"] = rule["description"]
    converted["selection"] = {**_tag(rule), **_count(rule)}
    converted["action"] = {"type": "expire"}
    return converted


def _tag(rule: Mapping[str, Any]) -> dict[str, Any]:
    status = rule.get("tagStatus")
    if status in ("any", "untagged"):
        return {"tagStatus": status}
    prefixes = rule.get("tagPrefixList")
    if not prefixes:
        raise pulumi.InputPropertyError("lifecyclePolicy.rules", "tagPrefixList cannot be empty.")
    return {"tagStatus": "tagged", "tagPrefixList": prefixes}


def _count(rule: Mapping[str, Any]) -> dict[str, Any]:
    if rule.get("maximumNumberOfImages") is not None:
        return {"countType": "imageCountMoreThan", "countNumber": rule["maximumNumberOfImages"]}
    if rule.get("maximumAgeLimit") is not None:
        return {
            "countType": "sinceImagePushed",
            "countNumber": rule["maximumAgeLimit"],
            "countUnit": "days",
        }
    raise pulumi.InputPropertyError(
        "lifecyclePolicy.rules",
        "Either [maximumNumberOfImages] or [maximumAgeLimit] must be provided with a rule.",
    )
