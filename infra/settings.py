"""The program's settings: one frozen dataclass read from stack config and validated before any
resource is registered.

Each field names its config key (declared with the same type and default in Pulumi.yaml, whose
description is the field's docstring up to its @default; tests/infra keeps the two in step),
parses the string the CLI passes and checks it.
Rules across keys follow the class, beside the settings they relate (single-key parsers and
checks are in `infra.validation`). Every problem is collected and reported at once in one
`pulumi.RunError`: key, value, and what would be valid; the user sees no traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from fargate_spec import contract, edge, limits, sizes, tls
from fargate_spec.processes import PROCESS_VARIABLES
from fargate_spec.secret_names import secret_name_marker, secret_value_kind
from infra import validation as v
from infra.arns import CERTIFICATE_ARN, secret_arn_kind
from infra.placeholders import placeholder_problems
from infra.validation import Problem

PROJECT_TAG = "fastapi-fargate"


def setting(
    key: str,
    default: Any,
    parse: Callable[[str], Any] = v.as_text,
    check: v.Check | None = None,
    *,
    sensitive: bool = False,
) -> Any:
    """A field read from config `key` (project namespace unless the key has its own).
    A sensitive key's value never appears in an error message."""
    metadata = {"key": key, "parse": parse, "check": check, "sensitive": sensitive}
    return field(default=default, metadata=metadata)


def integer(key: str, default: int, check: v.Check | None = None) -> Any:
    return setting(key, default, parse=v.as_int, check=check)


def seconds(key: str, default: int, bounds: limits.Bounds) -> Any:
    return integer(key, default, v.within(bounds, "s"))


def flag(key: str, default: bool = False) -> Any:
    return setting(key, default, parse=v.as_bool)


def health_check(key: str, name: str, default: int | None = None, unit: str = "s") -> Any:
    """A container healthCheck field, bounded and defaulted by fargate_spec.limits."""
    fallback = limits.HEALTH_CHECK_DEFAULTS[name] if default is None else default
    return integer(key, fallback, v.within(limits.HEALTH_CHECK_BOUNDS[name], unit))


COOLDOWN_BOUNDS = limits.Bounds(0, 3600)
GUARDED_ENVIRONMENTS = ("staging", "prod")


