"""Every container declares a health check that probes the app: a command that can fail and
reaches the app's port or URL, with intervals and timeouts ECS accepts."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import (
    Findings,
    Knob,
    container_policy,
    expect,
)
from fargate_policies.readers.containers import Container, Task
from fargate_policies.readers.probes import judge, well_formed
from fargate_policies.readers.shell import UnreadableScriptError
from fargate_policies.readers.values import as_int, as_str_list, describe, is_unknown
from fargate_spec.contract import CONTAINER_PORT, LIVENESS_PATH
from fargate_spec.limits import HEALTH_CHECK_BOUNDS

_UNITS = {
    "interval": "seconds",
    "timeout": "seconds",
    "retries": "retries",
    "startPeriod": "seconds",
}
_PROBE_FIX = f"probe {LIVENESS_PATH} on port {CONTAINER_PORT}"
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
