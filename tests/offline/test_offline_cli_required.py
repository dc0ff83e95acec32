"""Whether a machine without the Pulumi CLI skips or fails the real-CLI tests (tests/offline/
conftest.py), decided on scripts/install-pulumi.sh's answer as the image tests decide on
buildah's (tests/image/conftest.py)."""

from __future__ import annotations

import subprocess

import pytest

from tests.offline.cli import NO_GO_TOOLCHAIN, require_cli

NO_GO = subprocess.CompletedProcess([], NO_GO_TOOLCHAIN, "", "install-pulumi: go not found")


def test_under_ci_a_cli_that_cannot_be_built_fails_the_tests():
    with pytest.raises(pytest.fail.Exception, match="CI must run the real-CLI tests, but the "):
        require_cli(NO_GO, {"CI": "true"})


def test_elsewhere_a_machine_without_go_skips_them():
    with pytest.raises(pytest.skip.Exception, match="install-pulumi: go not found"):
        require_cli(NO_GO, {})


def test_a_build_that_fails_for_another_reason_fails_them_everywhere():
    broken = subprocess.CompletedProcess([], 1, "", "go build: compile error")
    with pytest.raises(AssertionError, match="compile error"):
        require_cli(broken, {})
