"""Build the service image with scripts/build-image.sh and run it with buildah, as Docker or ECS
would run it, on this machine: no daemon, no registry, no cgroups.

buildah's chroot isolation shares the host's PID and network namespaces. So each run here
joins a private network namespace made for the test (the image's CMD binds 0.0.0.0:8000 and its
HEALTHCHECK calls 127.0.0.1:8000, exactly as written, without touching the host's ports), and
the container's processes are told apart from the host's by their place in the process tree.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = REPO / "scripts" / "build-image.sh"
IMAGE_TAG = "fastapi-fargate-service:test"
# build-image.sh: buildah or debootstrap missing and not installable here.
EXIT_TOOLS_MISSING = 3

# Executables a runtime image must not ship: C compilers (gcc-12, x86_64-linux-gnu-gcc, cc,
# c++, clang, tcc) and uv itself.
_COMPILER_NAME = re.compile(
    r"^(?:[\w.]+-linux-gnu-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|tcc)(?:-\d+)?$"
)
_UV_NAMES = frozenset({"uv", "uvx"})
_COMPILER_PACKAGE = re.compile(r"^(?:gcc|g\+\+|cpp|clang|tcc|build-essential|libc6-dev)(?:-\d+)?$")


class ToolsMissingError(RuntimeError):
    """buildah/debootstrap are not installed and build-image.sh could not install them."""


@dataclass(frozen=True)
class BuiltImage:
    image_id: str
    tag: str
    build_log: str


def build_image(tag: str = IMAGE_TAG) -> BuiltImage:
    """Run scripts/build-image.sh; its stdout is the image ID, its stderr the build log."""
    result = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--tag", tag],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == EXIT_TOOLS_MISSING:
        raise ToolsMissingError(result.stderr.strip().splitlines()[-1])
    if result.returncode != 0:
        raise AssertionError(
            f"scripts/build-image.sh exited {result.returncode}:\n{result.stderr[-6000:]}"
        )
    return BuiltImage(result.stdout.strip(), tag, result.stderr)


def buildah(*args: str, check: bool = True, timeout: float = 300) -> str:
    result = subprocess.run(
        ["buildah", *args], capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and result.returncode != 0:
        command = " ".join(args)
        raise AssertionError(f"buildah {command} exited {result.returncode}: {result.stderr}")
    return result.stdout


def inspect_image(image: str) -> dict[str, Any]:
    """`buildah inspect --type image`: the Docker-format config is under ["Docker"]["config"]."""
    return json.loads(buildah("inspect", "--type", "image", image))


def docker_config(image: str) -> dict[str, Any]:
    return inspect_image(image)["Docker"]["config"]


def healthcheck_argv(config: dict[str, Any]) -> list[str]:
    """What Docker runs for HEALTHCHECK: CMD's words as they are, CMD-SHELL's through /bin/sh."""
    test = config["Healthcheck"]["Test"]
    if test[0] == "CMD":
        return list(test[1:])
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", test[1]]
    raise ValueError(f"Healthcheck.Test {test!r}: expected CMD or CMD-SHELL")


# --- What an image holds ---------------------------------------------------------------------


def forbidden_executables(root: Path) -> list[str]:
    """Executables under root named like a C compiler or uv: regular files with an execute
    bit, or symlinks (e.g. cc -> gcc-12). Directories such as /usr/share/gcc (libstdc++'s
    debugger scripts) are not programs."""
    found = []
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            if name not in _UV_NAMES and not _COMPILER_NAME.match(name):
                continue
            path = Path(directory) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or (stat.S_ISREG(mode) and mode & 0o111):
                found.append("/" + str(path.relative_to(root)))
    return sorted(found)


def installed_compiler_packages(root: Path) -> list[str]:
    """Debian packages of a C toolchain that dpkg lists as installed under root."""
    status = root / "var" / "lib" / "dpkg" / "status"
    installed = []
    for stanza in status.read_text().split("\n\n"):
        fields = dict(re.findall(r"^(Package|Status): (.*)$", stanza, re.MULTILINE))
        package = fields.get("Package", "")
        if fields.get("Status") == "install ok installed" and _COMPILER_PACKAGE.match(package):
            installed.append(package)
    return installed


@dataclass(frozen=True)
class ImageSize:
    uncompressed_bytes: int  # sum of the layer tars: what the image takes once unpacked
    compressed_bytes: int  # sum of the gzip layer blobs: what a registry stores and ECS pulls
    layers_uncompressed: tuple[int, ...]


def image_size(image: str) -> ImageSize:
    """Push the image to two local layouts, as a registry push would package it."""
    with tempfile.TemporaryDirectory(prefix="image-size-") as work:
        plain, gzipped = Path(work, "dir"), Path(work, "oci")
        buildah("push", "--quiet", "--disable-compression", image, f"dir:{plain}")
        buildah("push", "--quiet", image, f"oci:{gzipped}:size")
        plain_manifest = json.loads((plain / "manifest.json").read_text())
        plain_layers = [layer["size"] for layer in plain_manifest["layers"]]
        index = json.loads((gzipped / "index.json").read_text())
        digest = index["manifests"][0]["digest"].split(":", 1)[1]
        manifest = json.loads((gzipped / "blobs" / "sha256" / digest).read_text())
        compressed = sum(layer["size"] for layer in manifest["layers"])
    return ImageSize(sum(plain_layers), compressed, tuple(plain_layers))


# --- Running it ------------------------------------------------------------------------------


@contextmanager
def network_namespace() -> Iterator[list[str]]:
    """A private network namespace with only loopback up; yields the nsenter prefix to join it.
    Held by a sleeping process of ours, killed on exit."""
    holder = subprocess.Popen(["unshare", "--net", "sleep", "infinity"])
    try:
        netns = f"/proc/{holder.pid}/ns/net"
        own = os.readlink("/proc/self/ns/net")
        for _ in range(200):  # unshare(2) runs just after the fork
            if os.readlink(netns) != own:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("unshare --net did not create a network namespace")
        prefix = ["nsenter", f"--net={netns}"]
        subprocess.run([*prefix, "ip", "link", "set", "lo", "up"], check=True)
        yield prefix
    finally:
        holder.kill()
        holder.wait()


class WorkingContainer:
    """A buildah working container from an image; each `run` is one process in it, started
    with the image's config (user, env, working directory) as `docker run`/`exec` would."""

    def __init__(self, image: str, name: str) -> None:
        self.name = buildah("from", "--pull=never", "--quiet", "--name", name, image).strip()

    def remove(self) -> None:
        buildah("rm", self.name, check=False)

    def root(self) -> Path:
        return Path(buildah("mount", self.name).strip())

    def command(self, argv: Sequence[str], netns: Sequence[str] = ()) -> list[str]:
        """No --user: the image's USER applies, as in `docker run` and on ECS."""
        return [*netns, "buildah", "run", "--isolation", "chroot", self.name, "--", *argv]

    def run(
        self, argv: Sequence[str], netns: Sequence[str] = (), timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(argv, netns), capture_output=True, text=True, check=False, timeout=timeout
        )


