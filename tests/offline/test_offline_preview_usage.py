"""The offline scripts' answers to bad input, given before anything is installed or run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREVIEW = ROOT / "scripts" / "offline-preview.sh"
UP = ROOT / "scripts" / "offline-up.sh"


def _preview(*args: str, script: Path = PREVIEW, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_an_unknown_stack_lists_the_stacks_that_exist():
    result = _preview("qa")
    assert result.returncode == 2
    assert "stack 'qa' does not exist" in result.stderr
    assert "its stacks are: dev, prod, staging" in result.stderr


def test_a_stack_without_a_policy_pack_config_names_the_configs_that_exist(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: other\nruntime: python\n")
    (tmp_path / "Pulumi.qa.yaml").write_text("config: {}\n")
    result = _preview("qa", OFFLINE_PROJECT=str(tmp_path))
    assert result.returncode == 2
    assert "no policy pack config for stack 'qa'" in result.stderr
    assert "configs exist for: dev, prod, staging" in result.stderr


def test_offline_up_refuses_an_unknown_stack_the_same_way():
    result = _preview("qa", "--destroy", script=UP)
    assert result.returncode == 2
    assert "stack 'qa' does not exist" in result.stderr
    assert "its stacks are: dev, prod, staging" in result.stderr
