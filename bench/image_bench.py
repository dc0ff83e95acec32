"""Start inside the built image (target T3): ours against a bare FastAPI app started the same way.

scripts/build-image.sh builds service/Dockerfile unchanged. In a buildah working container of
that image, bench/bare_fastapi.py is copied into the WORKDIR and compiled as the Dockerfile's
builder compiles the app (`python -m compileall --invalidation-mode checked-hash`, by the
image's own python), so both apps start from bytecode, as the image ships them. Each start is a
`buildah run` of the image's CMD with the image's ENV, USER and WORKDIR (ours as is; the bare app
with only the APP argument changed), in a private network namespace (testkit/image:
the CMD binds 0.0.0.0:8000 as written). The time runs from launching `buildah run` to the first
200 from /healthz on the container's 127.0.0.1:8000, polled every 5 ms from inside that
namespace (CLOCK_MONOTONIC is shared by every process of the host).

Starts take turns, after one untimed start of each (its figure is kept as `first_seconds`: the
page cache may be cold then). `buildah run` of `true`, timed alongside, is the container start
alone: the same for both apps, it is in both figures.

A third start, ours in a second working container whose standard library has no bytecode, is
the image as it would be without its runtime stage's compile step: docker-library/python's
build deletes every *.pyc under /usr/local (the local stand-in base, scripts/image/stand-ins.sh,
does the same), and with PYTHONDONTWRITEBYTECODE (and ECS's read-only root filesystem) such an
image compiles the standard library at every start.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.servers import BARE_MODULE
from bench.turns import rotated
from testkit.image import (
    ToolsMissingError,
    WorkingContainer,
    build_image,
    container_processes,
    docker_config,
    network_namespace,
    start_cmd,
)
from testkit.uvicorn_process import LIVENESS_URL_PATH, REPO

IMAGE_TAG = "fastapi-fargate-service:bench"
BARE_SOURCE = REPO / "bench" / f"{BARE_MODULE}.py"
HEALTHY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0

# Runs in the container's network namespace on the host's python: says "ready", then polls
# liveness until a 200 and prints the CLOCK_MONOTONIC time of that answer.
_POLLER = """
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
print("ready", flush=True)
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                print(time.monotonic(), flush=True)
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.005)
sys.exit(1)
"""


def bare_command(cmd: Sequence[str]) -> list[str]:
    """The image's CMD with the bare app as uvicorn's APP argument (its only non-option word)."""
    command = list(cmd)
    apps = [index for index, word in enumerate(command) if word.endswith(":app")]
    if len(apps) != 1:
        raise ValueError(f"CMD {command}: expected exactly one APP argument (module:app)")
    command[apps[0]] = f"{BARE_MODULE}:app"
    return command


def add_bare_app(container: WorkingContainer, workdir: str) -> None:
    """Copy the bare app into the container's WORKDIR (root-owned, like the app) and compile it
    the way the Dockerfile compiles the app, with the image's python."""
    target = f"{workdir}/{BARE_SOURCE.name}"
    subprocess.run(
        ["buildah", "copy", "--quiet", container.name, str(BARE_SOURCE), target],
        check=True,
        capture_output=True,
    )
    compile_argv = ["python", "-m", "compileall", "-q", "--invalidation-mode", "checked-hash"]
    run = [*container.command([*compile_argv, target])]
    run.insert(run.index("run") + 1, "--user=0:0")
    subprocess.run(run, check=True, capture_output=True)


STDLIB_WITHOUT_BYTECODE = "ours, stdlib without bytecode"
_STRIP_STDLIB_BYTECODE = """
import pathlib, sysconfig
removed = 0
for path in pathlib.Path(sysconfig.get_paths()["stdlib"]).rglob("*.pyc"):
    if "-packages" not in str(path.parent):  # site-packages may sit under the stdlib
        path.unlink()
        removed += 1
print(removed)
"""


