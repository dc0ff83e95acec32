"""One rehearsal task: a buildah container of the built image, run as the task definition says.

- Its own network namespace (as awsvpc gives each Fargate task its own network interface), so
  each task serves on the container port, 8000, and HAProxy reaches it there.
- The task definition's user and environment (`buildah run --user/--env`); secrets are left
  out, since offline nothing can resolve them.
- The image's CMD (the program sets no command) with one change: its app argument,
  `app.main:app`, becomes `slow_app:app`, the same app with a slow route in front
  (testkit/slow_app.py, the graceful-shutdown tests' wrapper, mounted read-only at
  /app/slow_app.py, next to the service's package).
- A read-only root: the container's root filesystem is bind-mounted read-only onto itself
  before the run, so nothing, root included, can write to it.
- The task's writable volumes (mountPoints) as Fargate makes them: an empty directory owned by
  root with mode 0755, unless the image declares the path as a VOLUME, in which case the
  image's directory (mode, owner, contents) is copied in (NOTES: Fargate 1.4 bind mounts).

Signals go to the app's process, as ECS sends them to the container's main process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.rollout.stack import Container
from fargate_spec import contract
from testkit.image import buildah, container_processes
from testkit.uvicorn_process import REPO

TASK_APP_FILE = REPO / "testkit" / "slow_app.py"
TASK_APP_MOUNT = "/app/slow_app.py"
TASK_APP_MODULE = "slow_app:app"
# buildah run writes /run/.containerenv into the container (buildah 1.28 run_linux.go), which
# a read-only root refuses: /run gets a root-owned directory of its own, which the app's user
# cannot write either.
BUILDAH_RUN_DIR = "/run"


class TaskError(RuntimeError):
    """A task could not be created or started."""


def rehearsal_command(image_cmd: list[str], container: Container) -> list[str]:
    """The task definition's command (the image's CMD when it sets none), serving the app with
    the rehearsal's slow route in front."""
    command = list(container.command or image_cmd)
    if contract.APP_MODULE not in command:
        raise TaskError(
            f"the task's command {command} does not serve {contract.APP_MODULE}; the rehearsal"
            " wraps that app to add its slow route"
        )
    return [TASK_APP_MODULE if word == contract.APP_MODULE else word for word in command]


def fargate_volume(image_root: Path, path: str, declared: frozenset[str], target: Path) -> Path:
    """Fargate's bind volume for `path`, made at `target`: empty, owned by root, mode 0755; or,
    when the image declares `path` a VOLUME, a copy of the image's directory (mode, owner and
    contents)."""
    if path not in declared:
        return empty_volume(target)
    source = image_root / path.lstrip("/")
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    stat = source.stat()
    os.chown(target, stat.st_uid, stat.st_gid)
    target.chmod(stat.st_mode & 0o7777)
    return target


def empty_volume(target: Path) -> Path:
    target.mkdir(mode=0o755, parents=True, exist_ok=True)
    os.chown(target, 0, 0)
    target.chmod(0o755)
    return target


