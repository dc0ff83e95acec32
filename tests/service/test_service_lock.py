"""The lock is current, service/requirements.txt is its export, and the dev virtualenv the
tests run in has exactly those versions, so the tests exercise what the image ships."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker

from testkit.uvicorn_process import SERVICE_DIR

REQUIREMENTS = SERVICE_DIR / "requirements.txt"
EXPORT = ["export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"]


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.fail("uv not found: install requirements-dev.txt")
    return found


def run_uv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [uv(), *args], cwd=SERVICE_DIR, capture_output=True, text=True, check=False
    )


def test_lock_matches_pyproject() -> None:
    result = run_uv("lock", "--check", "--offline")
    assert result.returncode == 0, f"run `uv lock` in service/:\n{result.stderr}"


def test_requirements_txt_is_the_export_of_the_lock() -> None:
    result = run_uv(*EXPORT, "--quiet")
    assert result.returncode == 0, result.stderr
    fix = f"run `uv {' '.join(EXPORT)} -o requirements.txt` in service/"
    assert requirement_lines(REQUIREMENTS.read_text()) == requirement_lines(result.stdout), fix


def requirement_lines(text: str) -> list[str]:
    """The pins, without uv's comments (its header repeats the command line, e.g. `-o`)."""
    return [line for line in text.splitlines() if line and not line.lstrip().startswith("#")]


def test_dev_virtualenv_has_the_locked_versions() -> None:
    pins = re.findall(
        r"^([A-Za-z0-9._-]+)==([^\s;]+)(?:\s*;\s*(.+))?$", REQUIREMENTS.read_text(), re.M
    )
    assert pins, f"no pins in {REQUIREMENTS}"
    wrong = {
        name: (version, installed_version(name))
        for name, version, marker in pins
        if (not marker or Marker(marker).evaluate()) and installed_version(name) != version
    }
    assert wrong == {}, (
        "locked vs installed; run scripts/bootstrap.sh or pip install -r requirements-dev.txt"
    )


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
