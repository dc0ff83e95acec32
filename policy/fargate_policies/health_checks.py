"""Health checks at every layer: the container, the target group, the service's grace period."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies import resource_types as rt
from fargate_policies.containers import Container, Task, container_policy
from fargate_policies.framework import Findings, Knob, Subject, expect, resource_policy
from fargate_policies.probes import judge, well_formed
from fargate_policies.services import Service, service_policy
from fargate_policies.shell import UnreadableScriptError
from fargate_policies.values import as_int, as_str_list, describe, is_unknown
from fargate_spec.contract import CONTAINER_PORT, LIVENESS_PATH
from fargate_spec.limits import HEALTH_CHECK_BOUNDS

_UNITS = {
    "interval": "seconds",
    "timeout": "seconds",
    "retries": "retries",
    "startPeriod": "seconds",
}
_PROBE_FIX = f"probe {LIVENESS_PATH} on port {CONTAINER_PORT}"
# ELB matcher syntax: codes and ranges, comma separated ("200", "200-299", "200,204").
_MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
_HTTP = ("HTTP", "HTTPS")
_TG_FIX = f"set healthCheck.path (e.g. '{LIVENESS_PATH}') and healthCheck.matcher (e.g. '200')"
_KNOBS = {
    "checkNonEssential": Knob(
        "boolean", False, "Also require health checks on non-essential (sidecar) containers."
    ),
    "allowedProbeCommands": Knob(
        "array",
        [],
        "Programs that probe the app without a URL or port in their arguments "
        "(e.g. 'grpc_health_probe').",
    ),
    "acceptedCommands": Knob(
        "array",
        [],
        "Health-check commands the rule cannot read, accepted as written: the CMD-SHELL script, "
        "or the words after CMD joined by spaces.",
    ),
}
_PROBE_RULE = (
    "a probe requests the app's URL or port and exits non-zero when it does not answer, e.g. "
    f"['CMD', 'python', '-c', <urlopen of http://127.0.0.1:{CONTAINER_PORT}{LIVENESS_PATH}>] "
    f"or ['CMD-SHELL', 'curl -f http://localhost:{CONTAINER_PORT}{LIVENESS_PATH} || exit 1'], "
    "with nothing after it that turns a failure into success (`|| true`, `|| exit 0`, "
    "`; true`); a program that probes without a URL goes in allowedProbeCommands"
)
_READABLE_PROBE_FIX = (
    "write it as ['CMD', <client>, <url>] or a CMD-SHELL script of simple commands joined by "
    "&&, ||, ; or | with balanced quotes (no subshells, groups, if/while/for/case), or list it "
    "exactly in this policy's acceptedCommands"
)
_PATHS = {
    "allowedPaths": Knob("array", [], "Paths target groups may probe; empty allows any path.")
}
_GRACE = {
    "minimumGracePeriodSeconds": Knob(
        "integer", 30, "Least grace period for a service behind a load balancer.", minimum=1
    )
}


@container_policy(EnforcementLevel.MANDATORY, "ecs-container-health-check", _KNOBS)
def container_health_check(
    container: Container, _task: Task, knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every essential container declares a healthCheck whose command probes the
    app and can fail (not `true`, `exit 0`, `echo`, `... || exit 0`), with interval, timeout,
    retries and startPeriod within ECS's limits."""
    if not container.essential and not knobs["checkNonEssential"]:
        return
    health = container.get("healthCheck")
    if is_unknown(health):
        findings.skip(container.not_known("healthCheck"))
    elif health is None:
        findings.violation(
            f"{container.subject} is essential and must declare a healthCheck: add one whose "
            f"command is ['CMD', ...] and {_PROBE_FIX} (ECS ignores the image's HEALTHCHECK)."
        )
    elif not isinstance(health, dict):
        findings.violation(
            f"{container.subject} must set healthCheck to an object with a command, "
            f"not {describe(health)}."
        )
    else:
        _check_command(container, health.get("command"), knobs, findings)
        for key, bounds in HEALTH_CHECK_BOUNDS.items():
            if health.get(key) is not None:  # ECS's defaults lie within its bounds
                expect(
                    findings,
                    health[key],
                    lambda value, bounds=bounds: (
                        (n := as_int(value)) is not None and bounds.contains(n)
                    ),
                    unknown=container.not_known(f"healthCheck.{key}"),
                    violation=f"{container.subject} must set healthCheck.{key} to a whole number "
                    f"from {bounds} {_UNITS[key]}, not {{shown}}.",
                )


