"""What the exemption tests share: a pinned day, a task that runs as root, and the tag that
exempts it from ecs-container-non-root. The `pinned_clock` fixture (tests/policy/conftest.py) stops
the pack's clock at TODAY."""

from __future__ import annotations

from datetime import date
from typing import Any

from testkit import policy_fixtures as f
from testkit.policy_harness import Resource

TODAY = date(2026, 3, 1)
NON_ROOT = "ecs-container-non-root"
TAG = f"policy-exemption:{NON_ROOT}"
ROOT_VIOLATION = (
    "Container 'app' in task definition 'web-task' must not run as root (user 'root'; it names "
    "root): set user to a non-root UID such as '1000:1000'."
)


def root_task(tags: dict[str, Any]) -> Resource:
    return f.task_definition([f.container(user="root")], tags=tags)
