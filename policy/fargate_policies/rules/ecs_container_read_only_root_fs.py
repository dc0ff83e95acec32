"""Read-only root filesystems: the app writes only to the volume mounted at /tmp."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from fargate_policies.framework import Findings, Knob, container_policy, expect_true
from fargate_policies.readers.containers import Container, Task
from fargate_spec.contract import TMP_MOUNT_PATH

_KNOBS = {
    "exemptContainerNames": Knob(
        "array", [], "Container names that may write to their root filesystem."
    )
}


@container_policy(EnforcementLevel.ADVISORY, "ecs-container-read-only-root-fs", _KNOBS)
def container_read_only_root(
    container: Container, _task: Task, knobs: dict[str, Any], findings: Findings
) -> None:
    """Checks whether every container mounts its root filesystem read-only."""
    if container.name in knobs["exemptContainerNames"]:
        return
    why = f"and mount a volume at {TMP_MOUNT_PATH} for anything the app writes"
    value = container.get("readonlyRootFilesystem")
    expect_true(findings, container, "readonlyRootFilesystem", value, why)
