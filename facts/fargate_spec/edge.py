"""Facts about the hardening around the service: ALB access logs, VPC flow logs, WAF and the
trust policies of the roles AWS services assume. The program builds these resources from them
and the policy pack checks them against the same facts.
"""

from __future__ import annotations

from fargate_spec.limits import Bounds

# --- IAM service principals and the confused-deputy condition keys --------------------------
ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"
VPC_FLOW_LOGS_PRINCIPAL = "vpc-flow-logs.amazonaws.com"
# The global condition keys AWS recommends on a role a service assumes, so the service can only
# assume it on behalf of this account's own resources (IAM User Guide, "The confused deputy
# problem"; ECS Developer Guide, "Amazon ECS task IAM role").
SOURCE_ACCOUNT_KEY = "aws:SourceAccount"
SOURCE_ARN_KEY = "aws:SourceArn"
SOURCE_CONDITION_KEYS = (SOURCE_ACCOUNT_KEY, SOURCE_ARN_KEY)

# --- ALB access logs ---------------------------------------------------------------------
# Regions that existed before August 2022 deliver ALB access logs as a regional ELB account,
# which the bucket policy names as an AWS principal; newer regions deliver as this service
# principal (ELB User Guide, "Enable access logs for your Application Load Balancer", step 2).
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
# The per-region ELB accounts, as terraform-provider-aws lists them for aws_elb_service_account
# (internal/service/elb/service_account_data_source.go, accountIDPerRegionMap).
ELB_LOG_DELIVERY_ACCOUNTS: dict[str, str] = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}
# ALB access logs support SSE-S3 only; SSE-KMS buckets receive no logs (same ELB guide, step 1).
ACCESS_LOG_ENCRYPTION = "AES256"


def elb_log_delivery_principal(region: str, partition: str) -> dict[str, str]:
    """The bucket-policy principal that delivers a region's ALB access logs."""
    account = ELB_LOG_DELIVERY_ACCOUNTS.get(region)
    if account is None:
        return {"Service": ELB_LOG_DELIVERY_SERVICE}
    return {"AWS": f"arn:{partition}:iam::{account}:root"}


# --- VPC flow logs -----------------------------------------------------------------------
FLOW_LOG_TRAFFIC_TYPES = ("ACCEPT", "REJECT", "ALL")

# --- WAF ---------------------------------------------------------------------------------
# A rate-based rule's limit: requests per evaluation window (5 minutes by default) from one IP.
# terraform-provider-aws validates it as IntBetween(10, 2000000000)
# (internal/service/wafv2/schemas.go, rateBasedStatementSchema).
WAF_RATE_LIMIT_BOUNDS = Bounds(10, 2_000_000_000)
# What a rule does on a match: count only (to tune a new rule set) or block.
WAF_RULE_ACTIONS = ("count", "block")
WAF_COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
WAF_KNOWN_BAD_INPUTS_RULE_SET = "AWSManagedRulesKnownBadInputsRuleSet"
