"""The rollout rehearsal, short: scripts/rollout-rehearsal.sh on the dev stack with one
replacement and a 5-second negative control. No request may fail during the replacement; the
control (SIGTERM without draining) must lose some, or the count could not see a loss.

Runs what CI runs: the script builds the image (scripts/build-image.sh), installs HAProxy from
Debian when missing, starts two tasks as buildah containers of the image and replaces one as
ECS does, with the dev stack's own values (deregistration delay 5 s, stopTimeout 10 s).

Sources: Elastic Load Balancing User Guide, "Deregistration delay" (draining: no new requests,
in-flight ones complete; the target is unused once the delay elapses; a target that closes
connections before then gives clients 5xx), as quoted in
kubernetes-sigs/aws-load-balancer-controller#3270; the ECS rolling update with minimum healthy
100 % and maximum 200 % (issue 15's steps, aws.ecs.Service deployment_minimum_healthy_percent
and deployment_maximum_percent in pulumi-aws 7.51.1); HAProxy 2.6's management guide for the
runtime API (`set server ... health down`, `state drain`, `state maint`, `shutdown sessions
server`) and src/server.c's srv_clr_admin_flag (a server leaving maintenance is UP before
any check, so slots are held DOWN instead); buildah 1.28 run_linux.go (containers/buildah)
for /run/.containerenv, which a read-only root refuses.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bench.rollout.stack import load_plan
from testkit.uvicorn_process import REPO

pytestmark = [pytest.mark.image, pytest.mark.slow]

SCRIPT = REPO / "scripts" / "rollout-rehearsal.sh"
EXIT_TOOLS_MISSING = 3
STACK = "dev"
# Bounded: one replacement; the control's old task is deregistered 5 s after its SIGTERM.
ARGUMENTS = [
    "--replacements",
    "1",
    "--negative-window",
    "5",
    "--rate",
    "100",
    "--steady-seconds",
    "2",
]
TIMEOUT_SECONDS = 600


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("rollout")
    # timeout(1) sends SIGTERM, on which the rehearsal removes its tasks, HAProxy and
    # namespaces before it exits.
    command = [SCRIPT, STACK, *ARGUMENTS, "--out", out, "--logs", out / "logs"]
    result = subprocess.run(
        ["timeout", "--kill-after=60", str(TIMEOUT_SECONDS), "bash", *map(str, command)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == EXIT_TOOLS_MISSING:
        reason = result.stderr.strip().splitlines()[-1]
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the rehearsal, but: {reason}")
        pytest.skip(f"the rehearsal cannot run here: {reason}")
    assert (out / "rollout.json").exists(), (
        f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-4000:]}"
    )
    return json.loads((out / "rollout.json").read_text()), out


def test_no_request_fails_across_a_replacement(rehearsal: tuple[dict, Path]) -> None:
    results, _ = rehearsal
    assert results["stack"] == STACK
    assert results["replacements"] == 1
    assert results["failed"] == 0, results["failures_by_outcome"]
    # Enough traffic to mean something: most of the paced rate over the whole load.
    assert results["requests"] >= 0.8 * 100 * results["load_seconds"]
    assert results["slow_requests"] > 0
    # Traffic really moved: the first old task, the one that stayed and the new one answered.
    assert {"t1", "t2", "t3"} <= set(results["requests_by_task"])


def test_replacement_follows_ecs_order_with_the_stacks_timing(
    rehearsal: tuple[dict, Path],
) -> None:
    results, _ = rehearsal
    plan = load_plan(STACK)
    (phases,) = results["timeline"]
    assert (phases["old"], phases["new"]) == ("t1", "t3")
    assert phases["start"] <= phases["healthy"] <= phases["drain"]
    # healthy only after the threshold's worth of checks at the group's interval
    assert phases["healthy"] - phases["start"] >= (
        (plan.health_check.healthy_threshold - 1) * plan.health_check.interval
    )
    drained = phases["deregistered"] - phases["drain"]
    assert drained == pytest.approx(plan.deregistration_delay, abs=0.5)
    assert phases["deregistered"] <= phases["sigterm"] <= phases["exit"]
    assert phases["exit"] - phases["sigterm"] < plan.container.stop_timeout
    assert "sigkill" not in phases
    assert phases["clean_shutdown"]


def test_negative_control_loses_requests(rehearsal: tuple[dict, Path]) -> None:
    results, _ = rehearsal
    negative = results["negative_control"]
    assert negative["failed"] > 0, negative
    assert negative["requests"] > negative["failed"]
    assert "drain" not in negative["timeline"]
    # The loss is the broken chain's: nothing failed before the SIGTERM.
    assert negative["failures_by_period"]["ended_before_sigterm"] == 0
    assert negative["failures_by_period"]["sent_while_still_registered"] > 0


def test_balancer_was_configured_from_the_stack(rehearsal: tuple[dict, Path]) -> None:
    _, out = rehearsal
    plan = load_plan(STACK)
    config = (out / "logs" / "haproxy.cfg").read_text()
    check = plan.health_check
    assert (
        f"inter {check.interval}s rise {check.healthy_threshold} fall {check.unhealthy_threshold}"
    ) in config
    assert f"timeout client {plan.idle_timeout}s" in config


def test_outputs_are_written(rehearsal: tuple[dict, Path]) -> None:
    _, out = rehearsal
    assert (out / "rollout.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Rolling deploy rehearsal" in (out / "results.md").read_text()
