"""Running the offline scripts with the real Pulumi CLI, and reading what the engine printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PREVIEW = ROOT / "scripts" / "offline-preview.sh"
UP = ROOT / "scripts" / "offline-up.sh"
OFFLINE_PULUMI = ROOT / "scripts" / "offline-pulumi.sh"
NO_GO_TOOLCHAIN = 2  # scripts/install-pulumi.sh: Go is missing or too old
# A resource in the engine's plan: " +  aws:ecs:TaskDefinition fastapi-task create".
PLAN_LINE = re.compile(
    r"^\s*[-+~]{1,2}\+?-?\s+(?P<type>[\w-]+:[\w-]+:\w+)\s+(?P<name>\S+)\s+"
    r"(?P<op>create|update|replace|delete|create-replacement|delete-replaced)\b",
    re.M,
)
# A policy result: "- [mandatory]  ecs-container-non-root  (aws:ecs:TaskDefinition: bad-task)".
VIOLATION = re.compile(
    r"- \[(?P<level>mandatory|advisory)\]\s+(?P<policy>[\w-]+)\s+\((?P<on>[^)]*)\)"
)
PREVIEW_NOTE = "during preview: skipped checks: "


def require_cli(install: subprocess.CompletedProcess, environ: Mapping[str, str]) -> None:
    """Skip when this machine cannot build the CLI (no Go toolchain); under CI, where
    install-pulumi.sh can install Go, fail instead: CI must run these tests. A build that fails
    for another reason fails them everywhere."""
    if install.returncode == NO_GO_TOOLCHAIN:
        reason = f"the Pulumi CLI cannot be installed here: {install.stderr.strip()}"
        if environ.get("CI"):
            pytest.fail(f"CI must run the real-CLI tests, but {reason}")
        pytest.skip(reason)
    assert install.returncode == 0, f"scripts/install-pulumi.sh failed:\n{install.stderr}"


def run(
    script: Path, *args: str, project: Path | None = None, state: Path | None = None
) -> subprocess.CompletedProcess:
    """One offline script; `state` keeps its backend apart from the previews' (OFFLINE_STATE)."""
    env = dict(os.environ)
    if project is not None:
        env["OFFLINE_PROJECT"] = str(project)
    if state is not None:
        env["OFFLINE_STATE"] = str(state)
    result = subprocess.run(
        ["bash", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=1800,
        check=False,
    )
    print(result.stdout, result.stderr)  # the engine's own report, shown when a test fails
    return result


def planned(output: str, op: str = "create") -> Counter[str]:
    """How many resources of each type the plan `op`s (each resource counted once)."""
    unique = {(m["type"], m["name"]) for m in PLAN_LINE.finditer(output) if m["op"] == op}
    return Counter(resource_type for resource_type, _ in unique)


def names(output: str, resource_type: str, op: str = "create") -> set[str]:
    return {
        m["name"]
        for m in PLAN_LINE.finditer(output)
        if m["type"] == resource_type and m["op"] == op
    }


def violations(output: str) -> list[tuple[str, str, str]]:
    policies = output.split("\nPolicies:", 1)[-1]
    return [(m["level"], m["policy"], m["on"]) for m in VIOLATION.finditer(policies)]


def preview_notes(output: str) -> list[str]:
    """The pack's advisory notes on checks it could not run in preview, one per line."""
    return [line.strip() for line in output.splitlines() if PREVIEW_NOTE in line]


def outputs(output: str) -> dict[str, str]:
    """The stack outputs the engine printed last: a value, or "[unknown]"."""
    block = output.rsplit("\nOutputs:\n", 1)[-1].split("\n\n", 1)[0]
    found = re.findall(r"^\s+(\w+)\s*:\s*(.+)$", block, re.M)
    return {key: value.strip().strip('"') for key, value in found}


def exported_resources(project: str, stack: str, state: Path) -> list[dict]:
    """The resources `pulumi stack export` shows in the backend under `state`."""
    result = run(
        OFFLINE_PULUMI, "stack", "export", "--stack", f"organization/{project}/{stack}", state=state
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["deployment"].get("resources") or []
