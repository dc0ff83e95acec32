"""Trust policies for roles an AWS service assumes, with AWS's confused-deputy guard.

A service principal such as ecs-tasks.amazonaws.com acts for every AWS customer. Without a
condition, any account's tasks could be handed this role by someone allowed to pass it;
`aws:SourceAccount` and `aws:SourceArn` limit the service to acting for this account's own
resources (IAM User Guide, "The confused deputy problem").
"""

from __future__ import annotations

import json

import pulumi

from fargate_spec import edge
from infra.account import AwsAccount


def trust_policy(
    principal: str, source_account: str | None = None, source_arn: str | None = None
) -> dict[str, object]:
    """The one-statement trust policy; guarded when the source account and ARN are given."""
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "sts:AssumeRole",
    }
    if source_account and source_arn:
        statement["Condition"] = {
            "StringEquals": {edge.SOURCE_ACCOUNT_KEY: source_account},
            "ArnLike": {edge.SOURCE_ARN_KEY: source_arn},
        }
    return {"Version": "2012-10-17", "Statement": [statement]}


def guarded_trust_policy(
    principal: str, account: AwsAccount, service: str, resource: str
) -> pulumi.Output[str]:
    """The trust policy as JSON, limited to `arn:<partition>:<service>:<region>:<account>:
    <resource>` of this account (e.g. ecs, "*": any of the account's ECS resources)."""
    source_arn = account.arn(service, resource)
    return pulumi.Output.all(account.account_id, source_arn).apply(
        lambda values: json.dumps(trust_policy(principal, values[0], values[1]))
    )
