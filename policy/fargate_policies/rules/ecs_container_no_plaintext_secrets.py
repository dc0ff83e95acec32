"""Secrets come from Secrets Manager or SSM through `secrets`, never from plaintext environment.

A plaintext environment variable is stored in the task definition, shown in the console and
readable by anyone who may describe task definitions. Messages never repeat the value.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, container_policy
from fargate_policies.readers.containers import Container, Task
from fargate_policies.readers.values import is_unknown
from fargate_spec.secret_names import secret_name_marker, secret_value_kind

_KNOBS = {
    "extraSecretNamePatterns": Knob("array", [], "More name fragments that mark a secret."),
    "allowedNames": Knob(
        "array", [], "Variable names that look secret but are not (e.g. 'TOKEN_TTL_SECONDS')."
    ),
}
_FIX = (
    "move it to the container's secrets with valueFrom set to a Secrets Manager secret or "
    "SSM parameter ARN"
)


def secret_reason(name: str, value: Any, knobs: dict[str, Any]) -> str | None:
    """Why the variable looks like a plaintext secret, or None."""
    if name in knobs["allowedNames"] or value == "" or value is None:
        return None
    marker = secret_name_marker(name, tuple(knobs["extraSecretNamePatterns"]))
    if marker:
        return f"its name contains {marker}"
    kind = secret_value_kind(value) if isinstance(value, str) else None
    return f"its value looks like {kind}" if kind else None


@container_policy(EnforcementLevel.ADVISORY, "ecs-container-no-plaintext-secrets", _KNOBS)
def container_no_plaintext_secrets(
    container: Container, _task: Task, knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether any container passes a secret (a name like *PASSWORD*, *SECRET*, *TOKEN*,
    *API_KEY*, or a value that looks like a key) as a plaintext environment variable."""
    for reason in container.environment_unreadable:
        findings.skip(reason)
    for variable in container.environment:
        reason = secret_reason(variable.name, variable.value, knobs)
        if reason is None and is_unknown(variable.value):
            findings.skip(container.not_known(f"environment variable {variable.name}"))
        elif reason:
            findings.violation(
                f"{container.subject} must not pass {variable.name} as a plaintext environment "
                f"variable ({reason}): {_FIX}."
            )
