"""alb-access-logs: checks whether an application load balancer writes access logs to an S3 bucket
(one of the allowed buckets, where the platform names them).

Source: pulumi-aws 7.51.1 lb/_inputs.py LoadBalancerAccessLogsArgs ("enabled ... Defaults to
false, even when bucket is specified")."""

from __future__ import annotations

from testkit import policy_fixtures as f
from tests.policy.rules.cases import Case, policy_tests

POLICY = "alb-access-logs"

PASSING: list[Case] = [
    Case("logs-on", f.load_balancer(), []),
    Case("allowed-bucket", f.load_balancer(), [], {"allowedBucketPrefixes": ["web-"]}),
    Case(
        "internal-exempt",
        f.load_balancer(internal=True, accessLogs=f.DROP),
        [],
        {"exemptInternal": True},
    ),
    Case("network-lb", f.load_balancer(loadBalancerType="network", accessLogs=f.DROP), []),
]

FAILING: list[Case] = [
    Case(
        "logs-missing",
        f.load_balancer(accessLogs=f.DROP),
        [
            "Load balancer 'web-alb' must write access logs (accessLogs.enabled unset): set "
            "accessLogs to {bucket: '<bucket>', enabled: true} and give ELB log delivery "
            "s3:PutObject on that bucket in its bucket policy."
        ],
    ),
    Case(
        "logs-disabled",
        f.load_balancer(accessLogs={"bucket": f.LOG_BUCKET, "enabled": False}),
        ["(accessLogs.enabled false)"],
    ),
    Case(
        "no-bucket",
        f.load_balancer(accessLogs={"enabled": True}),
        ["must name the S3 bucket of its access logs (accessLogs.bucket unset)"],
    ),
    Case(
        "other-bucket",
        f.load_balancer(),
        [
            "Load balancer 'web-alb' must write access logs to a bucket whose name starts with "
            "'org-logs-', not 'web-prod-alb-logs-123456789012': use the platform's log bucket."
        ],
        {"allowedBucketPrefixes": ["org-logs-"]},
    ),
    Case(
        "internal-checked-by-default",
        f.load_balancer(internal=True, accessLogs=f.DROP),
        ["must write access logs"],
    ),
]


test_passes, test_fails = policy_tests(POLICY, PASSING, FAILING)
