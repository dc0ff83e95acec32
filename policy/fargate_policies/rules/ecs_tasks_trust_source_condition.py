"""Roles that ECS tasks assume carry AWS's confused-deputy guard: a trust policy that lets
ecs-tasks.amazonaws.com assume them only for this account's resources (`aws:SourceAccount`
and/or `aws:SourceArn`), as the ECS guide's "Amazon ECS task IAM role" recommends.

AWS documents the guard for task roles. Its task execution role page shows the bare
ecs-tasks trust policy and documents no source condition, so a role that the stack's task
definitions use only as an execution role is left alone unless `checkExecutionRoles` is on.
Roles no task definition of the stack names are checked: they could be used either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, stack_policy, upper_first
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.stack import StackGraph, StackResource
from fargate_policies.readers.values import is_unknown, plain_json
from fargate_spec.edge import ECS_TASKS_PRINCIPAL, SOURCE_ACCOUNT_KEY, SOURCE_ARN_KEY

_KNOBS = {
    "checkExecutionRoles": Knob(
        "boolean", False, "Also require the guard on roles used only as task execution roles."
    ),
    "requireBoth": Knob(
        "boolean", False, "Require both aws:SourceAccount and aws:SourceArn (not either)."
    ),
}
_EXAMPLE = (
    "{StringEquals: {aws:SourceAccount: '<account>'}, ArnLike: {aws:SourceArn: "
    "'arn:aws:ecs:<region>:<account>:*'}}"
)


@stack_policy(EnforcementLevel.ADVISORY, "ecs-tasks-trust-source-condition", _KNOBS)
def ecs_tasks_trust_source(resources: list, knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether every role that ECS tasks may assume limits ecs-tasks.amazonaws.com to this
    account's resources with an aws:SourceAccount or aws:SourceArn condition."""
    graph = StackGraph(resources)
    execution_only = set() if knobs["checkExecutionRoles"] else _execution_only_roles(graph)
    wanted = (SOURCE_ACCOUNT_KEY, SOURCE_ARN_KEY)
    for role in graph.of_type(rt.IAM_ROLE):
        if role.urn in execution_only:
            continue
        for number, statement in _ecs_tasks_statements(role, findings):
            present = _condition_keys(statement)
            missing = [key for key in wanted if key.lower() not in present]
            enough = not missing if knobs["requireBoth"] else len(missing) < len(wanted)
            if not enough:
                findings.violation(
                    f"{upper_first(role.owner)} must let {ECS_TASKS_PRINCIPAL} assume it only "
                    f"{_required(knobs['requireBoth'])} (trust statement #{number} "
                    f"{_lacking(missing, knobs['requireBoth'])}): add a Condition such as "
                    f"{_EXAMPLE}, so only this account's tasks can use it (confused deputy).",
                    role.urn,
                )


def _required(both: bool) -> str:
    if both:
        return f"under both {SOURCE_ACCOUNT_KEY} and {SOURCE_ARN_KEY} conditions"
    return f"under an {SOURCE_ACCOUNT_KEY} or {SOURCE_ARN_KEY} condition"


def _lacking(missing: list[str], both: bool) -> str:
    return f"lacks {' and '.join(missing)}" if both else "has neither"


def _execution_only_roles(graph: StackGraph) -> set[str]:
    """Roles the stack's task definitions name as executionRoleArn and never as taskRoleArn.
    A reference that cannot be followed leaves its role checked."""
    used: dict[str, set[str]] = {"executionRoleArn": set(), "taskRoleArn": set()}
    for task in graph.of_type(rt.TASK_DEFINITION):
        for key, urns in used.items():
            refs = graph.refs(task, key, task.props.get(key), rt.IAM_ROLE)
            if not is_unknown(refs):
                urns |= {role.urn for role in refs.resources}
    return used["executionRoleArn"] - used["taskRoleArn"]


def _ecs_tasks_statements(
    role: StackResource, findings: Findings
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based number, statement) of each Allow statement that lets ecs-tasks assume the role."""
    document = _document(role, findings)
    statements = document.get("Statement") if isinstance(document, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements
    for number, statement in enumerate(statements or [], start=1):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if _names_ecs_tasks(statement.get("Principal")) and _assumes(statement.get("Action")):
            yield number, statement


def _document(role: StackResource, findings: Findings) -> Any:
    policy = role.props.get("assumeRolePolicy")
    if is_unknown(policy):
        findings.skip(role.not_known("assumeRolePolicy"))
        return None
    if isinstance(policy, str):
        try:
            policy = plain_json(policy)
        except ValueError:
            return None  # IAM refuses a trust policy that is not JSON: nothing to guard
    if is_unknown(policy) or (isinstance(policy, dict) and _has_unknown(policy)):
        findings.skip(role.not_known("part of assumeRolePolicy"))
        return None
    return policy


def _has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_unknown(item) for item in value)
    return False


def _names_ecs_tasks(principal: Any) -> bool:
    services = principal.get("Service") if isinstance(principal, dict) else None
    services = [services] if isinstance(services, str) else services
    return isinstance(services, list) and ECS_TASKS_PRINCIPAL in services


def _assumes(action: Any) -> bool:
    actions = [action] if isinstance(action, str) else action
    return isinstance(actions, list) and any(
        isinstance(a, str) and a.lower() in ("sts:assumerole", "sts:*", "*") for a in actions
    )


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    """The condition keys a statement tests, lower-cased (IAM condition keys ignore case)."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return set()
    return {
        str(key).lower() for test in condition.values() if isinstance(test, dict) for key in test
    }