def _check_command(
    container: Container, command: Any, knobs: dict[str, Any], findings: Findings
) -> None:
    words = as_str_list(command) if not is_unknown(command) else None
    if not expect(
        findings,
        command,
        lambda _value: well_formed(words),
        unknown=container.not_known("healthCheck.command"),
        violation=f"{container.subject} must set healthCheck.command to ['CMD', <program>, ...] "
        f"or ['CMD-SHELL', <script>], not {{shown}}: {_PROBE_FIX}.",
    ):
        return
    assert words is not None  # expect() passed, so the command is a list of strings
    if any(is_unknown(word) for word in words):
        findings.skip(container.not_known("healthCheck.command"))
        return
    if _accepted(words, knobs["acceptedCommands"]):
        return
    shown = describe(words)
    try:
        verdict = judge(words[0], words[1:], tuple(knobs["allowedProbeCommands"]))
    except UnreadableScriptError as error:
        findings.violation(
            f"{container.subject} must set a healthCheck.command the pack can read, but {shown} "
            f"cannot be read: {error}: {_READABLE_PROBE_FIX}."
        )
        return
    if verdict.never_fails:
        findings.violation(
            f"{container.subject} must set a healthCheck.command that fails when the app does "
            f"not answer, but {shown} exits 0 on every path: {_PROBE_RULE}."
        )
    elif verdict.no_probe:
        findings.violation(
            f"{container.subject} must set a healthCheck.command that probes the app, but no "
            f"command in {shown} reaches it (a URL, address or port of the container) and "
            f"decides the result: {_PROBE_RULE}."
        )


def _accepted(words: list[str], accepted: list[str]) -> bool:
    """Whether the platform accepts this command as written: its script (CMD-SHELL) or its
    words after CMD joined by spaces."""
    return " ".join(words[1:]) in accepted


@resource_policy(
    EnforcementLevel.MANDATORY, "alb-target-group-health-check", rt.TARGET_GROUPS, _PATHS
)
def target_group_health_check(resource: Subject, findings: Findings) -> None:
    """Checks whether every HTTP target group health-checks an explicit path with an explicit
    success matcher."""
    kind, protocol = resource.props.get("targetType"), resource.props.get("protocol")
    if is_unknown(kind) or is_unknown(protocol):
        findings.skip(resource.not_known("targetType and protocol"))
        return
    if kind in ("lambda", "alb") or (protocol and str(protocol).upper() not in _HTTP):
        return  # Lambda and ALB targets, and TCP/TLS/UDP groups, have no HTTP path to check
    health = resource.props.get("healthCheck")
    if not expect(
        findings,
        health,
        lambda value: isinstance(value, dict),
        unknown=resource.not_known("healthCheck"),
        violation=f"{resource.subject} must configure healthCheck with an HTTP path and matcher, "
        f"not {{shown}}: {_TG_FIX}.",
    ):
        return
    if health.get("enabled") is False:
        findings.violation(f"{resource.subject} must not disable its health check: {_TG_FIX}.")
        return
    _check_target_group_fields(resource, health, findings)


def _check_target_group_fields(resource: Subject, health: dict, findings: Findings) -> None:
    allowed = resource.knobs["allowedPaths"]
    expect(
        findings,
        health.get("protocol"),
        lambda value: value is None or value in _HTTP,
        unknown=resource.not_known("healthCheck.protocol"),
        violation=f"{resource.subject} must health-check over HTTP or HTTPS, not {{shown}}: "
        f"{_TG_FIX}.",
    )
    path_ok = expect(
        findings,
        health.get("path"),
        lambda value: isinstance(value, str) and value.startswith("/"),
        unknown=resource.not_known("healthCheck.path"),
        violation=f"{resource.subject} must health-check an explicit HTTP path starting with "
        f"'/', not {{shown}}: {_TG_FIX}.",
    )
    if path_ok and allowed and health["path"] not in allowed:
        findings.violation(
            f"{resource.subject} must health-check one of the allowed paths "
            f"{', '.join(allowed)}, not {describe(health['path'])}."
        )
    expect(
        findings,
        health.get("matcher"),
        lambda value: isinstance(value, str) and _MATCHER.match(value) is not None,
        unknown=resource.not_known("healthCheck.matcher"),
        violation=f"{resource.subject} must set healthCheck.matcher to the HTTP codes of a "
        f"healthy response ('200', '200-299'), not {{shown}}: {_TG_FIX}.",
    )


@service_policy(EnforcementLevel.MANDATORY, "ecs-service-health-check-grace-period", _GRACE)
def service_grace_period(service: Service, knobs: dict[str, Any], findings: Findings) -> None:
    """Checks whether a service behind a load balancer gives new tasks a health-check grace
    period."""
    balanced = service.load_balanced()
    if is_unknown(balanced):
        findings.skip(service.not_known("loadBalancers"))
    elif balanced:
        minimum = knobs["minimumGracePeriodSeconds"]
        expect(
            findings,
            service.props.get("healthCheckGracePeriodSeconds"),
            lambda value: (seconds := as_int(value)) is not None and seconds >= minimum,
            unknown=service.not_known("healthCheckGracePeriodSeconds"),
            violation=f"{service.subject} is behind a load balancer and must set "
            f"healthCheckGracePeriodSeconds to at least {minimum}, not {{shown}}: without it "
            "failed load-balancer checks stop tasks that are still starting.",
        )
