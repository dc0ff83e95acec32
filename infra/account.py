"""The AWS account and partition the stack deploys into, read once from the provider.

Trust and bucket policies name them (aws:SourceAccount, the log delivery path). Both come from
data sources the provider answers from its credentials alone, so they are known in preview.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsAccount:
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    region: str

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
        region = self.region if regional else ""
        return pulumi.Output.all(self.partition, self.account_id).apply(
            lambda values: f"arn:{values[0]}:{service}:{region}:{values[1]}:{resource}"
        )


def current_account(region: str) -> AwsAccount:
    identity = aws.get_caller_identity_output()
    partition = aws.get_partition_output()
    return AwsAccount(identity.account_id, partition.partition, region)