@dataclass(frozen=True)
class Settings:
    """Everything the stack may vary, with its default. Sizes are normalised (CPU units, MiB)."""

    stack: str = ""
    """The Pulumi stack name (not config); it makes physical names unique per stack."""

    # --- identity -------------------------------------------------------------------------
    environment: str = setting("environment", "dev", check=v.one_of(v.ENVIRONMENTS))
    """dev, staging or prod. prod requires certificateArn and at least 3 availabilityZones. @default
    "dev"."""
    service_name: str = setting("serviceName", "fastapi", check=v.service_name)
    """Prefix of every resource name and the app's APP_SERVICE_NAME: 2-20 of a-z, 0-9, '-', starting
    with a letter; not 'internal-...' or 'sg-...' (AWS refuses such ALB and security group names).
    @default "fastapi"."""
    region: str = setting("aws:region", "", check=v.region_name)
    """The AWS region (the provider's own key). Required: no default."""

    # --- task size and count ---------------------------------------------------------------
    cpu: int = setting("cpu", 256, parse=v.as_cpu)
    """Task CPU: units (256, 512, 1024, ...) or vCPU ('0.5 vCPU'); must form a Fargate size with
    memory. @default 256."""
    memory: int = setting("memory", 512, parse=v.as_memory)
    """Task memory: MiB (512, 1024, ...) or GB ('2 GB'); must be valid for the CPU. @default 512."""
    architecture: str = setting("architecture", "amd64", check=v.one_of(tuple(v.ARCHITECTURES)))
    """Image platform and task CPU architecture: amd64 (X86_64) or arm64 (ARM64, Graviton). @default
    amd64."""
    desired_count: int = integer("desiredCount", 1, v.at_least(1))
    """Tasks at first deploy (minCount <= desiredCount <= maxCount); autoscaling owns it afterwards.
    @default 1."""
    min_count: int = integer("minCount", 1, v.at_least(1))
    """Fewest tasks autoscaling keeps (>= 1). @default 1."""
    max_count: int = integer("maxCount", 2, v.at_least(1))
    """Most tasks autoscaling starts; equal to minCount turns autoscaling off. @default 2."""
    spot_percent: int = integer("spotPercent", 0, v.within(limits.Bounds(0, 100), "%"))
    """Share of tasks on FARGATE_SPOT, 0-100; below 100 the first task always runs on-demand.
    @default 0."""
    enable_exec: bool = flag("enableExec")
    """ECS Exec (a shell in running tasks); the task role gets the ssmmessages actions only when
    true. @default false."""
    container_insights: bool = flag("containerInsights")
    """CloudWatch Container Insights on the cluster (billed per metric). @default false."""

    # --- network ---------------------------------------------------------------------------
    availability_zones: int = integer("availabilityZones", 2, v.within(v.AZ_RANGE))
    """Availability zones for public and private subnets: 2-6, at least 3 in prod. @default 2."""
    nat_strategy: str = setting("natStrategy", "Single", check=v.one_of(v.NAT_STRATEGIES))
    """NAT gateways for the private subnets: Single (cheapest) or OnePerAz (survives an AZ outage).
    @default "Single"."""
    vpc_cidr: str = setting("vpcCidr", "10.0.0.0/16", check=v.vpc_cidr)
    """Private IPv4 range of the VPC, /16 to /20. uvicorn trusts X-Forwarded-* from it. @default
    "10.0.0.0/16"."""

    # --- load balancer ---------------------------------------------------------------------
    certificate_arn: str | None = setting(
        "certificateArn", None, parse=v.as_optional_text, check=v.certificate_arn
    )
    """ACM certificate ARN in the stack's region. Set: HTTPS, HTTP redirected. Empty: plain HTTP
    (not allowed in prod). @default "" (none)."""
    tls_policy: str = setting("tlsPolicy", tls.DEFAULT_TLS_POLICY, check=v.tls_policy)
    """ELB security policy of the HTTPS listener: one of the policies that refuse TLS 1.0 and 1.1
    (the allow-list in facts/fargate_spec/tls.py, from the ELB guide's protocol tables). @default
    ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.3 and 1.2)."""
    ingress_cidrs: tuple[str, ...] = setting(
        "ingressCidrs", ("0.0.0.0/0",), parse=v.as_text_list, check=v.cidr_list
    )
    """IPv4 ranges allowed to reach the load balancer. @default ["0.0.0.0/0"]."""
    alb_idle_timeout: int = seconds(
        "albIdleTimeout", limits.ALB_IDLE_TIMEOUT_DEFAULT, limits.ALB_IDLE_TIMEOUT_BOUNDS
    )
    """ALB idle timeout in seconds (1-4000); must stay below keepAliveSeconds. @default 60."""
    deregistration_delay: int = seconds(
        "deregistrationDelay", 25, limits.DEREGISTRATION_DELAY_BOUNDS
    )
    """Seconds the target group drains a stopping task; must stay below stopTimeout. @default 25."""

    # --- DNS -------------------------------------------------------------------------------
    domain_name: str | None = setting(
        "domainName", None, parse=v.as_optional_text, check=v.domain_name
    )
    """A DNS name for the service (set with hostedZoneId): a Route 53 alias record to the ALB, and
    the url output. The certificate must cover it. Empty: url is the ALB's DNS name, which the
    certificate does not cover. @default "" (none: `url` is the ALB's DNS name, which no ACM
    certificate of yours covers)."""
    hosted_zone_id: str | None = setting(
        "hostedZoneId", None, parse=v.as_optional_text, check=v.hosted_zone_id
    )
    """The Route 53 hosted zone ID (Z...) that holds domainName. @default "" (none)."""

    # --- container timing and health -------------------------------------------------------
    keep_alive_seconds: int = integer(
        "keepAliveSeconds", contract.DEFAULT_KEEP_ALIVE_SECONDS, v.at_least(1, "s")
    )
    """uvicorn keep-alive (UVICORN_TIMEOUT_KEEP_ALIVE); must exceed albIdleTimeout or clients see
    502s. @default 75."""
    graceful_shutdown_seconds: int = integer(
        "gracefulShutdownSeconds", contract.DEFAULT_GRACEFUL_SHUTDOWN_SECONDS, v.at_least(1, "s")
    )
    """uvicorn's limit for in-flight requests after SIGTERM (UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN);
    below stopTimeout. @default 20."""
    stop_timeout: int = seconds(
        "stopTimeout", limits.STOP_TIMEOUT_DEFAULT, limits.STOP_TIMEOUT_BOUNDS
    )
    """Seconds between SIGTERM and SIGKILL, 2-120 on Fargate. @default 30."""
    health_check_interval: int = health_check("healthCheckInterval", "interval")
    """Container healthCheck interval in seconds, 5-300. @default 30."""
    health_check_timeout: int = health_check("healthCheckTimeout", "timeout")
    """Container healthCheck timeout in seconds, 2-60 and below the interval. @default 5."""
    health_check_retries: int = health_check("healthCheckRetries", "retries", unit="")
    """Failed container health checks before the container counts as unhealthy, 1-10. @default 3."""
    health_check_start_period: int = health_check("healthCheckStartPeriod", "startPeriod", 10)
    """Seconds after start during which failed container health checks do not count, 0-300. @default
    10 (the app starts in about a second; slow starts show up as failures after that)."""
    health_check_grace_period: int = seconds(
        "healthCheckGracePeriod", 60, limits.HEALTH_CHECK_GRACE_PERIOD_BOUNDS
    )
    """Seconds the ECS service ignores load balancer health checks of a new task. @default 60."""
    log_retention_days: int = integer("logRetentionDays", 30, v.log_retention)
    """CloudWatch Logs retention in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
    731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653. @default 30."""

    # --- app configuration -----------------------------------------------------------------
    app_environment: tuple[tuple[str, str], ...] = setting(
        "appEnvironment", (), parse=v.as_pairs, sensitive=True
    )
    """Plaintext variables as NAME=value. Names that look secret (PASSWORD, SECRET, TOKEN, API_KEY)
    are refused: use appSecrets. @default []."""
    app_secrets: tuple[tuple[str, str], ...] = setting("appSecrets", (), parse=v.as_pairs)
    """Secrets as NAME=<SSM parameter ARN or Secrets Manager secret ARN>; ECS injects the value at
    start. @default []."""

    # --- scaling ---------------------------------------------------------------------------
    cpu_target_percent: int = integer("cpuTargetPercent", 60, v.within(v.CPU_TARGET_RANGE, "%"))
    """Average CPU (percent, 10-90) that autoscaling holds. @default 60."""
    requests_per_target: int = integer("requestsPerTarget", 1000, v.at_least(1))
    """ALB requests per task per minute that autoscaling holds. @default 1000."""
    scale_in_cooldown: int = seconds("scaleInCooldown", 300, COOLDOWN_BOUNDS)
    """Seconds between scale-in steps, 0-3600. @default 300."""
    scale_out_cooldown: int = seconds("scaleOutCooldown", 60, COOLDOWN_BOUNDS)
    """Seconds between scale-out steps, 0-3600. @default 60."""

    # --- deployment alarms (staging and prod) ---------------------------------------------
    rollback_alarm_target_5xx: int = integer("rollbackAlarmTarget5xx", 10, v.at_least(1))
    """Target 5xx responses per minute that set off a deployment alarm; ECS then rolls the
    deployment back (staging and prod). @default 10."""
    rollback_alarm_unhealthy_targets: int = integer(
        "rollbackAlarmUnhealthyTargets", 1, v.at_least(1)
    )
    """Unhealthy targets in the target group that set off a deployment alarm (staging and prod).
    @default 1."""
    rollback_alarm_minutes: int = integer(
        "rollbackAlarmMinutes", 2, v.within(v.ROLLBACK_ALARM_MINUTES, "min")
    )
    """Consecutive minutes over a threshold before a deployment alarm fires, 1-60. @default 2."""

    # --- image and registry ----------------------------------------------------------------
    image_uri: str | None = setting("imageUri", None, parse=v.as_optional_text, check=v.image_uri)
    """A prebuilt image pinned by tag (not latest) or digest, e.g. from CI. Empty: build service/
    with awsx. @default "" (build)."""
    ecr_keep_images: int = integer("ecrKeepImages", 20, v.within(limits.Bounds(1, 1000)))
    """Images the ECR repository keeps; older ones expire (1-1000). @default 20."""
    ecr_untagged_expiry_days: int = integer("ecrUntaggedExpiryDays", 7, v.at_least(1, "days"))
    """Days before an untagged image expires. @default 7."""
    ecr_encryption: str = setting("ecrEncryption", "AES256", check=v.one_of(v.ECR_ENCRYPTION_TYPES))
    """ECR encryption: AES256 or KMS (the AWS-managed ECR key). @default "AES256"."""

    # --- protection ------------------------------------------------------------------------
    deletion_protection: bool = flag("deletionProtection")
    """ALB deletion protection, log group deletion protection, and Pulumi protect on the ALB,
    repository, log groups and access-log bucket. @default false."""
    retain_on_delete: bool = flag("retainOnDelete")
    """Keep the ECR repository, the log groups and the access-log bucket in AWS when the stack is
    destroyed. @default false."""

    # --- edge hardening (infra/access_logs.py, infra/flow_logs.py, infra/waf.py) ------------
    alb_access_logs: bool = flag("albAccessLogs", True)
    """ALB access logs to an encrypted, private S3 bucket of the stack. Must be true in staging and
    prod. @default true."""
    alb_access_log_expiry_days: int = integer("albAccessLogExpiryDays", 90, v.at_least(1, "days"))
    """Days before S3 expires an ALB access log (>= 1). @default 90."""
    flow_logs: bool = flag("flowLogs", True)
    """VPC flow logs (all traffic) to CloudWatch Logs through their own role. Must be true in
    staging and prod. @default true."""
    flow_log_retention_days: int = integer("flowLogRetentionDays", 30, v.log_retention)
    """CloudWatch Logs retention of the flow logs in days: one of the values logRetentionDays lists.
    @default 30."""
    waf: bool = flag("waf", True)
    """A WAF web ACL on the ALB: AWS's common and known-bad-inputs rule sets and a per-IP rate
    limit. @default true."""
    waf_rate_limit: int = integer(
        "wafRateLimit", 2000, v.within(edge.WAF_RATE_LIMIT_BOUNDS, "requests per 5 minutes")
    )
    """Requests one IP may send in 5 minutes before the rate rule acts: 10 to 2000000000. @default
    2000."""
    waf_common_rule_set_action: str = setting(
        "wafCommonRuleSetAction", "block", check=v.one_of(edge.WAF_RULE_ACTIONS)
    )
    """count or block: what AWS's common rule set does on a match (count to tune it first). @default
    "block"."""
    waf_known_bad_inputs_action: str = setting(
        "wafKnownBadInputsAction", "block", check=v.one_of(edge.WAF_RULE_ACTIONS)
    )
    """count or block: what AWS's known-bad-inputs rule set does on a match. @default "block"."""
    waf_rate_limit_action: str = setting(
        "wafRateLimitAction", "block", check=v.one_of(edge.WAF_RULE_ACTIONS)
    )
    """count or block: what the rate-based rule does to an IP over wafRateLimit. @default
    "block"."""

    # --- derived values --------------------------------------------------------------------
    @property
    def cpu_architecture(self) -> str:
        return v.ARCHITECTURES[self.architecture]

    @property
    def docker_platform(self) -> str:
        return f"linux/{self.architecture}"

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None

    @property
    def guards_rollouts(self) -> bool:
        """staging and prod: wait for steady state, verify what the service runs afterwards, and
        roll back on the deployment alarms. dev deploys without waiting."""
        return self.environment in GUARDED_ENVIRONMENTS

    @property
    def autoscaling(self) -> bool:
        return self.max_count > self.min_count

    @property
    def physical_name(self) -> str:
        """`<service>-<stack>`, lowercased for ECR and log group names."""
        return f"{self.service_name}-{re.sub(r'[^a-z0-9-]+', '-', self.stack.lower())}"

    @property
    def tags(self) -> dict[str, str]:
        return {
            "app": self.service_name,
            "environment": self.environment,
            "pulumi-project": PROJECT_TAG,
            "pulumi-stack": self.stack,
        }


