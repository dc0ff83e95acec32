"""Run the service the way its Dockerfile does, on 127.0.0.1.

The command and environment come from service/Dockerfile itself (final stage's CMD and ENV),
so tests and benchmarks start what the image starts. Only what cannot apply outside a
container is adapted: --host/--port (127.0.0.1 and a free port), PATH (this virtualenv's bin
instead of /app/.venv/bin) and the working directory (service/ instead of /app).

Load generation is testkit.wrk's; this module only starts, watches and stops the process.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SERVICE_DIR = REPO / "service"
DOCKERFILE = SERVICE_DIR / "Dockerfile"
LIVENESS_URL_PATH = "/healthz"  # tests check it equals fargate_spec.contract.LIVENESS_PATH

# Variables that change how uvicorn or the app start; a test run must not inherit them from
# the developer's shell. WEB_CONCURRENCY is read by uvicorn without a prefix.
_INHERITED_PREFIXES = ("UVICORN_", "APP_")
_INHERITED_NAMES = ("WEB_CONCURRENCY",)


# --- Reading the Dockerfile ------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-case, e.g. "CMD"
    arguments: str  # the rest of the logical line, continuations joined


@dataclass(frozen=True)
class Stage:
    base: str
    name: str | None
    instructions: tuple[Instruction, ...]

    def all(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def read_stages(path: Path = DOCKERFILE) -> list[Stage]:
    """The Dockerfile's build stages in order (the last one is the image)."""
    stages: list[Stage] = []
    base, name, current = "", None, []
    for instruction in _logical_lines(path.read_text()):
        if instruction.keyword == "FROM":
            if base:
                stages.append(Stage(base, name, tuple(current)))
            words = instruction.arguments.split()
            base = words[0]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            current = []
        else:
            current.append(instruction)
    if base:
        stages.append(Stage(base, name, tuple(current)))
    return stages


def _logical_lines(text: str) -> Iterator[Instruction]:
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may sit between continuation lines too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        pending = ""
        yield Instruction(keyword.upper(), rest.strip())


def exec_form(arguments: str) -> list[str] | None:
    """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD, None for shell form."""
    if not arguments.startswith("["):
        return None
    value = json.loads(arguments)
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def env_pairs(arguments: str) -> dict[str, str]:
    """`ENV A=1 B="two words"` as a dict (the key=value form; the legacy form is not used)."""
    pairs = {}
    for word in shlex.split(arguments):
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"ENV {arguments!r}: expected KEY=VALUE pairs, got {word!r}")
        pairs[key] = value
    return pairs