@dataclass(frozen=True)
class ContainerProcess:
    pid: int
    argv: tuple[str, ...]
    uids: tuple[int, ...]  # real, effective, saved, filesystem


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue  # the thread ended meanwhile
    return children


def container_processes(buildah_run_pid: int) -> list[ContainerProcess]:
    """The image's programs running under one `buildah run`: its descendants chrooted into the
    container, except buildah-chroot-exec, buildah's in-container helper (the counterpart of a
    container runtime's shim; its executable is a memfd copy of buildah, not from the image)."""
    found, pending = [], _children(buildah_run_pid)
    while pending:
        pid = pending.pop()
        pending += _children(pid)
        try:
            chrooted = os.readlink(f"/proc/{pid}/root") != "/"
            executable = os.readlink(f"/proc/{pid}/exe")
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if chrooted and not executable.startswith("/memfd:buildah-chroot-exec"):
            uids = re.search(r"^Uid:\s+(.*)$", status, re.MULTILINE)
            found.append(
                ContainerProcess(
                    pid,
                    tuple(arg.decode() for arg in argv if arg),
                    tuple(int(uid) for uid in uids.group(1).split()) if uids else (),
                )
            )
    return sorted(found, key=lambda process: process.pid)


@dataclass
class RunningContainer:
    """The image's CMD as the container's main process (a `buildah run` of ours)."""

    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()

    def json_logs(self) -> list[dict[str, Any]]:
        """The app's JSON log lines; buildah's own messages are plain text."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]


@contextmanager
def start_cmd(
    container: WorkingContainer, cmd: Sequence[str], netns: Sequence[str]
) -> Iterator[RunningContainer]:
    """Start CMD in the container; on exit, anything still running is killed."""
    with tempfile.NamedTemporaryFile("w+", prefix="image-run-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
        process = subprocess.Popen(
            container.command(cmd, netns), stdout=log, stderr=subprocess.STDOUT, text=True
        )
    running = RunningContainer(process, log_path)
    try:
        yield running
    finally:
        if process.poll() is None:
            for leftover in container_processes(process.pid):
                os.kill(leftover.pid, signal.SIGKILL)
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)


def wait_until_healthy(
    container: WorkingContainer,
    running: RunningContainer,
    probe: Sequence[str],
    netns: Sequence[str],
    attempts: int = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the probe (the image's HEALTHCHECK) until it exits 0, as Docker's start period does;
    the last result is returned either way, or an error if the CMD itself ended."""
    result = container.run(probe, netns)
    for _ in range(attempts):
        if result.returncode == 0:
            break
        if running.process.poll() is not None:
            raise AssertionError(f"the CMD exited {running.process.returncode}:\n{running.log()}")
        time.sleep(0.5)
        result = container.run(probe, netns)
    return result
