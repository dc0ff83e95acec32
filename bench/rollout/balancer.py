"""HAProxy (Debian's package) as the stack's ALB and target group, driven the way ECS drives them.

Each target is a server slot whose connections, health checks included, are made inside the
task's own network namespace (HAProxy's `namespace` server keyword), so every task serves on
its container port 8000 as in awsvpc mode while all traffic stays on loopback.

The ALB and target group settings map onto HAProxy as follows (values from bench.rollout.stack):

- health check path and matcher: `option httpchk GET <path>`, `http-check expect`;
- interval, timeout: `inter`, `timeout check`; healthy / unhealthy threshold: `rise` / `fall`;
- idle timeout: `timeout client`, `timeout http-keep-alive`, `timeout server`, and idle
  connections to the targets purged after it (`pool-purge-delay`);
- round robin, connections to targets reused: `balance roundrobin`, `http-reuse always`;
- a target that refuses or resets gives the client a 5xx, with no retry elsewhere:
  `retries 0`, no redispatch;
- RegisterTargets (the target starts "initial", healthy once `rise` checks pass): the slot
  is held DOWN (`set server health down`) from the start, its checks failing until its task
  serves;
- DeregisterTargets ("draining": no new requests, open ones may finish):
  `set server state drain`;
- end of the deregistration delay (connections still open are closed):
  `set server state maint`, then `shutdown sessions server`.

The runtime API (stats socket, admin level) takes one command per connection.
"""

from __future__ import annotations

import csv
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.rollout.stack import StackPlan

BACKEND = "tg"
FRONTEND = "alb"
TARGET_HEADER = "X-Rehearsal-Task"
# `show stat` status words of a server that takes requests ("UP 1/3": up, one check failed).
SERVING_STATUSES = frozenset({"UP", "DRAIN"})
# The ALB's connection timeout to targets is not configurable; HAProxy needs one.
CONNECT_TIMEOUT_SECONDS = 10


class BalancerError(RuntimeError):
    """HAProxy would not start, or its runtime API refused a command."""


@dataclass(frozen=True)
class Slot:
    """A server line: one task's place in the target group."""

    name: str
    netns: str


@dataclass(frozen=True)
class ServerState:
    status: str
    """`show stat` status: UP, DOWN, DRAIN, MAINT, or a transition such as "DOWN 1/2"."""
    check_status: str
    current_sessions: int

    @property
    def healthy(self) -> bool:
        """Passing its health check: UP, or draining while UP."""
        return self.status.split(" ")[0] in SERVING_STATUSES


def status_rule(matcher: str) -> str:
    """`http-check expect` for a target group matcher: "200", "200,202" or "200-299"."""
    if re.fullmatch(r"\d{3}", matcher):
        return f"status {matcher}"
    codes = []
    for part in matcher.split(","):
        low, _, high = part.strip().partition("-")
        codes += [str(code) for code in range(int(low), int(high or low) + 1)]
    return f"rstatus ^({'|'.join(codes)})$"


def render_config(plan: StackPlan, slots: list[Slot], port: int, socket_path: Path) -> str:
    check = plan.health_check
    idle = plan.idle_timeout
    servers = [
        f"  server {slot.name} 127.0.0.1:{plan.container.container_port} namespace {slot.netns}"
        f" check"
        for slot in slots
    ]
    return "\n".join(
        [
            f"# Stack {plan.stack}: written by bench/rollout/balancer.py from the program's",
            "# target group and load balancer (see that module for the mapping).",
            "global",
            f"  stats socket {socket_path} level admin",
            "  log stdout format raw local0 info",
            "defaults",
            "  mode http",
            "  log global",
            "  option httplog",
            "  option dontlog-normal",
            f"  timeout connect {CONNECT_TIMEOUT_SECONDS}s",
            f"  timeout client {idle}s",
            f"  timeout http-request {idle}s",
            f"  timeout http-keep-alive {idle}s",
            f"  timeout server {idle}s",
            "  retries 0",
            f"frontend {FRONTEND}",
            f"  bind 127.0.0.1:{port}",
            f"  default_backend {BACKEND}",
            f"backend {BACKEND}",
            "  balance roundrobin",
            "  http-reuse always",
            f"  option httpchk GET {check.path}",
            f"  http-check expect {status_rule(check.matcher)}",
            f"  timeout check {check.timeout}s",
            f"  http-response set-header {TARGET_HEADER} %s",
            f"  default-server inter {check.interval}s rise {check.healthy_threshold}"
            f" fall {check.unhealthy_threshold} pool-purge-delay {idle}s",
            *servers,
            "",
        ]
    )


class Balancer:
    """One HAProxy process of ours, in the foreground, logging to a file."""

    def __init__(self, work_dir: Path, plan: StackPlan, slots: list[Slot], port: int) -> None:
        self.socket_path = work_dir / "haproxy.sock"
        self.config_path = work_dir / "haproxy.cfg"
        self.log_path = work_dir / "haproxy.log"
        self.port = port
        self.config_path.write_text(render_config(plan, slots, port, self.socket_path))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> None:
        checked = subprocess.run(
            ["haproxy", "-c", "-q", "-f", str(self.config_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if checked.returncode != 0:
            raise BalancerError(f"haproxy -c refused {self.config_path}:\n{checked.stderr}")
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(self.config_path)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BalancerError(f"haproxy exited:\n{self.log_path.read_text()}")
            if self.socket_path.exists():
                try:
                    self.command("show info")
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        raise BalancerError(f"haproxy's runtime API did not answer within {timeout} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(self.socket_path))
            connection.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def _admin(self, line: str) -> None:
        answer = self.command(line).strip()
        if answer:
            raise BalancerError(f"haproxy refused {line!r}: {answer}")

    # --- what ECS does to the target group ---------------------------------------------------

    def hold_down(self, server: str) -> None:
        """A slot whose task has not started yet: DOWN at once, and kept DOWN by its failing
        health checks (nothing listens in its namespace) until its task serves and passes
        `rise` of them: a registered target's "initial" state. Slots are never put in
        maintenance before use: a server leaving it comes back UP before any check (HAProxy's
        src/server.c, srv_clr_admin_flag: "leaving maintenance means that we should
        immediately turn to UP", health reset to `rise`; seen here with 2.6 too)."""
        self._admin(f"set server {BACKEND}/{server} health down")

    def drain(self, server: str) -> None:
        """DeregisterTargets: no new requests; open connections may finish."""
        self._admin(f"set server {BACKEND}/{server} state drain")

    def remove(self, server: str) -> None:
        """End of the deregistration delay: out of the group, what is still open is closed."""
        self._admin(f"set server {BACKEND}/{server} state maint")
        self._admin(f"shutdown sessions server {BACKEND}/{server}")

    # --- what the target group reports ------------------------------------------------------

    def states(self) -> dict[str, ServerState]:
        rows = self.command("show stat").lstrip("# ").splitlines()
        states = {}
        for row in csv.DictReader(rows):
            if row["pxname"] != BACKEND or row["svname"] in {"BACKEND", "FRONTEND"}:
                continue
            states[row["svname"]] = ServerState(
                status=row["status"],
                check_status=row["check_status"],
                current_sessions=int(row["scur"] or 0),
            )
        return states

    def state(self, server: str) -> ServerState:
        return self.states()[server]

    def version(self) -> str:
        for line in self.command("show info").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
        return "unknown"
