"""The ALB's access logs: a private, encrypted S3 bucket of the stack that expires its logs,
with the bucket policy the region's ELB log delivery needs."""

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

if TYPE_CHECKING:
    from infra.settings import Settings

# Logs land under <bucket>/alb/AWSLogs/<account>/elasticloadbalancing/<region>/...
# (ELB User Guide, "Access log files"); the prefix must not contain "AWSLogs".
LOG_PREFIX = "alb"
BUCKET_NAME_MAX = 63
_SUFFIX = "-alb-logs-"  # + the 12-digit account: bucket names are global


@dataclass(frozen=True)
class AccessLogBucketArgs:
    """Inputs of the access-log bucket; defaults are the settings' (infra.settings)."""

    account: AwsAccount
    name_prefix: str
    """The stack's physical name; the bucket is `<prefix>-alb-logs-<account>`."""
    expiry_days: int
    keep: Keep
    """Pulumi `protect` (S3 has no deletion-protection flag of its own) and retain-on-delete;
    a bucket that is not kept is emptied by destroy."""
    tags: Mapping[str, str]


class AccessLogBucket(BuiltComponent[AccessLogBucketArgs]):
    """Bucket + public access block + SSE-S3 + lifecycle expiry + ELB delivery policy."""

    TYPE = "fastapi-fargate:accesslogs:AccessLogBucket"
    bucket: aws.s3.Bucket
    """Named `<stack>-alb-logs-<account>`: bucket names are global."""
    policy: aws.s3.BucketPolicy

    def _build(self) -> dict[str, Any]:
        self.bucket = self._bucket()
        public_access = self._public_access_block()
        self._encryption()
        self._lifecycle()
        # S3 refuses concurrent bucket-configuration changes; the policy goes in last.
        self.policy = self._policy(depends_on=[public_access])
        return {"bucketName": self.bucket.bucket, "prefix": LOG_PREFIX}

    def load_balancer_access_logs(self) -> aws.lb.LoadBalancerAccessLogsArgs:
        """What the ALB's `access_logs` takes; create the ALB after `self.policy`, since ELB
        checks that it may write to the bucket when access logs are turned on."""
        return aws.lb.LoadBalancerAccessLogsArgs(
            bucket=self.bucket.bucket, prefix=LOG_PREFIX, enabled=True
        )

    def _bucket(self) -> aws.s3.Bucket:
        args = self._args
        stem = args.name_prefix[: BUCKET_NAME_MAX - len(_SUFFIX) - 12].rstrip("-")
        return aws.s3.Bucket(
            self._child_name("access-logs"),
            bucket=args.account.account_id.apply(lambda account: f"{stem}{_SUFFIX}{account}"),
            force_destroy=not args.keep.retain_on_delete,
            tags=dict(args.tags),
            opts=self._child(
                protect=args.keep.protect, retain_on_delete=args.keep.retain_on_delete
            ),
        )

    def _public_access_block(self) -> aws.s3.BucketPublicAccessBlock:
        return aws.s3.BucketPublicAccessBlock(
            self._child_name("access-logs-public-access"),
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child(),
        )

    def _encryption(self) -> aws.s3.BucketServerSideEncryptionConfiguration:
        by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(  # noqa: E501 - the SDK's name
            sse_algorithm=edge.ACCESS_LOG_ENCRYPTION
        )
        return aws.s3.BucketServerSideEncryptionConfiguration(
            self._child_name("access-logs-encryption"),
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=by_default
                )
            ],
            opts=self._child(),
        )

    def _lifecycle(self) -> aws.s3.BucketLifecycleConfiguration:
        return aws.s3.BucketLifecycleConfiguration(
            self._child_name("access-logs-expiry"),
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(
                        prefix=f"{LOG_PREFIX}/"
                    ),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=self._args.expiry_days
                    ),
                )
            ],
            opts=self._child(),
        )

    def _policy(self, depends_on: list[pulumi.Resource]) -> aws.s3.BucketPolicy:
        account = self._args.account
        document = pulumi.Output.all(
            self.bucket.bucket, account.account_id, account.partition
        ).apply(
            lambda values: json.dumps(
                delivery_policy(values[0], values[1], values[2], account.region)
            )
        )
        return aws.s3.BucketPolicy(
            self._child_name("access-logs-policy"),
            bucket=self.bucket.id,
            policy=document,
            opts=self._child(depends_on=depends_on),
        )


def delivery_policy(bucket: str, account_id: str, partition: str, region: str) -> dict:
    """ELB may put objects under this account's log path, and nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ElbAccessLogDelivery",
                "Effect": "Allow",
                "Principal": edge.elb_log_delivery_principal(region, partition),
                "Action": "s3:PutObject",
                "Resource": f"arn:{partition}:s3:::{bucket}/{LOG_PREFIX}/AWSLogs/{account_id}/*",
            }
        ],
    }


def create_access_logs(settings: Settings, account: AwsAccount) -> AccessLogBucket | None:
    """The stack's access-log bucket, or None where albAccessLogs is off (dev only)."""
    if not settings.alb_access_logs:
        return None
    args = AccessLogBucketArgs(
        account=account,
        name_prefix=settings.physical_name,
        expiry_days=settings.alb_access_log_expiry_days,
        keep=Keep.of(settings),
        tags=settings.tags,
    )
    return AccessLogBucket(settings.service_name, args)