def strip_stdlib_bytecode(container: WorkingContainer) -> int:
    """Delete the standard library's .pyc files in this working container (as root), as the
    official python image ships it; the image itself is not changed. Returns how many."""
    run = container.command(["python", "-c", _STRIP_STDLIB_BYTECODE])
    run.insert(run.index("run") + 1, "--user=0:0")
    done = subprocess.run(run, check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1])


def time_start(container: WorkingContainer, cmd: Sequence[str], netns: Sequence[str]) -> float:
    """Seconds from launching `buildah run CMD` to the first 200 from liveness; then SIGTERM."""
    url = f"http://127.0.0.1:8000{LIVENESS_URL_PATH}"
    argv = [*netns, sys.executable, "-c", _POLLER, url, str(HEALTHY_TIMEOUT_SECONDS)]
    poller = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert poller.stdout is not None
        if poller.stdout.readline().strip() != "ready":
            raise RuntimeError("the liveness poller did not start")
        began = time.monotonic()
        with start_cmd(container, cmd, netns) as running:
            line = poller.stdout.readline().strip()
            if poller.wait(HEALTHY_TIMEOUT_SECONDS) != 0 or not line:
                raise RuntimeError(f"{cmd} did not answer liveness:\n{running.log()[-2000:]}")
            seconds = float(line) - began
            _stop(running.process, container_processes(running.process.pid))
        return seconds
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait()


def _stop(buildah_run: subprocess.Popen[str], processes: Sequence[Any]) -> None:
    for process in processes:
        os.kill(process.pid, signal.SIGTERM)  # what ECS sends; the server drains and exits
    buildah_run.wait(STOP_TIMEOUT_SECONDS)


def time_container_alone(container: WorkingContainer, netns: Sequence[str]) -> float:
    began = time.monotonic()
    done = container.run(["true"], netns)
    if done.returncode != 0:
        raise RuntimeError(f"buildah run true exited {done.returncode}: {done.stderr}")
    return time.monotonic() - began


def run(trials: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    log("  building the image (scripts/build-image.sh)")
    try:
        image = build_image(IMAGE_TAG)
    except ToolsMissingError as error:
        log(f"  image start skipped: {error}")
        return {"skipped": str(error)}
    config = docker_config(image.image_id)
    main = WorkingContainer(image.image_id, f"bench-image-{os.getpid()}")
    plain = WorkingContainer(image.image_id, f"bench-image-stdlib-{os.getpid()}")
    starts = {
        "ours": (main, list(config["Cmd"])),
        "bare": (main, bare_command(config["Cmd"])),
        STDLIB_WITHOUT_BYTECODE: (plain, list(config["Cmd"])),
    }
    samples: dict[str, list[float]] = {key: [] for key in [*starts, "container_alone"]}
    first: dict[str, float] = {}
    try:
        add_bare_app(main, config.get("WorkingDir") or "/")
        stripped = strip_stdlib_bytecode(plain)
        with network_namespace() as netns:
            for key, (container, cmd) in starts.items():  # untimed in the medians
                first[key] = time_start(container, cmd, netns)
            for trial in range(trials):
                for key in rotated(list(starts), trial):
                    container, cmd = starts[key]
                    samples[key].append(time_start(container, cmd, netns))
                samples["container_alone"].append(time_container_alone(main, netns))
                log(
                    f"  image start {trial + 1}: "
                    + ", ".join(f"{key} {runs[-1]:.3f} s" for key, runs in samples.items())
                )
    finally:
        main.remove()
        plain.remove()

    def ratio(top: str, bottom: str) -> float:
        pairs = zip(samples[top], samples[bottom], strict=True)
        return statistics.median(a / b for a, b in pairs)

    return {
        "image": IMAGE_TAG,
        "image_id": image.image_id,
        "commands": {key: cmd for key, (_, cmd) in starts.items()},
        "stdlib_bytecode_removed": stripped,
        "first_seconds": first,
        "seconds": {key: statistics.median(runs) for key, runs in samples.items()},
        "samples": samples,
        "ours_over_bare": ratio("ours", "bare"),
        "stdlib_uncompiled_over_ours": ratio(STDLIB_WITHOUT_BYTECODE, "ours"),
    }


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
