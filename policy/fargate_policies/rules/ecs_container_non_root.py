"""Containers run as a non-root user (the mission's first rule)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, container_policy
from fargate_policies.readers.containers import Container, Task
from fargate_policies.readers.values import describe, is_unknown
from fargate_spec.contract import CONTAINER_USER
from fargate_spec.sizes import is_windows

_FIX = f"set user to a non-root UID such as '{CONTAINER_USER}'"
_KNOBS = {
    "allowedUids": Knob(
        "array", [], "UIDs containers may run as; empty allows any non-root user.", items="integer"
    ),
    "requireNumericUid": Knob(
        "boolean", False, "Require a numeric UID (a user name could map to UID 0 in the image)."
    ),
}


def root_reason(user: str) -> str | None:
    """Why `user` ("name", "uid", "name:group", "uid:gid") means root, or None if it does not."""
    principal = user.split(":", 1)[0].strip()
    if not principal:
        return "it names no user"
    if principal.lower() == "root":
        return "it names root"
    if principal.isdigit() and int(principal) == 0:
        return "UID 0 is root"
    return None


@container_policy(EnforcementLevel.MANDATORY, "ecs-container-non-root", _KNOBS)
def container_non_root(
    container: Container, task: Task, knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every container declares a non-root user (not empty, not 'root', not UID 0
    in any form such as '0' or '0:1000')."""
    if isinstance(task.os_family, str) and is_windows(task.os_family):
        return  # ECS does not support `user` for Windows containers
    user = container.get("user")
    if is_unknown(user):
        findings.skip(container.not_known("user"))
    elif user is None:
        findings.violation(f"{container.subject} must declare a non-root user: {_FIX}.")
    elif not isinstance(user, str):
        findings.violation(
            f"{container.subject} must declare user as a string, not {describe(user)}: {_FIX}."
        )
    elif reason := root_reason(user):
        findings.violation(
            f"{container.subject} must not run as root (user {describe(user)}; {reason}): {_FIX}."
        )
    else:
        _check_allowed_uid(container, user, knobs, findings)


def _check_allowed_uid(
    container: Container, user: str, knobs: dict[str, Any], findings: Findings
) -> None:
    principal = user.split(":", 1)[0].strip()
    allowed: list[int] = knobs["allowedUids"]
    if (knobs["requireNumericUid"] or allowed) and not principal.isdigit():
        findings.violation(
            f"{container.subject} must name a numeric UID, not user {describe(user)}, so the "
            f"UID can be checked without the image: {_FIX}."
        )
    elif allowed and int(principal) not in allowed:
        findings.violation(
            f"{container.subject} must run as one of the allowed UIDs "
            f"{', '.join(map(str, allowed))}, not {describe(user)}: {_FIX}."
        )