# ---------------------------------------------------------------------------------------------
# Rules across keys, beside the settings they relate: each runs on a Settings built from the
# parsed values and names, in `involves`, the other keys its verdict depends on. Single-key
# parsers and checks are in infra.validation.

PROD_MIN_AZS = 3
REQUIRES_EDGE_LOGS = ("staging", "prod")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names the program sets itself; every UVICORN_* option is the program's (timing) or would change
# how the one uvicorn process runs. Variables that start more processes come from
# fargate_spec.processes, secret markers from fargate_spec.secret_names: the pack reads the same.
RESERVED_ENV_NAMES = frozenset({"APP_SERVICE_NAME"})
RESERVED_ENV_PREFIX = "UVICORN_"


def task_size_problems(s: Settings) -> list[Problem]:
    """Fargate's size table (fargate_spec.sizes), blamed on cpu or memory as fits."""
    messages = sizes.size_problems(s.cpu, s.memory, sizes.LINUX, s.cpu_architecture)
    cpu_valid = s.cpu in sizes.valid_cpu_values(sizes.LINUX)
    key = "memory" if cpu_valid else "cpu"
    other = "cpu" if cpu_valid else "memory"
    return [Problem(key, message, involves=(other, "architecture")) for message in messages]


def count_problems(s: Settings) -> list[Problem]:
    problems = []
    if s.min_count > s.max_count:
        problems.append(
            Problem("minCount", f"must be <= maxCount ({s.max_count})", involves=("maxCount",))
        )
    elif not s.min_count <= s.desired_count <= s.max_count:
        problems.append(
            Problem(
                "desiredCount",
                f"must be between minCount ({s.min_count}) and maxCount ({s.max_count})",
                involves=("minCount", "maxCount"),
            )
        )
    return problems


