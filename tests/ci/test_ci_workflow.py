"""The CI workflow (.github/workflows/preview.yml): valid for GitHub Actions, as actionlint (built
from the Go module proxy by scripts/install-actionlint.sh) checks it, and doing what the README
says: on pull requests, preview every stack with the pack and that stack's pack config, QEMU and
buildx for the arm64 image, AWS credentials through OIDC from a repository variable, and every
action pinned to the full commit of a release, named in a comment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "preview.yml"
INSTALL = ROOT / "scripts" / "install-actionlint.sh"
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
# A tag can be moved to other code; a full commit SHA cannot (GitHub's "Security hardening for
# GitHub Actions": pin third-party actions to a full-length commit SHA).
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
# How each pinned line names its release, for readers and for update tools such as Dependabot.
PINNED_LINE = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def steps() -> list[dict[str, Any]]:
    return workflow()["jobs"]["preview"]["steps"]


def step_using(action: str) -> dict[str, Any]:
    found = [s for s in steps() if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"one step uses {action}"
    return found[0]


@pytest.fixture(scope="module")
def actionlint() -> Path:
    if shutil.which("go") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must build actionlint, but Go is not installed")
        pytest.skip("Go is not installed: scripts/install-actionlint.sh cannot build actionlint")
    result = subprocess.run(
        ["bash", str(INSTALL)], capture_output=True, text=True, check=False, timeout=900
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip()) / "actionlint"


def lint(actionlint: Path, path: Path, project: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(actionlint), "-no-color", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=project,
        timeout=120,
    )


@pytest.mark.slow
def test_actionlint_accepts_the_workflow(actionlint: Path) -> None:
    result = lint(actionlint, WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_actionlint_refuses_a_broken_copy(actionlint: Path, tmp_path: Path) -> None:
    """The check can fail: a matrix key that does not exist and an unknown job key."""
    broken = tmp_path / ".github" / "workflows" / "preview.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text()
    text = text.replace("stack-name: ${{ matrix.stack }}", "stack-name: ${{ matrix.stacks }}")
    text = text.replace("runs-on:", "runs_on:")
    broken.write_text(text)
    result = lint(actionlint, broken, project=tmp_path)
    assert result.returncode == 1, result.stdout
    assert 'property "stacks" is not defined' in result.stdout
    assert "runs_on" in result.stdout


def test_runs_on_pull_requests_and_previews_every_stack_with_its_pack_config() -> None:
    flow = workflow()
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    assert set(flow[True]) == {"pull_request"}
    assert flow["jobs"]["preview"]["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    assert sorted(flow["jobs"]["preview"]["strategy"]["matrix"]["stack"]) == STACKS
    pulumi = step_using("pulumi/actions")["with"]
    assert pulumi["command"] == "preview"
    assert pulumi["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["policyPacks"] == "policy"
    assert pulumi["policyPackConfigs"] == "policy/config/${{ matrix.stack }}.json"
    for stack in STACKS:
        assert (ROOT / "policy" / "config" / f"{stack}.json").is_file(), stack


def test_builds_arm64_through_qemu_and_buildx_before_the_preview() -> None:
    names = [s.get("uses", "").split("@")[0] for s in steps()]
    qemu = names.index("docker/setup-qemu-action")
    buildx = names.index("docker/setup-buildx-action")
    assert qemu < buildx < names.index("pulumi/actions")
    assert "arm64" in step_using("docker/setup-qemu-action")["with"]["platforms"]


def test_aws_credentials_come_through_oidc_from_a_repository_variable() -> None:
    flow = workflow()
    assert flow["permissions"]["id-token"] == "write"
    aws = step_using("aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.AWS_ROLE_TO_ASSUME }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws)
    names = [s.get("uses", "").split("@")[0] for s in steps()]
    assert names.index("aws-actions/configure-aws-credentials") < names.index("pulumi/actions")


def test_every_action_is_pinned_to_a_commit_and_names_its_release() -> None:
    """The SHAs are the commits the releases' tags point to, read from the actions' own
    repositories (git rev-parse vX.Y.Z^{commit}; each the newest release of the major version
    used before: checkout v4.4.0, setup-python v5.6.0, setup-go v5.6.0, setup-qemu-action
    v3.7.0, setup-buildx-action v3.12.0, configure-aws-credentials v4.3.1, pulumi/actions
    v6.6.1)."""
    uses = [s["uses"] for s in steps() if "uses" in s]
    assert len(uses) == 6
    assert [u for u in uses if not PINNED.match(u)] == []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        lines = [
            line
            for line in path.read_text().splitlines()
            if line.lstrip().startswith(("uses:", "- uses:"))
        ]
        assert lines, path
        assert [line for line in lines if not PINNED_LINE.match(line)] == [], path


def test_the_readme_points_to_the_workflow_instead_of_carrying_it() -> None:
    readme = (ROOT / "README.md").read_text()
    assert ".github/workflows/preview.yml" in readme
    assert "uses: pulumi/actions" not in readme