def image_environment(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        env.update(env_pairs(instruction.arguments))
    return env


def image_command(stage: Stage) -> list[str]:
    cmd = stage.last("CMD")
    command = exec_form(cmd.arguments) if cmd else None
    if command is None:
        raise ValueError(f"{DOCKERFILE}: the final stage needs an exec-form CMD")
    return command


# --- Starting it -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_command(command: Sequence[str], port: int, app: str | None = None) -> list[str]:
    """The image's CMD with --host 127.0.0.1, the given port and, if given, another app."""
    adapted = list(command)
    for flag, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        if flag not in adapted:
            raise ValueError(f"CMD {command} has no {flag} to adapt")
        adapted[adapted.index(flag) + 1] = value
    if app is not None:
        adapted[_app_argument_index(adapted)] = app
    return adapted


def _app_argument_index(command: Sequence[str]) -> int:
    """Index of uvicorn's APP argument: the first word after 'uvicorn' that is not an option."""
    start = command.index("uvicorn") + 1
    index = start
    while index < len(command):
        if command[index].startswith("--"):
            index += 2  # every option the CMD may use takes a value
            continue
        return index
    raise ValueError(f"CMD {command} names no app")


def local_environment(
    image_env: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
    bin_dir: Path | None = None,
) -> dict[str, str]:
    """The image's ENV over a clean copy of ours, with a virtualenv's bin first on PATH
    (the one running this code unless bin_dir names another, e.g. one made by uv sync)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_INHERITED_PREFIXES) and key not in _INHERITED_NAMES
    }
    env.update({key: value for key, value in image_env.items() if key != "PATH"})
    venv_bin = bin_dir or Path(sys.executable).parent
    env["PATH"] = os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")])
    env.update(overrides or {})
    return env


@dataclass
class RunningService:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    seconds_to_healthy: float = field(default=0.0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_bytes(self) -> int:
        """Resident memory of the server process (Linux /proc)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no VmRSS in /proc/{self.process.pid}/status")
        return int(match.group(1)) * 1024

    def child_pids(self) -> list[int]:
        """Processes whose parent is the server: none when uvicorn runs in-process."""
        return _children(self.process.pid)

    def tree_pids(self) -> list[int]:
        """The server and all its descendants (a supervisor and its workers, for instance)."""
        pids, index = [self.process.pid], 0
        while index < len(pids):
            pids.extend(_children(pids[index]))
            index += 1
        return pids

    def tree_memory_bytes(self) -> dict[str, int]:
        """RSS and PSS summed over tree_pids(). RSS counts pages shared between processes once
        per process; PSS splits them, so the two bracket what the processes really cost."""
        totals = {"rss": 0, "pss": 0}
        for pid in self.tree_pids():
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            for key, label in (("rss", "Rss"), ("pss", "Pss")):
                match = re.search(rf"^{label}:\s+(\d+) kB", rollup, re.MULTILINE)
                if match is None:
                    raise RuntimeError(f"no {label} in /proc/{pid}/smaps_rollup")
                totals[key] += int(match.group(1)) * 1024
        return totals

    def tree_cpu_seconds(self) -> float:
        """User and system CPU time used so far by tree_pids() (Linux /proc/<pid>/stat)."""
        ticks = 0
        for pid in self.tree_pids():
            # Fields after the command name, which is in parentheses and may hold spaces.
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
        return ticks / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json_logs(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other lines, if any, are skipped)."""
        events = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                events.append(json.loads(line))
        return events

    def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first JSON log line matching predicate, polling until it is written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.json_logs():
                if predicate(event):
                    return event
            time.sleep(0.02)
        raise TimeoutError(f"no matching log line within {timeout} s:\n{self.output()}")

    def stop(self, timeout: float) -> int:
        """SIGTERM (what ECS sends), then wait; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def _children(pid: int) -> list[int]:
    """pid's child processes; none if pid has exited meanwhile."""
    children: list[int] = []
    with suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children.extend(int(child) for child in (task / "children").read_text().split())
    return children


@contextmanager
def run_service(
    *,
    env: Mapping[str, str] | None = None,
    app: str | None = None,
    extra_pythonpath: Sequence[Path] = (),
    bin_dir: Path | None = None,
    workdir: Path = SERVICE_DIR,
    healthy_timeout: float = 20.0,
    command: Callable[[int], Sequence[str]] | None = None,
) -> Iterator[RunningService]:
    """Start the image's CMD locally, wait for liveness to answer 200, stop it afterwards.

    env overrides the image's ENV; app replaces the CMD's app argument; bin_dir is the
    virtualenv's bin (default: this interpreter's); workdir holds the `app` package (the
    image's WORKDIR). command, given the free port, returns another argv to run instead of
    the CMD (e.g. another server, for a benchmark), with the same environment and workdir.
    """
    final = read_stages()[-1]
    port = free_port()
    if command is None:
        argv = local_command(image_command(final), port, app)
    else:
        argv = list(command(port))
    environment = local_environment(image_environment(final), env, bin_dir)
    if extra_pythonpath:
        environment["PYTHONPATH"] = os.pathsep.join(str(path) for path in extra_pythonpath)
    executable = shutil.which(argv[0], path=environment["PATH"])
    if executable is None:
        raise FileNotFoundError(f"{argv[0]} not on PATH {environment['PATH']}")
    with tempfile.TemporaryDirectory(prefix="service-") as tmp:
        log_path = Path(tmp) / "output.log"
        with log_path.open("wb") as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                [executable, *argv[1:]],
                cwd=workdir,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        service = RunningService(process, port, log_path)
        try:
            wait_healthy(service, healthy_timeout)
            service.seconds_to_healthy = time.perf_counter() - started
            yield service
        finally:
            if process.poll() is None:
                # Workers first would be restarted by their supervisor; the supervisor first
                # would orphan them: read the whole tree, then kill every process in it.
                pids = service.tree_pids()
                for pid in pids:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.wait()


def wait_healthy(service: RunningService, timeout: float) -> None:
    """Poll liveness until 200; fail early, with the output, if the process exits."""
    deadline = time.monotonic() + timeout
    url = service.base_url + LIVENESS_URL_PATH
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(
                f"service exited with {service.process.returncode} before answering {url}:\n"
                + service.output()
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.005)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s:\n{service.output()}")