def environment_problems(s: Settings) -> list[Problem]:
    """What prod demands beyond the per-key ranges."""
    if s.environment != "prod":
        return []
    problems = []
    if s.certificate_arn is None:
        problems.append(
            Problem(
                "certificateArn",
                "is required in prod (the load balancer serves HTTPS only): set an ACM "
                "certificate ARN, arn:aws:acm:<region>:<account>:certificate/<uuid>",
                involves=("environment",),
            )
        )
    if s.availability_zones < PROD_MIN_AZS:
        problems.append(
            Problem(
                "availabilityZones",
                f"must be at least {PROD_MIN_AZS} in prod (one AZ outage must leave two)",
                involves=("environment",),
            )
        )
    return problems


def certificate_region_problems(s: Settings) -> list[Problem]:
    match = CERTIFICATE_ARN.match(s.certificate_arn or "")
    if match and match["region"] != s.region:
        return [
            Problem(
                "certificateArn",
                f"must be in the stack's region {s.region} (an ALB only uses certificates "
                f"from its own region), not {match['region']}",
                involves=("aws:region",),
            )
        ]
    return []


def timing_problems(s: Settings) -> list[Problem]:
    """The shutdown and keep-alive chain: each timer must fit inside the next one."""
    # (key, value, must stay below this key, its value, why)
    chain = [
        (
            "gracefulShutdownSeconds",
            s.graceful_shutdown_seconds,
            "stopTimeout",
            s.stop_timeout,
            "uvicorn must finish in-flight requests before ECS sends SIGKILL",
        ),
        ("deregistrationDelay", s.deregistration_delay, "stopTimeout", s.stop_timeout, ""),
        (
            "albIdleTimeout",
            s.alb_idle_timeout,
            "keepAliveSeconds",
            s.keep_alive_seconds,
            "otherwise the ALB reuses connections the app already closed and clients get 502s",
        ),
        (
            "healthCheckTimeout",
            s.health_check_timeout,
            "healthCheckInterval",
            s.health_check_interval,
            "",
        ),
    ]
    return [
        Problem(
            key,
            f"must be below {bound_key} ({bound} s)" + (f": {why}" if why else ""),
            involves=(bound_key,),
        )
        for key, value, bound_key, bound, why in chain
        if value >= bound
    ]


