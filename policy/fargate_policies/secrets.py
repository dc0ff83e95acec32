"""Secrets come from Secrets Manager or SSM through `secrets`, never from plaintext environment.

A plaintext environment variable is stored in the task definition, shown in the console and
readable by anyone who may describe task definitions. Messages never repeat the value.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.containers import Container, Task, container_policy
from fargate_policies.framework import Findings, Knob
from fargate_policies.values import is_unknown

# Name fragments that say "this is a secret" (matched case-insensitively).
SECRET_NAME_FRAGMENTS = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
)
# Values that are secrets whatever the variable is called.
SECRET_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key ID", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)
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
    fragments = (*SECRET_NAME_FRAGMENTS, *knobs["extraSecretNamePatterns"])
    upper = name.upper()
    matched = next((fragment for fragment in fragments if fragment.upper() in upper), None)
    if matched:
        return f"its name contains {matched.upper()}"
    if isinstance(value, str):
        for label, pattern in SECRET_VALUE_PATTERNS:
            if pattern.search(value):
                return f"its value looks like {label}"
    return None


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