@dataclass
class Task:
    """A task in one network namespace; `start` launches it, `remove` undoes everything."""

    name: str
    netns: str
    image: str
    image_volumes: frozenset[str]
    container: Container
    command: list[str]
    work_dir: Path
    log_path: Path = field(init=False)
    pid: int | None = field(default=None, init=False)
    """The app's process (uvicorn), the container's main process."""
    _working: str | None = field(default=None, init=False)
    _root: Path | None = field(default=None, init=False)
    _readonly_bind: bool = field(default=False, init=False)
    _run: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.log_path = self.work_dir / f"{self.name}.log"

    # --- start ------------------------------------------------------------------------------

    def start(self, timeout: float = 30) -> None:
        """Create the container and run the command; returns once the app's process exists."""
        self._create()
        argv = [
            "nsenter",
            f"--net=/var/run/netns/{self.netns}",
            "buildah",
            "run",
            "--isolation",
            "chroot",
            "--user",
            self.container.user,
            *self._volume_args(),
            *[
                arg
                for name, value in self.container.environment
                for arg in ("--env", f"{name}={value}")
            ],
            self._working or "",
            "--",
            *self.command,
        ]
        with self.log_path.open("wb") as log:
            self._run = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pid = self._main_process()
            if self.pid is not None:
                return
            if self._run.poll() is not None:
                raise TaskError(f"task {self.name} exited at start:\n{self.log_path.read_text()}")
            time.sleep(0.02)
        raise TaskError(f"task {self.name}: no app process after {timeout} s")

    def _main_process(self) -> int | None:
        """The command's own process once it runs (`python .../uvicorn ARGS` for the CMD's
        `uvicorn ARGS`), not buildah's helpers nor a child that has yet to exec it."""
        assert self._run is not None
        program, arguments = Path(self.command[0]).name, tuple(self.command[1:])
        for process in container_processes(self._run.pid):
            argv = process.argv
            if argv[len(argv) - len(arguments) :] == arguments and any(
                Path(word).name == program for word in argv[: len(argv) - len(arguments)]
            ):
                return process.pid
        return None

    def _create(self) -> None:
        self._working = buildah(
            "from", "--pull=never", "--quiet", "--name", f"{self.netns}-ctr", self.image
        ).strip()
        self._root = Path(buildah("mount", self._working).strip())
        # Mount points must exist before the root turns read-only (Docker and ECS create them
        # in the container's writable layer too).
        for target in (BUILDAH_RUN_DIR, *self.container.writable_paths):
            (self._root / target.lstrip("/")).mkdir(mode=0o755, parents=True, exist_ok=True)
        (self._root / TASK_APP_MOUNT.lstrip("/")).touch(mode=0o644)
        if self.container.readonly_root:
            subprocess.run(["mount", "--bind", str(self._root), str(self._root)], check=True)
            self._readonly_bind = True
            subprocess.run(
                ["mount", "-o", "remount,bind,ro", str(self._root), str(self._root)], check=True
            )

    def _volume_args(self) -> list[str]:
        assert self._root is not None
        args = ["--volume", f"{TASK_APP_FILE}:{TASK_APP_MOUNT}:ro"]
        volumes = {
            path: fargate_volume(self._root, path, self.image_volumes, self._volume_dir(path))
            for path in self.container.writable_paths
        }
        if self.container.readonly_root and BUILDAH_RUN_DIR not in volumes:
            volumes[BUILDAH_RUN_DIR] = empty_volume(self._volume_dir(BUILDAH_RUN_DIR))
        for path, source in volumes.items():
            args += ["--volume", f"{source}:{path}:rw"]
        return args

    def _volume_dir(self, path: str) -> Path:
        return self.work_dir / f"{self.name}-volumes" / path.strip("/").replace("/", "_")

    # --- stop -------------------------------------------------------------------------------

    def signal(self, number: signal.Signals) -> None:
        if self.pid is not None and self.running():
            os.kill(self.pid, number)

    def running(self) -> bool:
        """The app's process exists and is not a zombie."""
        if self.pid is None:
            return False
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"

    def kill(self) -> None:
        """SIGKILL to every process of the container (what ECS does after stopTimeout)."""
        if self._run is None:
            return
        for process in container_processes(self._run.pid):
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                continue

    def finished_cleanly(self) -> bool:
        """uvicorn logged the end of its shutdown (a SIGKILL leaves no such line)."""
        return f"Finished server process [{self.pid}]" in self.log_path.read_text(errors="replace")

    def remove(self) -> None:
        """Stop whatever still runs and delete the container; safe to call more than once."""
        self.kill()
        if self._run is not None:
            try:
                self._run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._run.kill()
                self._run.wait()
            self._run = None
        if self._readonly_bind and self._root is not None:
            subprocess.run(["umount", str(self._root)], check=False)
            self._readonly_bind = False
        if self._working is not None:
            buildah("rm", self._working, check=False)
            self._working = None


def create_network_namespace(name: str) -> None:
    """A named namespace (/var/run/netns/NAME, which HAProxy's `namespace` keyword opens) with
    only loopback up."""
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    subprocess.run(
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
        check=True,
        capture_output=True,
    )


def delete_network_namespace(name: str) -> None:
    subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)