def app_environment_problems(s: Settings) -> list[Problem]:
    """Plaintext variables: valid, unique names; nothing secret; nothing the program owns."""
    problems = []
    seen: set[str] = set()
    for name, value in s.app_environment:
        shown = f"{name}=<value not shown>"
        reason = _env_name_problem(name, seen) or _plaintext_problem(name, value)
        if reason:
            problems.append(Problem("appEnvironment", reason, value=shown))
        seen.add(name)
    return problems


def app_secret_problems(s: Settings) -> list[Problem]:
    """Secrets come from SSM Parameter Store or Secrets Manager by ARN, never as values."""
    problems = []
    seen: set[str] = set()
    plaintext = {name for name, _ in s.app_environment}
    for name, arn in s.app_secrets:
        reason = _env_name_problem(name, seen)
        if not reason and name in plaintext:
            reason = f"{name} is also in appEnvironment: keep it in one of the two"
        if not reason and secret_arn_kind(arn) is None:
            reason = (
                f"{name} must name an SSM parameter ARN "
                "(arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager secret "
                "ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>)"
            )
        if reason:
            problems.append(Problem("appSecrets", reason, value=f"{name}={arn}"))
        seen.add(name)
    return problems


def edge_logging_problems(s: Settings) -> list[Problem]:
    """Staging and prod keep the ALB's access logs and the VPC's flow logs: the evidence an
    incident review asks for first (the pack makes the same checks mandatory there)."""
    if s.environment not in REQUIRES_EDGE_LOGS:
        return []
    wanted = (("albAccessLogs", s.alb_access_logs), ("flowLogs", s.flow_logs))
    return [
        Problem(
            key,
            f"must be true in {s.environment} (required in staging and prod)",
            involves=("environment",),
        )
        for key, on in wanted
        if not on
    ]


