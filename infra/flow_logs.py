"""VPC flow logs: every accepted and rejected flow to a CloudWatch log group, written through a
role of their own that only this account's flow logs may assume."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from fargate_spec import edge
from infra.account import AwsAccount
from infra.component import BuiltComponent, Keep
from infra.trust import guarded_trust_policy

if TYPE_CHECKING:
    from infra.settings import Settings

# Seconds of traffic one flow log record aggregates at most (60 or 600); 60 shows an incident
# within a minute.
AGGREGATION_SECONDS = 60


@dataclass(frozen=True)
class FlowLogsArgs:
    """Inputs of the flow logs; defaults are the settings' (infra.settings)."""

    account: AwsAccount
    vpc_id: pulumi.Input[str]
    log_group_name: str
    retention_days: int
    keep: Keep
    """Pulumi `protect` (and CloudWatch deletion protection) and retain-on-delete of the group."""
    tags: Mapping[str, str]


class FlowLogs(BuiltComponent[FlowLogsArgs]):
    """Log group + role (and its policy) + the VPC's flow log."""

    TYPE = "fastapi-fargate:flowlogs:FlowLogs"
    log_group: aws.cloudwatch.LogGroup
    """`/vpc/<stack>/flow-logs`, retained as flowLogRetentionDays says."""
    role: aws.iam.Role
    flow_log: aws.ec2.FlowLog

    def _build(self) -> dict[str, Any]:
        self.log_group = self._log_group()
        self.role = self._role()
        grant = self._grant()
        # The flow log starts delivering at once: its role must already hold the grant.
        self.flow_log = self._flow_log(depends_on=[grant])
        return {"logGroupName": self.log_group.name, "flowLogId": self.flow_log.id}

    def _log_group(self) -> aws.cloudwatch.LogGroup:
        args = self._args
        return aws.cloudwatch.LogGroup(
            self._child_name("flow-logs"),
            name=args.log_group_name,
            retention_in_days=args.retention_days,
            deletion_protection_enabled=args.keep.protect,
            tags=dict(args.tags),
            opts=self._child(
                protect=args.keep.protect, retain_on_delete=args.keep.retain_on_delete
            ),
        )

    def _role(self) -> aws.iam.Role:
        # VPC guide, "IAM role for publishing flow logs to CloudWatch Logs": the trust policy
        # may name aws:SourceAccount and aws:SourceArn (arn:...:ec2:<region>:<account>:
        # vpc-flow-log/*) against the confused deputy.
        trust = guarded_trust_policy(
            edge.VPC_FLOW_LOGS_PRINCIPAL, self._args.account, "ec2", "vpc-flow-log/*"
        )
        return aws.iam.Role(
            self._child_name("flow-logs-role"),
            description="VPC flow logs: write to the stack's flow log group",
            assume_role_policy=trust,
            tags=dict(self._args.tags),
            opts=self._child(),
        )

    def _grant(self) -> aws.iam.RolePolicy:
        policy = self.log_group.arn.apply(lambda arn: json.dumps(flow_log_policy(arn)))
        return aws.iam.RolePolicy(
            self._child_name("flow-logs-policy"),
            role=self.role.id,
            policy=policy,
            opts=self._child(),
        )

    def _flow_log(self, depends_on: list[pulumi.Resource]) -> aws.ec2.FlowLog:
        return aws.ec2.FlowLog(
            self._child_name("flow-log"),
            vpc_id=self._args.vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.log_group.arn,
            iam_role_arn=self.role.arn,
            max_aggregation_interval=AGGREGATION_SECONDS,
            tags=dict(self._args.tags),
            opts=self._child(depends_on=depends_on),
        )


def flow_log_policy(log_group_arn: str) -> dict[str, object]:
    """Streams and events in the flow log group; DescribeLogGroups takes no resource scope."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            {
                "Sid": "FindLogGroup",
                "Effect": "Allow",
                "Action": ["logs:DescribeLogGroups"],
                "Resource": "*",
            },
        ],
    }


def create_flow_logs(
    settings: Settings, account: AwsAccount, vpc_id: pulumi.Input[str]
) -> FlowLogs | None:
    """The VPC's flow logs, or None where flowLogs is off (dev only)."""
    if not settings.flow_logs:
        return None
    args = FlowLogsArgs(
        account=account,
        vpc_id=vpc_id,
        log_group_name=f"/vpc/{settings.physical_name}/flow-logs",
        retention_days=settings.flow_log_retention_days,
        keep=Keep.of(settings),
        tags=settings.tags,
    )
    return FlowLogs(settings.service_name, args)
