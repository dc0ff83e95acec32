"""Bad stack config: one clear error naming key, value and what is allowed, and nothing created.

Documentation placeholders (the account 123456789012 of AWS's examples, RFC 5737's TEST-NET
ranges, RFC 2606's example domains) are bad only for a real `pulumi up`: those cases run with
preview=False, and the test asserts the same "nothing registered" of them.

Each case runs the real program under Pulumi's mocks with one stack file plus overrides, and
checks the RunError's line for the key and that the mock engine saw no resource at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pytest

from testkit.deployable import deployable
from testkit.program_capture import CapturedStack, capture_stack

PROD_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"


@dataclass(frozen=True)
class Case:
    id: str
    stack: str
    overrides: dict[str, Any]
    key: str
    """The full config key the error must name."""
    shown: str
    """What follows the key on its line: " = '<value>'" or " (not set...)"."""
    allowed: str
    """A fragment of what the line says would be valid."""
    preview: bool = True
    """False: run as `pulumi up`, which also refuses documentation placeholders."""


CASES = [
    Case(
        "cpu-not-in-table",
        "dev",
        {"cpu": "300"},
        "fastapi-fargate:cpu",
        " = '300'",
        "use one of 256, 512, 1024, 2048, 4096, 8192, 16384",
    ),
    Case(
        "memory-invalid-for-cpu",
        "dev",
        {"memory": "3 GB"},
        "fastapi-fargate:memory",
        " = '3 GB'",
        "memory 3072 MiB is not valid with cpu 256: use 512, 1024 or 2048 MiB; "
        "nearest valid sizes (cpu/memory): 256/2048, 512/3072",
    ),
    Case(
        "fractional-cpu-units",
        "dev",
        {"cpu": "1.3 vCPU"},
        "fastapi-fargate:cpu",
        " = '1.3 vCPU'",
        "is not a CPU value: use CPU units (256, 512, 1024, ...) or vCPU",
    ),
    Case(
        "desired-count-zero",
        "dev",
        {"desiredCount": 0},
        "fastapi-fargate:desiredCount",
        " = '0'",
        "must be >= 1",
    ),
    Case(
        "negative-min-count",
        "dev",
        {"minCount": -2},
        "fastapi-fargate:minCount",
        " = '-2'",
        "must be >= 1",
    ),
    Case(
        "count-not-a-number",
        "dev",
        {"maxCount": "three"},
        "fastapi-fargate:maxCount",
        " = 'three'",
        "must be a whole number",
    ),
    Case(
        "min-above-max",
        "prod",
        {"minCount": 8, "maxCount": 4},
        "fastapi-fargate:minCount",
        " = '8'",
        "must be <= maxCount (4)",
    ),
    Case(
        "desired-outside-min-max",
        "staging",
        {"desiredCount": 9},
        "fastapi-fargate:desiredCount",
        " = '9'",
        "must be between minCount (2) and maxCount (4)",
    ),
    Case(
        "unknown-environment",
        "dev",
        {"environment": "production"},
        "fastapi-fargate:environment",
        " = 'production'",
        "must be one of dev, staging, prod",
    ),
    Case(
        "prod-without-certificate",
        "prod",
        {"certificateArn": None},
        "fastapi-fargate:certificateArn",
        " (not set)",
        "is required in prod (the load balancer serves HTTPS only)",
    ),
    Case(
        "malformed-certificate-arn",
        "staging",
        {"certificateArn": "arn:aws:acm:eu-west-1:1234:cert/abc"},
        "fastapi-fargate:certificateArn",
        " = 'arn:aws:acm:eu-west-1:1234:cert/abc'",
        "must be an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<uuid>",
    ),
    Case(
        "certificate-from-another-region",
        "prod",
        {"certificateArn": PROD_CERT.replace("eu-west-1", "us-east-1")},
        "fastapi-fargate:certificateArn",
        f" = '{PROD_CERT.replace('eu-west-1', 'us-east-1')}'",
        "must be in the stack's region eu-west-1",
    ),
    Case(
        "secret-from-s3-arn",
        "prod",
        {"appSecrets": ["APP_DB_URL=arn:aws:s3:::config-bucket/db-url"]},
        "fastapi-fargate:appSecrets",
        " = 'APP_DB_URL=arn:aws:s3:::config-bucket/db-url'",
        "APP_DB_URL must name an SSM parameter ARN",
    ),
    Case(
        "secret-without-name",
        "prod",
        {"appSecrets": ["arn:aws:ssm:eu-west-1:123456789012:parameter/x"]},
        "fastapi-fargate:appSecrets",
        " = '[\"arn:aws:ssm:eu-west-1:123456789012:parameter/x\"]'",
        "entry 1 of 1 has no '=': each must look like NAME=value",
    ),
    Case(
        "plaintext-password",
        "dev",
        {"appEnvironment": ["APP_LOG_LEVEL=DEBUG", "APP_DB_PASSWORD=hunter2"]},
        "fastapi-fargate:appEnvironment",
        " = 'APP_DB_PASSWORD=<value not shown>'",
        "APP_DB_PASSWORD looks like a secret (its name contains PASSWORD) and must not be "
        "plaintext",
    ),
    Case(
        "plaintext-api-key",
        "dev",
        {"appEnvironment": ["PARTNER_API_KEY=abc123"]},
        "fastapi-fargate:appEnvironment",
        " = 'PARTNER_API_KEY=<value not shown>'",
        "list it in appSecrets as PARTNER_API_KEY=<its ARN>",
    ),
    Case(
        "extra-uvicorn-workers",
        "dev",
        {"appEnvironment": ["UVICORN_WORKERS=4"]},
        "fastapi-fargate:appEnvironment",
        " = 'UVICORN_WORKERS=<value not shown>'",
        "UVICORN_WORKERS sets a worker count, a reloader or gunicorn options, and the image runs "
        "exactly one uvicorn process (ecs-container-single-process): remove it",
    ),
    Case(
        "max-workers",
        "dev",
        {"appEnvironment": ["MAX_WORKERS=4"]},
        "fastapi-fargate:appEnvironment",
        " = 'MAX_WORKERS=<value not shown>'",
        "MAX_WORKERS sets a worker count",
    ),
    Case(
        "gunicorn-cmd-args",
        "dev",
        {"appEnvironment": ["GUNICORN_CMD_ARGS=--workers 4"]},
        "fastapi-fargate:appEnvironment",
        " = 'GUNICORN_CMD_ARGS=<value not shown>'",
        "GUNICORN_CMD_ARGS sets a worker count, a reloader or gunicorn options",
    ),
    Case(
        "service-credentials",
        "dev",
        {"appEnvironment": ["SERVICE_CREDENTIALS=x"]},
        "fastapi-fargate:appEnvironment",
        " = 'SERVICE_CREDENTIALS=<value not shown>'",
        "SERVICE_CREDENTIALS looks like a secret (its name contains CREDENTIAL)",
    ),
    Case(
        "secret-looking-value",
        "dev",
        {"appEnvironment": ["UPSTREAM_ID=AKIAABCDEFGHIJKLMNOP"]},
        "fastapi-fargate:appEnvironment",
        " = 'UPSTREAM_ID=<value not shown>'",
        "UPSTREAM_ID looks like a secret (its value looks like an AWS access key ID)",
    ),
    Case(
        "one-availability-zone",
        "dev",
        {"availabilityZones": 1},
        "fastapi-fargate:availabilityZones",
        " = '1'",
        "must be 2 to 6",
    ),
    Case(
        "prod-on-two-zones",
        "prod",
        {"availabilityZones": 2},
        "fastapi-fargate:availabilityZones",
        " = '2'",
        "must be at least 3 in prod",
    ),
    Case(
        "no-nat",
        "dev",
        {"natStrategy": "None"},
        "fastapi-fargate:natStrategy",
        " = 'None'",
        "must be one of Single, OnePerAz",
    ),
    Case(
        "architecture-spelled-as-ecs",
        "dev",
        {"architecture": "x86_64"},
        "fastapi-fargate:architecture",
        " = 'x86_64'",
        "must be one of amd64, arm64",
    ),
    Case(
        "stop-timeout-above-fargate-cap",
        "dev",
        {"stopTimeout": 180},
        "fastapi-fargate:stopTimeout",
        " = '180'",
        "must be 2 to 120 s",
    ),
    Case(
        "graceful-shutdown-not-below-stop-timeout",
        "prod",
        {"gracefulShutdownSeconds": 60},
        "fastapi-fargate:gracefulShutdownSeconds",
        " = '60'",
        "must be below stopTimeout (60 s)",
    ),
    Case(
        "drain-longer-than-stop-timeout",
        "dev",
        {"deregistrationDelay": 30},
        "fastapi-fargate:deregistrationDelay",
        " = '30'",
        "must be below stopTimeout (10 s)",
    ),
    Case(
        "alb-idle-timeout-above-keep-alive",
        "staging",
        {"albIdleTimeout": 120},
        "fastapi-fargate:albIdleTimeout",
        " = '120'",
        "must be below keepAliveSeconds (75 s)",
    ),
    Case(
        "health-check-interval-too-short",
        "dev",
        {"healthCheckInterval": 2},
        "fastapi-fargate:healthCheckInterval",
        " = '2'",
        "must be 5 to 300 s",
    ),
    Case(
        "health-check-retries-too-many",
        "dev",
        {"healthCheckRetries": 11},
        "fastapi-fargate:healthCheckRetries",
        " = '11'",
        "must be 1 to 10",
    ),
    Case(
        "health-check-timeout-not-below-interval",
        "dev",
        {"healthCheckTimeout": 40},
        "fastapi-fargate:healthCheckTimeout",
        " = '40'",
        "must be below healthCheckInterval (30 s)",
    ),
    Case(
        "log-retention-not-offered-by-cloudwatch",
        "dev",
        {"logRetentionDays": 10},
        "fastapi-fargate:logRetentionDays",
        " = '10'",
        "must be a retention CloudWatch Logs accepts (days): 1, 3, 5, 7, 14, 30",
    ),
    Case(
        "spot-share-above-100",
        "dev",
        {"spotPercent": 150},
        "fastapi-fargate:spotPercent",
        " = '150'",
        "must be 0 to 100 %",
    ),
    Case(
        "prebuilt-image-on-latest",
        "prod",
        {"imageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi:latest"},
        "fastapi-fargate:imageUri",
        " = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi:latest'",
        "must be an image reference pinned by tag (not 'latest') or digest",
    ),
    Case(
        "prebuilt-image-malformed",
        "dev",
        {"imageUri": "https://registry/fastapi:1.0"},
        "fastapi-fargate:imageUri",
        " = 'https://registry/fastapi:1.0'",
        "must be an image reference pinned by tag",
    ),
    Case(
        "tls-1-1-policy",
        "prod",
        {"tlsPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"},
        "fastapi-fargate:tlsPolicy",
        " = 'ELBSecurityPolicy-TLS-1-1-2017-01'",
        "must be an ELB security policy that refuses TLS 1.0 and 1.1, one of "
        "ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-2-2021-06",
    ),
    # Its name reads TLS 1.3, its row in the ELB guide's FIPS protocols table allows TLS 1.0.
    Case(
        "tls13-fips-policy-that-allows-tls10",
        "staging",
        {"tlsPolicy": "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04"},
        "fastapi-fargate:tlsPolicy",
        " = 'ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04'",
        "(default ELBSecurityPolicy-TLS13-1-2-2021-06)",
    ),
    Case(
        "public-vpc-range",
        "dev",
        {"vpcCidr": "8.8.0.0/16"},
        "fastapi-fargate:vpcCidr",
        " = '8.8.0.0/16'",
        "must be a private (RFC 1918) IPv4 network with a prefix of /16 to /20",
    ),
    Case(
        "ingress-not-a-cidr",
        "staging",
        {"ingressCidrs": ["office"]},
        "fastapi-fargate:ingressCidrs",
        " = '[\"office\"]'",
        "'office' must be IPv4 CIDRs",
    ),
    Case(
        "region-missing",
        "dev",
        {"aws:region": None},
        "aws:region",
        " (not set)",
        "is required: the AWS region to deploy to",
    ),
    Case(
        "boolean-spelled-yes",
        "dev",
        {"enableExec": "yes"},
        "fastapi-fargate:enableExec",
        " = 'yes'",
        "must be true or false",
    ),
    Case(
        "service-name-with-underscore",
        "dev",
        {"serviceName": "My_Service"},
        "fastapi-fargate:serviceName",
        " = 'My_Service'",
        "must be 2 to 20 lowercase letters, digits or '-'",
    ),
    # AWS's name rules (ELB CreateLoadBalancer/CreateTargetGroup, EC2 CreateSecurityGroup;
    # terraform-provider-aws elbv2 validName), counted on the autonamed names: the program's
    # "-alb"/"-tg"/"-alb-sg" suffixes plus Pulumi's "-" and 7 random characters.
    Case(
        "service-name-makes-an-internal-alb-name",
        "dev",
        {"serviceName": "internal-api"},
        "fastapi-fargate:serviceName",
        " = 'internal-api'",
        "its load balancer name 'internal-api-alb-xxxxxxx' must not begin with 'internal-'",
    ),
    Case(
        "service-name-makes-sg-prefixed-security-groups",
        "prod",
        {"serviceName": "sg-web"},
        "fastapi-fargate:serviceName",
        " = 'sg-web'",
        "its security group name 'sg-web-alb-sg-xxxxxxx' must not begin with 'sg-'; "
        "its security group name 'sg-web-task-sg-xxxxxxx' must not begin with 'sg-'",
    ),
    Case(
        "service-name-too-long-for-the-alb-name",
        "staging",
        {"serviceName": "payments-api-gateway1"},
        "fastapi-fargate:serviceName",
        " = 'payments-api-gateway1'",
        "its load balancer name 'payments-api-gateway1-alb-xxxxxxx' is 33 characters, above "
        "the 32 AWS allows",
    ),
    # --- DNS (Route 53 alias record) -----------------------------------------------------
    Case(
        "domain-without-hosted-zone",
        "prod",
        {"domainName": "api.shop-42.net"},
        "fastapi-fargate:hostedZoneId",
        " = ''",
        "is required when domainName is set",
    ),
    Case(
        "hosted-zone-without-domain",
        "dev",
        {"hostedZoneId": "Z0123456789ABCDEFGHIJ"},
        "fastapi-fargate:domainName",
        " = ''",
        "is required when hostedZoneId is set",
    ),
    Case(
        "hosted-zone-id-with-its-path",
        "dev",
        {"domainName": "api.shop-42.net", "hostedZoneId": "/hostedzone/Z0123456789ABCDEFGHIJ"},
        "fastapi-fargate:hostedZoneId",
        " = '/hostedzone/Z0123456789ABCDEFGHIJ'",
        "must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (without '/hostedzone/')",
    ),
    Case(
        "domain-name-a-url",
        "dev",
        {"domainName": "https://api.shop-42.net/", "hostedZoneId": "Z0123456789ABCDEFGHIJ"},
        "fastapi-fargate:domainName",
        " = 'https://api.shop-42.net/'",
        "must be a lowercase DNS name of two or more labels",
    ),
    # --- deployment alarms ----------------------------------------------------------------
    Case(
        "rollback-alarm-over-an-hour",
        "prod",
        {"rollbackAlarmMinutes": 90},
        "fastapi-fargate:rollbackAlarmMinutes",
        " = '90'",
        "must be 1 to 60 min",
    ),
    Case(
        "rollback-alarm-on-zero-errors",
        "staging",
        {"rollbackAlarmTarget5xx": 0},
        "fastapi-fargate:rollbackAlarmTarget5xx",
        " = '0'",
        "must be >= 1",
    ),
    # --- documentation placeholders: a preview warns, `pulumi up` refuses -----------------
    Case(
        "up-with-the-documentation-certificate",
        "prod",
        deployable("prod", certificateArn=PROD_CERT),
        "fastapi-fargate:certificateArn",
        f" = '{PROD_CERT}'",
        "uses the documentation account 123456789012: put the ARN of your ACM certificate in "
        "eu-west-1 here",
        preview=False,
    ),
    Case(
        "up-with-a-documentation-secret",
        "prod",
        deployable("prod", appSecrets=["APP_DB=arn:aws:ssm:eu-west-1:123456789012:parameter/db"]),
        "fastapi-fargate:appSecrets",
        " = 'APP_DB=arn:aws:ssm:eu-west-1:123456789012:parameter/db'",
        "point each entry at your own SSM parameter or Secrets Manager secret",
        preview=False,
    ),
    Case(
        "up-from-test-net-3",
        "staging",
        deployable("staging", ingressCidrs=["203.0.113.0/24"]),
        "fastapi-fargate:ingressCidrs",
        " = '[\"203.0.113.0/24\"]'",
        "203.0.113.0/24 is a documentation range (RFC 5737) that no client connects from",
        preview=False,
    ),
    Case(
        "up-with-an-image-from-the-documentation-account",
        "dev",
        {"imageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi:1.4.2"},
        "fastapi-fargate:imageUri",
        " = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/fastapi:1.4.2'",
        "name the image your CI pushed",
        preview=False,
    ),
    Case(
        "up-on-example-com",
        "dev",
        {"domainName": "api.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"},
        "fastapi-fargate:domainName",
        " = 'api.example.com'",
        "is a name reserved for documentation (RFC 2606/6761)",
        preview=False,
    ),
    Case(
        "misspelled-key",
        "dev",
        {"desiredCont": 3},
        "fastapi-fargate:desiredCont",
        " = '3'",
        "is not a setting of this program; did you mean desiredCount?",
    ),
    # --- edge hardening (infra/access_logs.py, flow_logs.py, waf.py) ------------------------
    Case(
        "flow-log-retention-cloudwatch-lacks",
        "prod",
        {"flowLogRetentionDays": 45},
        "fastapi-fargate:flowLogRetentionDays",
        " = '45'",
        "must be a retention CloudWatch Logs accepts (days): 1, 3, 5, 7, 14, 30, 60, 90",
    ),
    Case(
        "waf-rate-limit-below-minimum",
        "staging",
        {"wafRateLimit": 5},
        "fastapi-fargate:wafRateLimit",
        " = '5'",
        "must be 10 to 2000000000 requests per 5 minutes",
    ),
    Case(
        "waf-rule-action-allow",
        "prod",
        {"wafCommonRuleSetAction": "allow"},
        "fastapi-fargate:wafCommonRuleSetAction",
        " = 'allow'",
        "must be one of count, block",
    ),
    Case(
        "waf-rate-action-typo",
        "prod",
        {"wafRateLimitAction": "Block"},
        "fastapi-fargate:wafRateLimitAction",
        " = 'Block'",
        "must be one of count, block",
    ),
    Case(
        "access-log-expiry-zero",
        "dev",
        {"albAccessLogExpiryDays": 0},
        "fastapi-fargate:albAccessLogExpiryDays",
        " = '0'",
        "must be >= 1 days",
    ),
    Case(
        "access-logs-off-in-prod",
        "prod",
        {"albAccessLogs": False},
        "fastapi-fargate:albAccessLogs",
        " = 'false'",
        "must be true in prod (required in staging and prod)",
    ),
    Case(
        "flow-logs-off-in-staging",
        "staging",
        {"flowLogs": False},
        "fastapi-fargate:flowLogs",
        " = 'false'",
        "must be true in staging (required in staging and prod)",
    ),
    Case(
        "waf-not-a-flag",
        "prod",
        {"waf": "yes"},
        "fastapi-fargate:waf",
        " = 'yes'",
        "must be true or false",
    ),
]


def line_for(error: pulumi.RunError, key: str) -> str:
    lines = [line for line in str(error).splitlines() if line.startswith(f"  - {key} ")]
    assert len(lines) == 1, f"expected one line for {key} in:\n{error}"
    return lines[0]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_config_is_refused_with_key_value_and_allowed_and_registers_nothing_under_pulumi_mocks(
    case: Case,
) -> None:
    result = capture_stack(case.stack, case.overrides, preview=case.preview)
    assert isinstance(result.error, pulumi.RunError), "the program accepted a bad config"
    assert result.resources == (), "resources were registered before validation"
    line = line_for(result.error, case.key)
    assert line.startswith(f"  - {case.key}{case.shown}: "), line
    assert case.allowed in line, line
    assert "Traceback" not in str(result.error)


def test_there_are_at_least_fifteen_distinct_bad_configs() -> None:
    assert len({case.id for case in CASES}) == len(CASES) >= 15
    assert len({(case.key, case.allowed) for case in CASES}) == len(CASES)


def test_plaintext_secret_values_never_reach_the_error_message_under_pulumi_mocks() -> None:
    result = capture_stack("dev", {"appEnvironment": ["APP_DB_PASSWORD=hunter2-correct-horse"]})
    assert result.error is not None
    assert "hunter2" not in str(result.error)


def test_a_malformed_plaintext_entry_is_not_echoed_under_pulumi_mocks() -> None:
    entries = ["APP_DB_URL=postgres://app:s3cr3t@db/app", "s3cr3t-pasted-alone"]
    result = capture_stack("dev", {"appEnvironment": entries})
    assert result.error is not None
    line = line_for(result.error, "fastapi-fargate:appEnvironment")
    assert line == (
        "  - fastapi-fargate:appEnvironment = <value not shown>: "
        "entry 2 of 2 has no '=': each must look like NAME=value"
    )
    assert "s3cr3t" not in str(result.error)


def test_every_problem_is_reported_in_one_error_under_pulumi_mocks() -> None:
    result: CapturedStack = capture_stack(
        "prod",
        {
            "cpu": "300",
            "desiredCount": 0,
            "certificateArn": "",
            "logRetentionDays": 10,
            "environment": "prod",
        },
    )
    assert result.error is not None
    assert result.resources == ()
    message = str(result.error)
    assert message.startswith("stack 'prod' has 4 invalid config values; nothing was created")
    for key in ("cpu", "desiredCount", "certificateArn", "logRetentionDays"):
        line_for(result.error, f"fastapi-fargate:{key}")
    assert message.rstrip().endswith("Pulumi.yaml documents every key.")


def test_a_rule_that_depends_on_an_unparsable_key_stays_quiet_under_pulumi_mocks() -> None:
    """stopTimeout 'soon' is one problem; gracefulShutdownSeconds is not blamed for it."""
    result = capture_stack("prod", {"stopTimeout": "soon"})
    assert result.error is not None
    lines = [line for line in str(result.error).splitlines() if line.startswith("  - ")]
    assert lines == ["  - fastapi-fargate:stopTimeout = 'soon': must be a whole number"]
