"""ecs-tasks-trust-source-condition: checks whether every role that ECS tasks may assume limits
ecs-tasks.amazonaws.com to this account's resources with an aws:SourceAccount or aws:SourceArn
condition.

Sources: IAM User Guide, condition keys are case-insensitive; ECS guide "Amazon ECS task IAM
role" (aws:SourceAccount / aws:SourceArn on the trust policy)."""

from __future__ import annotations

from testkit.policy_harness import Resource
from tests.policy.rules.cases import ACCOUNT, Case, policy_tests, role

GUARD = {
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
    "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*"},
}


def uses_roles(execution: str, task: str) -> Resource:
    """A task definition naming its execution and task roles by ARN."""
    arns = {
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{execution}",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{task}",
    }
    return Resource("aws:ecs/taskDefinition:TaskDefinition", "web-task", arns)


POLICY = "ecs-tasks-trust-source-condition"

PASSING: list[Case] = [
    Case("guarded", [role("web-task-role", GUARD)], []),
    Case(
        "account-only",
        [role("web-task-role", {"StringEquals": {"aws:sourceaccount": ACCOUNT}})],
        [],
    ),
    Case("other-service", [role("web-fn", principal="lambda.amazonaws.com")], []),
    Case(
        "bare-execution-role",
        [role("web-exec"), role("web-task-role", GUARD), uses_roles("web-exec", "web-task-role")],
        [],
    ),
]

FAILING: list[Case] = [
    Case(
        "bare-task-role",
        [role("web-task-role")],
        [
            "Role 'web-task-role' must let ecs-tasks.amazonaws.com assume it only under an "
            "aws:SourceAccount or aws:SourceArn condition (trust statement #1 has neither): add "
            "a Condition such as "
            "{StringEquals: {aws:SourceAccount: '<account>'}, ArnLike: {aws:SourceArn: "
            "'arn:aws:ecs:<region>:<account>:*'}}, so only this account's tasks can use it "
            "(confused deputy)."
        ],
    ),
    Case(
        "principal-list",
        [role("web-task-role", principal=["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"])],
        ["Role 'web-task-role' must let ecs-tasks.amazonaws.com assume it only"],
    ),
    Case(
        "execution-role-checked",
        [role("web-exec"), role("web-task-role", GUARD), uses_roles("web-exec", "web-task-role")],
        ["Role 'web-exec' must let ecs-tasks.amazonaws.com assume it only"],
        {"checkExecutionRoles": True},
    ),
    Case(
        "both-required",
        [role("web-task-role", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})],
        [
            "under both aws:SourceAccount and aws:SourceArn conditions "
            "(trust statement #1 lacks aws:SourceArn)"
        ],
        {"requireBoth": True},
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
