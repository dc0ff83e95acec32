"""The edge hardening each stack registers, asserted by value under Pulumi's mocks (no AWS):
the ALB's access-log bucket, the VPC's flow logs, the WAF web ACL and the confused-deputy guard
on the task role. The program runs for real (__main__.py, infra/); only the engine is mocked.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from fargate_spec import edge
from testkit.program_capture import ACCOUNT_ID, CapturedStack, capture_stack
from tests.infra.conftest import STACKS

ALB = "aws:lb/loadBalancer:LoadBalancer"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
# Stack: access-log expiry days, flow-log retention days (Pulumi.<stack>.yaml).
RETENTION = {"dev": (7, 7), "staging": (30, 30), "prod": (365, 365)}


def guarded(principal: str, source_arn: str) -> dict[str, Any]:
    """The trust statement of a role only this account's `principal` may assume."""
    condition = {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": source_arn},
    }
    return {
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }


def trust_statement(role: Any) -> dict[str, Any]:
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    return statement


def test_access_log_bucket_is_private_encrypted_and_expires_logs_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """ELB User Guide, "Enable access logs for your Application Load Balancer": the bucket is in
    the load balancer's region and SSE-S3 (AES256) is the only encryption ELB delivers to; logs
    land under <bucket>/<prefix>/AWSLogs/<account>/ ("Access log files")."""
    bucket = stack.one(BUCKET)
    name = f"fastapi-{stack.stack}-alb-logs-{ACCOUNT_ID}"
    assert bucket.inputs["bucket"] == name
    assert stack.one(PUBLIC_ACCESS).inputs == {
        "bucket": name,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert stack.one(ENCRYPTION).inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    assert stack.one(LIFECYCLE).inputs["rules"] == [
        {
            "id": "expire-access-logs",
            "status": "Enabled",
            "filter": {"prefix": "alb/"},
            "expiration": {"days": RETENTION[stack.stack][0]},
        }
    ]
    alb = stack.one(ALB)
    assert alb.inputs["accessLogs"] == {"bucket": name, "prefix": "alb", "enabled": True}
    # ELB checks its write permission when logs are turned on: the ALB waits for the policy.
    assert stack.one(BUCKET_POLICY).urn in alb.dependencies


def test_bucket_policy_names_the_regions_elb_account_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """eu-west-1 predates August 2022, so ELB delivers as its regional account 156460612806
    (ELB User Guide, step 2 of "Enable access logs"; terraform-provider-aws
    internal/service/elb/service_account_data_source.go, accountIDPerRegionMap)."""
    policy = json.loads(stack.one(BUCKET_POLICY).inputs["policy"])
    bucket = stack.one(BUCKET).inputs["bucket"]
    assert policy["Statement"] == [
        {
            "Sid": "ElbAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::156460612806:root"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/alb/AWSLogs/{ACCOUNT_ID}/*",
        }
    ]


def test_a_newer_region_grants_the_log_delivery_service_principal_under_pulumi_mocks() -> None:
    """Regions opened from August 2022 on (ap-south-2 here) have no ELB account; the bucket
    policy names logdelivery.elasticloadbalancing.amazonaws.com instead (ELB User Guide,
    step 2 of "Enable access logs"; the region is absent from terraform-provider-aws's
    accountIDPerRegionMap)."""
    stack = capture_stack("dev", {"aws:region": "ap-south-2"})
    assert stack.error is None
    (statement,) = json.loads(stack.one(BUCKET_POLICY).inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert "ap-south-2" not in edge.ELB_LOG_DELIVERY_ACCOUNTS


def test_flow_logs_record_all_vpc_traffic_through_their_own_role_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """pulumi-aws 7.51.1 `ec2.FlowLog` (vpc_id, traffic_type, log_destination_type
    "cloud-watch-logs", iam_role_arn, max_aggregation_interval 60 or 600); the VPC guide's
    "IAM role for publishing flow logs to CloudWatch Logs" names the principal
    vpc-flow-logs.amazonaws.com and the aws:SourceAccount/aws:SourceArn guard."""
    flow_log = stack.one(FLOW_LOG)
    group = stack.named("fastapi-flow-logs")
    role = stack.named("fastapi-flow-logs-role")
    assert flow_log.inputs["vpcId"] == stack.outputs["vpcId"]
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"] == group.outputs["arn"]
    assert flow_log.inputs["iamRoleArn"] == role.outputs["arn"]
    assert flow_log.inputs["maxAggregationInterval"] == 60
    assert group.inputs["name"] == f"/vpc/fastapi-{stack.stack}/flow-logs"
    assert group.inputs["retentionInDays"] == RETENTION[stack.stack][1]
    flow_logs_of_this_account = f"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:vpc-flow-log/*"
    assert trust_statement(role) == guarded(
        "vpc-flow-logs.amazonaws.com", flow_logs_of_this_account
    )
    grant = stack.named("fastapi-flow-logs-policy")
    assert grant.inputs["role"] == role.id
    write = json.loads(grant.inputs["policy"])["Statement"][0]
    assert write["Resource"] == f"{group.outputs['arn']}:*"
    assert grant.urn in flow_log.dependencies  # the role may write before delivery starts


def test_log_bucket_and_flow_logs_follow_the_stacks_protection_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """Pulumi `protect` and `retainOnDelete` from deletionProtection / retainOnDelete; a kept
    bucket is never emptied by destroy (pulumi-aws `s3.Bucket.force_destroy`)."""
    kept = stack.stack == "prod"
    bucket = stack.one(BUCKET)
    group = stack.named("fastapi-flow-logs")
    assert (bucket.protect, bucket.retain_on_delete, bucket.inputs["forceDestroy"]) == (
        kept,
        kept,
        not kept,
    )
    assert (group.protect, group.retain_on_delete) == (kept, kept)
    assert group.inputs["deletionProtectionEnabled"] is kept


@pytest.mark.parametrize("stack_name", ["staging", "prod"])
def test_web_acl_guards_the_alb_with_managed_rules_and_a_rate_limit_under_pulumi_mocks(
    captured: dict[str, CapturedStack], stack_name: str
) -> None:
    """pulumi-aws 7.51.1 `wafv2.WebAcl`: managed rule groups take `override_action` (none keeps
    the group's own block actions, count only counts), other rules an `action`; an ALB's ACL is
    REGIONAL. The rate-based statement counts per IP over WAF's default 5-minute window."""
    stack = captured[stack_name]
    acl = stack.one(WEB_ACL).inputs
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    rules = {rule["name"]: rule for rule in acl["rules"]}
    assert [rule["priority"] for rule in acl["rules"]] == [1, 2, 3]
    for group in (edge.WAF_COMMON_RULE_SET, edge.WAF_KNOWN_BAD_INPUTS_RULE_SET):
        assert rules[group]["statement"] == {
            "managedRuleGroupStatement": {"vendorName": "AWS", "name": group}
        }
        assert rules[group]["overrideAction"] == {"none": {}}
    rate = rules["rate-limit-per-ip"]
    assert rate["statement"] == {"rateBasedStatement": {"limit": 2000, "aggregateKeyType": "IP"}}
    assert rate["action"] == {"block": {}}
    association = stack.one(ASSOCIATION).inputs
    assert association["resourceArn"] == stack.one(ALB).outputs["arn"]
    assert association["webAclArn"] == stack.one(WEB_ACL).outputs["arn"]


def test_each_waf_rule_can_start_in_count_mode_under_pulumi_mocks() -> None:
    stack = capture_stack(
        "prod",
        {
            "wafCommonRuleSetAction": "count",
            "wafKnownBadInputsAction": "count",
            "wafRateLimitAction": "count",
            "wafRateLimit": 10,
        },
    )
    assert stack.error is None
    rules = {rule["name"]: rule for rule in stack.one(WEB_ACL).inputs["rules"]}
    assert rules[edge.WAF_COMMON_RULE_SET]["overrideAction"] == {"count": {}}
    assert rules[edge.WAF_KNOWN_BAD_INPUTS_RULE_SET]["overrideAction"] == {"count": {}}
    assert rules["rate-limit-per-ip"]["action"] == {"count": {}}
    assert rules["rate-limit-per-ip"]["statement"]["rateBasedStatement"]["limit"] == 10


def test_dev_runs_without_waf_and_can_turn_the_edge_logs_off_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    assert captured["dev"].of_type(WEB_ACL) == [] and captured["dev"].of_type(ASSOCIATION) == []
    bare = capture_stack("dev", {"albAccessLogs": False, "flowLogs": False})
    assert bare.error is None
    assert bare.of_type(BUCKET) == [] and bare.of_type(FLOW_LOG) == []
    assert "accessLogs" not in bare.one(ALB).inputs


def test_task_role_trusts_only_this_accounts_ecs_tasks_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """ECS Developer Guide, "Amazon ECS task IAM role": the trust policy may carry
    aws:SourceAccount and aws:SourceArn (arn:aws:ecs:<region>:<account>:*) against the confused
    deputy. The account comes from getCallerIdentity, known in preview."""
    ecs_of_this_account = f"arn:aws:ecs:eu-west-1:{ACCOUNT_ID}:*"
    assert trust_statement(stack.named("fastapi-task-role")) == guarded(
        "ecs-tasks.amazonaws.com", ecs_of_this_account
    )


def test_execution_role_keeps_the_trust_policy_aws_documents_under_pulumi_mocks(
    stack: CapturedStack,
) -> None:
    """ECS Developer Guide, "Amazon ECS task execution IAM role": its trust policy is the bare
    ecs-tasks statement and the page documents no source condition for it, so the program adds
    none (a guard ECS does not expect could stop tasks from starting); the pack's
    ecs-tasks-trust-source-condition skips execution-only roles unless told otherwise."""
    assert trust_statement(stack.named("fastapi-execution-role")) == {
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


def test_bad_edge_keys_are_reported_together_and_nothing_is_created_under_pulumi_mocks() -> None:
    """Bounds: CloudWatch's retention list (fargate_spec.limits); the rate limit 10 to
    2,000,000,000 (terraform-provider-aws internal/service/wafv2/schemas.go,
    rateBasedStatementSchema: IntBetween(10, 2000000000))."""
    result = capture_stack(
        "prod",
        {"flowLogRetentionDays": 45, "wafRateLimit": 5, "wafKnownBadInputsAction": "log"},
    )
    assert isinstance(result.error, pulumi.RunError)
    assert result.resources == ()
    lines = [line for line in str(result.error).splitlines() if line.startswith("  - ")]
    assert [line.split(" = ")[0] for line in lines] == [
        "  - fastapi-fargate:flowLogRetentionDays",
        "  - fastapi-fargate:wafRateLimit",
        "  - fastapi-fargate:wafKnownBadInputsAction",
    ]
    assert "'log': must be one of count, block" in lines[2]


def test_every_stack_has_the_edge_pieces_it_should_under_pulumi_mocks(
    captured: dict[str, CapturedStack],
) -> None:
    counts = {
        name: tuple(
            len(captured[name].of_type(t)) for t in (BUCKET, FLOW_LOG, WEB_ACL, ASSOCIATION)
        )
        for name in STACKS
    }
    assert counts == {"dev": (1, 1, 0, 0), "staging": (1, 1, 1, 1), "prod": (1, 1, 1, 1)}
