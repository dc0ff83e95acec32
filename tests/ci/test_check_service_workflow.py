"""The reusable workflow service repositories call (.github/workflows/check-service.yml): valid
for GitHub Actions as actionlint checks it, called with `workflow_call`, runs
scripts/check-program.sh on the caller's program with the chosen stack and pack config, needs
no AWS credentials, and pins every action to a release's commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci.test_ci_workflow import PINNED, ROOT, actionlint, lint  # noqa: F401 (fixture)

WORKFLOW = ROOT / ".github" / "workflows" / "check-service.yml"


def document() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


@pytest.mark.slow
def test_actionlint_accepts_the_reusable_workflow(actionlint: Path) -> None:  # noqa: F811
    result = lint(actionlint, WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_called_by_service_repositories_and_runs_check_program() -> None:
    # PyYAML reads the bare key `on` as True.
    trigger = document()[True]
    assert list(trigger) == ["workflow_call"]
    assert set(trigger["workflow_call"]["inputs"]) == {
        "platform-repository",
        "platform-ref",
        "path",
        "stack",
        "pack-config",
    }
    steps = document()["jobs"]["check"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs and "bash platform/scripts/check-program.sh" in runs[-1]
    assert document()["permissions"] == {"contents": "read"}  # no OIDC: no AWS needed
    for step in steps:
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