def dns_problems(s: Settings) -> list[Problem]:
    """An alias record needs both the name and the zone that holds it."""
    if (s.domain_name is None) == (s.hosted_zone_id is None):
        return []
    pair = ("hostedZoneId", "domainName")
    missing, present = pair if s.hosted_zone_id is None else pair[::-1]
    return [
        Problem(
            missing,
            f"is required when {present} is set: the program creates a Route 53 alias record "
            "for domainName in the hosted zone hostedZoneId (set both, or neither)",
            involves=(present,),
        )
    ]


CROSS_KEY_RULES: tuple[Callable[[Settings], list[Problem]], ...] = (
    task_size_problems,
    count_problems,
    environment_problems,
    certificate_region_problems,
    timing_problems,
    app_environment_problems,
    app_secret_problems,
    edge_logging_problems,
    dns_problems,
)


def cross_key_problems(s: Settings, unparsed: Iterable[str] = ()) -> list[Problem]:
    """Every cross-key rule's problems, minus those that depend on a key that did not parse."""
    skip = set(unparsed)
    found = [problem for rule in CROSS_KEY_RULES for problem in rule(s)]
    return [p for p in found if p.key not in skip and not skip.intersection(p.involves)]


def _env_name_problem(name: str, seen: set[str]) -> str | None:
    if not ENV_NAME.match(name):
        return f"{name!r} is not a variable name: letters, digits and '_', not led by a digit"
    if name in seen:
        return f"{name} is listed twice"
    if name in PROCESS_VARIABLES:
        return (
            f"{name} sets a worker count, a reloader or gunicorn options, and the image runs "
            "exactly one uvicorn process (ecs-container-single-process): remove it and scale "
            "with minCount/maxCount"
        )
    if name in RESERVED_ENV_NAMES or name.startswith(RESERVED_ENV_PREFIX):
        return (
            f"{name} is set by the program (serviceName, keepAliveSeconds, "
            "gracefulShutdownSeconds, the VPC CIDR) or would start extra uvicorn workers: remove it"
        )
    return None


def _plaintext_problem(name: str, value: str) -> str | None:
    marker = secret_name_marker(name)
    kind = secret_value_kind(value)
    if marker or kind:
        why = f"its name contains {marker}" if marker else f"its value looks like {kind}"
        return (
            f"{name} looks like a secret ({why}) and must not be plaintext: store it in SSM "
            f"Parameter Store or Secrets Manager and list it in appSecrets as {name}=<its ARN>"
        )
    return None


def config_fields() -> tuple[Field[Any], ...]:
    """The Settings fields read from config, in declaration order."""
    return tuple(f for f in fields(Settings) if "key" in f.metadata)


def full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


class SettingsError(ValueError):
    """Stack config that fails validation; the message lists every problem, one per line."""

    def __init__(self, stack: str, lines: list[str], kind: str = "invalid") -> None:
        self.lines = lines
        plural = "s" if len(lines) > 1 else ""
        super().__init__(
            f"stack '{stack}' has {len(lines)} {kind} config value{plural}; "
            "nothing was created or changed:\n"
            + "\n".join(f"  - {line}" for line in lines)
            + f"\nSet a value with `pulumi config set <key> <value> --stack {stack}`; "
            "Pulumi.yaml documents every key."
        )


