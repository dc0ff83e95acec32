"""The Pulumi CLI the offline scripts use, installed once per session (a cold build takes
minutes). Only tests marked `cli` ask for it."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.offline.cli import ROOT, require_cli


@pytest.fixture(scope="session")
def pulumi_cli() -> None:
    install = subprocess.run(
        ["bash", ROOT / "scripts" / "install-pulumi.sh"],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    require_cli(install, os.environ)