def parse_settings(values: Mapping[str, str], project: str, stack: str) -> Settings:
    """Settings from config strings keyed `<namespace>:<key>`, as the CLI passes them.

    Raises SettingsError listing every problem. Pure: no Pulumi runtime needed."""
    parsed: dict[str, Any] = {}
    problems: list[v.Problem] = []
    for f in config_fields():
        raw = values.get(full_key(project, f.metadata["key"]))
        value, problem = _read_field(f, raw)
        if problem:
            problems.append(problem)
        else:
            parsed[f.name] = value
    settings = Settings(stack=stack, **parsed)
    failed = [p.key for p in problems]
    problems += cross_key_problems(settings, unparsed=failed)
    problems += _unknown_key_problems(values, project)
    if problems:
        raise SettingsError(stack, [_describe(p, values, project) for p in problems])
    return settings


def load_settings() -> Settings:
    """Settings of the running stack, or a RunError (no traceback) listing every problem.

    Documentation placeholders (infra.placeholders) only warn in a preview, which the offline
    rehearsal runs on the stack files as they ship; a real update refuses them here, before the
    program registers a single resource."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    values = _configured_values(project)
    try:
        settings = parse_settings(values, project, stack)
    except SettingsError as error:
        raise pulumi.RunError(str(error)) from None
    lines = placeholder_lines(settings, values, project)
    if lines and not pulumi.runtime.is_dry_run():
        raise pulumi.RunError(str(SettingsError(stack, lines, kind="placeholder")))
    for line in lines:
        pulumi.log.warn(f"{line} (a preview only warns; `pulumi up` refuses it)")
    return settings


def placeholder_lines(settings: Settings, values: Mapping[str, str], project: str) -> list[str]:
    """One line per key that still holds a documentation example, as an error names it."""
    return [_describe(p, values, project) for p in placeholder_problems(settings)]


def _read_field(f: Field[Any], raw: str | None) -> tuple[Any, v.Problem | None]:
    key, parse, check = f.metadata["key"], f.metadata["parse"], f.metadata["check"]
    value = f.default
    if raw is not None:
        try:
            value = parse(raw)
        except ValueError as error:
            return None, v.Problem(key, str(error))
    reason = check(value) if check else None
    return (None, v.Problem(key, reason)) if reason else (value, None)


def _unknown_key_problems(values: Mapping[str, str], project: str) -> list[v.Problem]:
    """Keys in this project's namespace that no field reads: usually a typo, silently ignored
    otherwise."""
    known = {f.metadata["key"] for f in config_fields()}
    prefix = f"{project}:"
    problems = []
    for key in sorted(values):
        name = key.removeprefix(prefix)
        if key.startswith(prefix) and name not in known:
            guess = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            problems.append(
                v.Problem(key, f"is not a setting of this program{hint} (see Pulumi.yaml)")
            )
    return problems


def _describe(problem: v.Problem, values: Mapping[str, str], project: str) -> str:
    key = full_key(project, problem.key)
    if problem.value is not None:
        shown = f" = {problem.value!r}"
    elif key in values and _is_sensitive(problem.key):
        shown = " = <value not shown>"
    elif key in values:
        shown = f" = {values[key]!r}"
    else:
        default = _default_of(problem.key)
        shown = f" (not set, default {default!r})" if default else " (not set)"
    return f"{key}{shown}: {problem.allowed}"


def _is_sensitive(key: str) -> bool:
    return any(f.metadata["key"] == key and f.metadata["sensitive"] for f in config_fields())


def _default_of(key: str) -> object:
    for f in config_fields():
        if f.metadata["key"] == key:
            return f.default
    return None


def _configured_values(project: str) -> dict[str, str]:
    """Every config value the stack sets in this project's namespace, plus the other keys the
    settings read (aws:region)."""
    keys = {full_key(project, f.metadata["key"]) for f in config_fields()}
    keys |= {k for k in _all_config_keys() if k.startswith(f"{project}:")}
    values = {}
    for key in keys:
        namespace, _, name = key.partition(":")
        value = pulumi.Config(namespace).get(name)
        if value is not None:
            values[key] = value
    return values


def _all_config_keys() -> Iterable[str]:
    """All config keys the engine passed. The SDK has no public listing, so this reads the two
    places its own `get_config` looks (set_all_config and PULUMI_CONFIG); if either moves in a
    future SDK, typo detection goes quiet but nothing else changes."""
    keys: set[str] = set()
    store = getattr(runtime_config, "CONFIG", None)
    if store is not None:
        keys |= set(store.get())
    env_config = getattr(runtime_config, "get_config_env", lambda: None)()
    if env_config:
        keys |= set(env_config)
    return keys
